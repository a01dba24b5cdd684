import { StackConfig } from "../config/schema";
import { Host, singleHostWithRole } from "../components/hosts/host";
import { HostPackages, packageUnion } from "../components/provision";
import { dockerEnginePackages, dockerRegistryPackages } from "../components/docker";
import { PKI_PACKAGES } from "../components/pki";
import { containerNetworkPackages } from "../components/mesh";
import { rsyslogAggregatorPackages } from "../components/logging";
import { mesosClusterPackages } from "../components/mesos";
import { flockerEbsPackages, flockerZfsPackages } from "../components/volumes";

/**
 * Every Debian package the stack's layers install on a host, from the host's roles and the config:
 * the union of each component's packages function, placed as the layers place the components
 * (stack/platform.ts, mesh.ts, logging.ts, mesos.ts, volumes.ts; apps install none).
 */
export function stackPackages(cfg: StackConfig, hosts: readonly Pick<Host, "name" | "roles">[], host: Pick<Host, "name" | "roles">): string[] {
    const has = (r: Host["roles"][number]) => host.roles.includes(r);
    const v = cfg.volumes;
    return packageUnion(
        // Platform: the CA on mgmt (unless insecure), the registry on its host, Docker everywhere.
        has("mgmt") && !cfg.registry.insecure ? PKI_PACKAGES : [],
        has("registry") ? dockerRegistryPackages({ insecure: cfg.registry.insecure }) : [],
        dockerEnginePackages(),
        containerNetworkPackages(cfg.mesh),
        rsyslogAggregatorPackages(host, singleHostWithRole(hosts, "logServer", `RsyslogAggregator "logging"`).name, cfg.logging),
        mesosClusterPackages(host, { marathonTls: cfg.mesos.marathon.tls, mirrorToRegistry: cfg.mesos.mirrorToRegistry }),
        v.datasets.length === 0 ? [] : v.backend === "ebs" ? flockerEbsPackages(host, v.ebs) : flockerZfsPackages(host, v.zfs),
    );
}

/**
 * One apt transaction per host before any layer's step: returns the hosts to hand the layers, whose
 * readiness includes their packages step (HostPackages).
 */
export function deployPackages(cfg: StackConfig, hosts: Host[]): HostPackages {
    return new HostPackages("host-packages", { hosts, packages: (h) => stackPackages(cfg, hosts, h) });
}
