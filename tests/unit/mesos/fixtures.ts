import * as pulumi from "@pulumi/pulumi";
import { RegistryEndpoint } from "../../../components/contracts";
import { Host, Role } from "../../../components/hosts/host";
import { MesosClusterArgs, MesosImages } from "../../../components/mesos";
import { StackCa } from "../../../components/pki";
import { StackConfig } from "../../../config/schema";
import { MesosPlatform } from "../../../stack/mesos";
import { deployZooKeeper } from "../../../stack/zookeeper";
import { fakeHost } from "../provision/fake-host";

/** Test pins (not real digests: the real ones could not be verified here, see docs/mesos.md). */
export const digest = (c: string) => `sha256:${c.repeat(64)}`;
export const IMAGES: MesosImages = {
    master: `mesosphere/mesos-master:1.7.0@${digest("a")}`,
    agent: `mesosphere/mesos-slave:1.7.0@${digest("b")}`,
    marathon: `mesosphere/marathon:v1.7.236@${digest("c")}`,
};
export const PASSWORD = "marathon-Pw7/k+2Lr9zT4vB8nM1";
/** ZooKeeper's digest password in the fixtures (letters, digits, ._~- only). */
export const ZK_PASSWORD = "zookeeper-Pw7.k-2Lr9zT4vB8nM1";
/** The Mesos principals' secrets (distinct, so a test can tell where each lands). */
export const SECRETS = { framework: "framework-Sq4/u+8Kd2wP6", agent: "agent-Sq4/u+8Kd2wP6xR", operator: "operator-Sq4/u+8Kd2wP6" };

/** Marathon's keystore password (HTTPS). */
export const KEYSTORE_PASSWORD = "keystore-Kq8/x+3Wm5zR7tY2";

const CONTROL: Role[] = ["zookeeper", "master", "marathon", "registry", "logServer", "agent"];

/** The original layout (SPEC §3): mgmt, node1 (control + system agent), node2/node3 (app agents). */
export function layout(extra: Host[] = []): Host[] {
    return [
        fakeHost("mgmt", "10.0.15.10", ["mgmt"]),
        fakeHost("node1", "10.0.15.11", CONTROL, { zookeeperId: 1 }),
        fakeHost("node2", "10.0.15.12", ["zookeeper", "agent"], { zookeeperId: 2 }),
        fakeHost("node3", "10.0.15.13", ["zookeeper", "agent"], { zookeeperId: 3 }),
        ...extra,
    ];
}

/** Three masters (node1..3), Marathon on each, agents everywhere. */
export function haLayout(masters = ["node1", "node2", "node3"]): Host[] {
    return ["node1", "node2", "node3"].map((n, i) =>
        fakeHost(n, `10.0.15.${11 + i}`, ["zookeeper", "agent", ...(masters.includes(n) ? (["master", "marathon"] as Role[]) : [])], { zookeeperId: i + 1 }),
    );
}

export function registry(): RegistryEndpoint {
    return {
        address: pulumi.output("10.0.15.11:5000"),
        username: pulumi.output("microservice"),
        password: pulumi.secret("registry-password-1234"),
        caCert: pulumi.output("-----BEGIN CERTIFICATE-----\nQ0EK\n-----END CERTIFICATE-----"),
        ready: [],
    };
}

/** The stack CA (on the layout's first host), one per layout: Marathon's HTTPS certificates come from it. */
const cas = new WeakMap<Host, StackCa>();
export function stackCa(hosts: Host[]): StackCa {
    if (!cas.has(hosts[0])) cas.set(hosts[0], new StackCa("stack-ca", { host: hosts[0] }));
    return cas.get(hosts[0])!;
}

/**
 * MesosCluster's args as the stack gives them: Marathon over HTTPS with the stack CA, unless
 * `settings.marathon.tls` is false; images run from where they are pinned unless a test's settings
 * turn mirroring on (`extra.settings` is merged over that).
 */
export const args = (hosts: Host[], extra: Partial<MesosClusterArgs> = {}): MesosClusterArgs => ({
    hosts,
    ...(extra.settings?.marathon?.tls === false ? {} : { ca: stackCa(hosts) }),
    images: IMAGES,
    marathonPassword: pulumi.secret(PASSWORD),
    zookeeperPassword: pulumi.secret(ZK_PASSWORD),
    mesosFrameworkSecret: pulumi.secret(SECRETS.framework),
    mesosAgentSecret: pulumi.secret(SECRETS.agent),
    mesosOperatorSecret: pulumi.secret(SECRETS.operator),
    marathonKeystorePassword: pulumi.secret(KEYSTORE_PASSWORD),
    ...extra,
    settings: { mirrorToRegistry: false, ...extra.settings },
});

/**
 * What the stack's deployMesos takes from the layers below it: the platform's registry and CA, and
 * the ZooKeeper layer (stack/zookeeper.ts) from `cfg`, or with the fixtures' password.
 */
export function layers(hosts: Host[], cfg?: StackConfig): MesosPlatform {
    const zk = cfg ?? ({ zookeeper: {}, zookeeperPassword: pulumi.secret(ZK_PASSWORD) } as unknown as StackConfig);
    return { registry: registry(), ca: stackCa(hosts), zookeeper: deployZooKeeper(zk, hosts).endpoint };
}
