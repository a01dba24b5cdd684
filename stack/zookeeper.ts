import * as pulumi from "@pulumi/pulumi";
import { LocalCommand } from "../components/exec/command";
import { StackConfig } from "../config/schema";
import { ZooKeeperEndpoint } from "../components/contracts";
import { Host, hostsWithRole } from "../components/hosts/host";
import { ZooKeeperEnsemble } from "../components/zookeeper";

/** The stack's MesosCluster (stack/mesos.ts), the ensemble's parent until it became a layer of its own. */
export const MESOS_CLUSTER_NAME = "mesos";
const MESOS_CLUSTER_TYPE = "microservice:index:MesosCluster";

export interface StackZooKeeper {
    endpoint: ZooKeeperEndpoint;
    ensemble: ZooKeeperEnsemble;
}

/**
 * The coordination layer: a ZooKeeperEnsemble of the hosts with role `zookeeper`, from the
 * `zookeeper` config section (ZooKeeperEnsemble's `settings`: one schema, its defaults). Its
 * digest password comes from the secret config key `zookeeperPassword`, or is generated once and
 * kept in state as a secret. Mesos and Marathon take its endpoint (stack/mesos.ts).
 *
 * Stacks made before this layer existed hold the ensemble as MesosCluster "mesos"'s child
 * "mesos-zookeeper": the alias says so, and Pulumi aliases each child the same way (their names
 * start with the ensemble's), so those stacks keep their ensemble and its steps, unreplaced.
 */
export function deployZooKeeper(cfg: StackConfig, hosts: Host[]): StackZooKeeper {
    const password = (cfg.zookeeperPassword as pulumi.Input<string> | undefined) ?? generatedPassword("zookeeper-password");
    const ensemble = new ZooKeeperEnsemble(
        "zookeeper",
        { hosts: hostsWithRole(hosts, "zookeeper"), settings: cfg.zookeeper, password },
        { aliases: [{ name: `${MESOS_CLUSTER_NAME}-zookeeper`, parent: pulumi.createUrn(MESOS_CLUSTER_NAME, MESOS_CLUSTER_TYPE) }] },
    );
    return { endpoint: ensemble.endpoint, ensemble };
}

/** 192 random bits as hex (safe in a zk:// URL and a zkCli command file). Runs once, on create. */
function generatedPassword(name: string): pulumi.Output<string> {
    const gen = new LocalCommand(name, { create: "openssl rand -hex 24", logging: "none" }, { additionalSecretOutputs: ["stdout"] });
    return pulumi.secret(gen.stdout.apply((s) => s.trim()));
}
