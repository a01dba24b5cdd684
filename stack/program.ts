import * as pulumi from "@pulumi/pulumi";
import { loadStackConfig } from "../config/load";
import { buildHosts } from "./hosts";
import { deployPackages } from "./packages";
import { deployPlatform } from "./platform";
import { deployMesh } from "./mesh";
import { deployVolumes } from "./volumes";
import { deployLogging } from "./logging";
import { deployMesos } from "./mesos";
import { deployZooKeeper } from "./zookeeper";
import { deployApps } from "./apps";

/**
 * The stack program: config is read and validated once, then each layer of the platform is built
 * on the hosts of the selected target. Returns the stack outputs.
 */
export function program(): Record<string, pulumi.Input<unknown>> {
    const cfg = loadStackConfig();
    const built = buildHosts(cfg);
    // Each host's packages in one apt transaction, before any layer's step there (the hosts' `ready`).
    const hosts = { ...built, hosts: deployPackages(cfg, built.hosts).hosts };
    const platform = deployPlatform(cfg, hosts.hosts);
    const mesh = deployMesh(cfg, hosts.hosts, platform);
    // rsyslog needs only the hosts; containers reach it through logging.shipping.dockerParameters.
    const logging = deployLogging(cfg, hosts.hosts, platform);
    // ZooKeeper needs only the hosts (Debian's package, not Docker).
    const zookeeper = deployZooKeeper(cfg, hosts.hosts);
    // Agents hand tasks to the mesh's Docker endpoint (Weave's proxy) and start after it.
    const mesos = deployMesos(cfg, hosts.hosts, { ...platform, zookeeper: zookeeper.endpoint }, mesh.network);
    // A move stops and starts its app through Marathon (the dataset's `app` hook), hence the scheduler.
    // Its hook calls Marathon over HTTPS, trusting the CA Marathon's certificate comes from.
    const volumes = deployVolumes(cfg, hosts.hosts, { hostReady: platform.hostReady, caCert: mesos.cluster.marathonCaCert, scheduler: mesos.scheduler });
    // The sample apps on Marathon: images built on mgmt, nginx -> nodeapp -> mongo (docs/apps.md).
    const apps = deployApps(cfg, {
        hosts: hosts.hosts,
        target: hosts.target,
        platform,
        scheduler: mesos.scheduler,
        network: mesh.network,
        logging: logging.shipping,
        volumes: volumes.volumes,
    });
    return {
        target: cfg.target,
        hosts: hosts.outputs,
        // Secret; the SSH commands in `hosts` use the key file that sshKeyFile writes.
        sshPrivateKey: hosts.sshPrivateKey,
        sshKeyFile: hosts.sshKeyFile,
        platform: platform.outputs,
        mesh: mesh.outputs,
        volumes: volumes.outputs,
        logging: logging.outputs,
        mesos: mesos.outputs,
        apps: apps.outputs,
        appUrl: apps.url,
    };
}
