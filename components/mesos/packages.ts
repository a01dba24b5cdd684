import { Host } from "../hosts/host";
import { PKI_PACKAGES } from "../pki/ops";
import { packageUnion } from "../provision";
import { ZOOKEEPER_PACKAGES } from "../zookeeper/ops";
import { marathonPackages, MIRROR_PACKAGES, PROBE_PACKAGES } from "./ops";

/** What decides MesosCluster's packages on a host (MesosClusterArgs' settings of the same names and defaults). */
export interface MesosPackageSettings {
    /** marathon.tls (default true): each Marathon host makes its certificate's key and a keystore. */
    marathonTls?: boolean;
    /** mirrorToRegistry (default false): mgmt copies the images with skopeo. */
    mirrorToRegistry?: boolean;
    /** An existing ZooKeeper endpoint was given (`zookeeper:`): no ensemble of the cluster's own. */
    givenZookeeper?: boolean;
}

/**
 * The Debian packages a MesosCluster (with its own ZooKeeperEnsemble unless one is given) installs
 * on a host, by the host's roles: the same lists its steps' `packages` ops take.
 */
export function mesosClusterPackages(host: Pick<Host, "roles">, s: MesosPackageSettings = {}): string[] {
    const has = (r: Host["roles"][number]) => host.roles.includes(r);
    const tls = s.marathonTls ?? true;
    return packageUnion(
        has("master") || has("agent") ? PROBE_PACKAGES : [],
        has("marathon") ? marathonPackages(tls) : [],
        has("marathon") && tls ? PKI_PACKAGES : [],
        has("mgmt") && s.mirrorToRegistry ? MIRROR_PACKAGES : [],
        has("zookeeper") && !s.givenZookeeper ? ZOOKEEPER_PACKAGES : [],
    );
}
