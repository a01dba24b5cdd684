import * as pulumi from "@pulumi/pulumi";
import { StackConfig } from "../config/schema";
import { HostReadiness, SchedulerEndpoint, VolumeRef } from "../components/contracts";
import { Host, hostsWithRole } from "../components/hosts/host";
import { FlockerZfsCluster } from "../components/volumes";
import { FlockerEbsVolumes } from "../components/volumes/ebs/volumes";

/** What the volumes need from earlier layers (all optional: a stack without Marathon apps needs none). */
export interface VolumesPlatform {
    /** Docker running on each host (DockerEngine.hostReady). */
    hostReady?: HostReadiness;
    /** Marathon, for datasets whose app is a Marathon app (suspended and re-pinned by a move). */
    scheduler?: SchedulerEndpoint;
    /** PEM of the stack CA, when Marathon is served over https with a certificate from it. */
    caCert?: pulumi.Input<string>;
}

export interface StackVolumes {
    volumes: Record<string, VolumeRef>;
    component?: FlockerZfsCluster | FlockerEbsVolumes;
    outputs: Record<string, pulumi.Input<unknown>>;
}

/**
 * The movable volumes layer (config `volumes`): ZFS datasets replicated between agents, or EBS
 * volumes on target aws. Nothing is created when no dataset is configured.
 */
export function deployVolumes(cfg: StackConfig, hosts: Host[], platform: VolumesPlatform = {}): StackVolumes {
    const v = cfg.volumes;
    if (v.datasets.length === 0) return { volumes: {}, outputs: { backend: v.backend, volumes: {} } };
    const common = {
        hosts,
        datasets: v.datasets,
        zfs: v.zfs,
        mountRoot: v.mountRoot,
        scheduler: platform.scheduler,
        marathonCaCert: platform.caCert,
        hostReady: platform.hostReady,
    };
    const component =
        v.backend === "ebs"
            ? new FlockerEbsVolumes("volumes", {
                  ...common,
                  ebs: v.ebs,
                  availabilityZone: agentsZone(hosts),
                  tags: { "microservice:stack": pulumi.getStack() },
              })
            : new FlockerZfsCluster("volumes", { ...common, pool: v.pool });
    const volumes = component.volumes;
    return {
        volumes,
        component,
        outputs: {
            backend: v.backend,
            volumes: Object.fromEntries(Object.values(volumes).map((r) => [r.name, { primary: r.primary, hostPath: r.hostPath, constraint: r.constraint }])),
        },
    };
}

/** The one AZ of the agents (target aws hosts carry it): EBS volumes attach only within their AZ. */
function agentsZone(hosts: Host[]): pulumi.Output<string> {
    const agents = hostsWithRole(hosts, "agent");
    const missing = agents.filter((h) => !h.availabilityZone).map((h) => h.name);
    if (missing.length > 0) throw new Error(`volumes.backend "ebs": agents ${missing.join(", ")} have no availability zone (EBS needs target aws)`);
    return pulumi.all(agents.map((h) => h.availabilityZone!)).apply((zones) => {
        const distinct = [...new Set(zones)];
        if (distinct.length !== 1)
            throw new Error(
                `volumes.backend "ebs": the agents are in several availability zones (${distinct.join(", ")}); an EBS volume can only move within one`,
            );
        return distinct[0];
    });
}
