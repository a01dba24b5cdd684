import * as pulumi from "@pulumi/pulumi";
import { LocalCommand } from "../components/exec/command";
import { hostTarget, StackConfig } from "../config/schema";
import { ContainerNetwork, HostReadiness, RegistryEndpoint, SchedulerEndpoint, ZooKeeperEndpoint } from "../components/contracts";
import { Host, hostsWithRole } from "../components/hosts/host";
import { StackCa } from "../components/pki";
import { MesosCluster, MesosImages, mesosImagesIssues } from "../components/mesos";
import { ValidationError } from "../components/validate";
import { imagesPinnedOnFirstUse } from "./mesos-images";

/** What the Mesos layer needs from the layers below it: the platform's registry, CA and Docker, and ZooKeeper. */
export interface MesosPlatform {
    registry: RegistryEndpoint;
    /** The ZooKeeper layer's ensemble (stack/zookeeper.ts): Mesos' leader election, Marathon's state. */
    zookeeper: ZooKeeperEndpoint;
    /** The stack CA: Marathon's HTTPS certificates (mesos.marathon.tls). */
    ca?: StackCa;
    /** Docker running on each host (DockerEngine.hostReady). */
    hostReady?: HostReadiness;
    /** Docker's daemon on each host, before the registry login (DockerEngine.daemonReady). */
    daemonReady?: HostReadiness;
}

export interface StackMesos {
    scheduler: SchedulerEndpoint;
    cluster: MesosCluster;
    outputs: Record<string, pulumi.Input<unknown>>;
}

/**
 * The images a stack with Mesos hosts runs: from config, or (local target only) pinned on first use.
 * loadStackConfig already refused any other config without them (platformConfigSchema); this guards
 * programs that validated with the plain stack schema.
 */
export function mesosImages(cfg: StackConfig): pulumi.Input<MesosImages> {
    if (cfg.mesos.images) return cfg.mesos.images;
    const issues = mesosImagesIssues(cfg.mesos, cfg.hosts, hostTarget(cfg.target));
    if (issues.length) throw new ValidationError(`stack config: invalid input\n  mesos.images: ${issues[0][1]}, got nothing`, []);
    return imagesPinnedOnFirstUse(cfg.local?.dockerHost);
}

/**
 * The scheduler layer: Mesos masters, agents and Marathon (MesosCluster) on the hosts with those
 * roles, on the ZooKeeper layer's ensemble, after each host's Docker engine; agents talk to Docker
 * through the container network's endpoint when it gives one (Weave's proxy). Marathon's password
 * comes from the secret config key `marathonPassword`, or is generated once and kept in state as a
 * secret; so are the Mesos principals' secrets (`mesosFrameworkSecret`, `mesosAgentSecret`,
 * `mesosOperatorSecret`: MesosCluster generates each one left unset).
 */
export function deployMesos(
    cfg: StackConfig,
    hosts: Host[],
    platform: MesosPlatform,
    network?: Pick<ContainerNetwork, "agentDockerSocket" | "hostReady">,
): StackMesos {
    const images = mesosImages(cfg);
    const m = cfg.mesos;
    // "mesos" is also in stack/zookeeper.ts (MESOS_CLUSTER_NAME): the ensemble's alias names its old parent.
    const cluster = new MesosCluster("mesos", {
        hosts,
        images,
        marathonPassword: (cfg.marathonPassword as pulumi.Input<string> | undefined) ?? generatedPassword("marathon-password"),
        mesosFrameworkSecret: cfg.mesosFrameworkSecret as pulumi.Input<string> | undefined,
        mesosAgentSecret: cfg.mesosAgentSecret as pulumi.Input<string> | undefined,
        mesosOperatorSecret: cfg.mesosOperatorSecret as pulumi.Input<string> | undefined,
        // Marathon serves HTTPS with a certificate from it (its keystore password is generated once).
        ca: m.marathon.tls ? platform.ca : undefined,
        // The `mesos` section as validated: MesosCluster's own schema (its defaults are the section's).
        settings: m,
        network,
        registry: platform.registry,
        zookeeper: platform.zookeeper,
        hostReady: platform.hostReady,
        daemonReady: platform.daemonReady,
    });
    const outputs: Record<string, pulumi.Input<unknown>> = {
        mesosUrls: cluster.mesosUrls,
        marathonUrl: cluster.marathonUrl,
        marathonUrls: cluster.marathonUrls,
        // What to trust for marathonUrl (the stack CA; "" with plain HTTP): curl --cacert, the UI's browser.
        marathonCaCert: cluster.marathonCaCert,
        marathonUsername: cluster.marathonUsername,
        zookeeper: cluster.zookeeper.servers,
        // Without the credentials zkUrl() carries (they stay in the hosts' 0600 env files).
        zkMesos: cluster.zookeeper.servers.apply((s) => `zk://${s}/mesos`),
        quorum: cluster.quorum,
        registry: platform.registry.address,
        images: cluster.images,
        agents: hostsWithRole(hosts, "agent").map((h) => h.name),
    };
    return { scheduler: cluster.endpoint, cluster, outputs };
}

/** 192 random bits as hex (safe in an EnvironmentFile, a curl config and a zk:// URL). Runs once, on create. */
function generatedPassword(name: string): pulumi.Output<string> {
    const gen = new LocalCommand(name, { create: "openssl rand -hex 24", logging: "none" }, { additionalSecretOutputs: ["stdout"] });
    return pulumi.secret(gen.stdout.apply((s) => s.trim()));
}
