import * as pulumi from "@pulumi/pulumi";
import { z } from "zod";
import { HostReadiness, SchedulerEndpoint, VolumeRef } from "../../contracts";
import { Host, hostsWithRole } from "../../hosts/host";
import { hostReadinessSchema, readinessOn } from "../../hosts/readiness";
import { hostStep, HostSteps, stepPayload } from "../../provision";
import { datasetSchema, poolSchema, volumeHostIssues, zfsSchema, DatasetSettings, VolumeSettingsInput } from "../settings";
import { volumeRef, mountRootSchema, repeatedNames } from "../common";
import { uniqueHosts, validate } from "../../validate";
import { generateReplicationKey } from "./key";
import * as render from "./ops";

export interface FlockerZfsClusterArgs {
    /** The stack's hosts: the pool and the replication user go on every host with role agent. */
    hosts: Host[];
    /** Datasets: name, size (quota), desired primary (an agent), and the app that uses it. */
    datasets: z.input<typeof datasetSchema>[];
    pool?: VolumeSettingsInput["pool"];
    zfs?: VolumeSettingsInput["zfs"];
    /** Datasets are mounted at <mountRoot>/<name> on their primary. Default /flocker. */
    mountRoot?: string;
    /** Bring your own replication key; by default ssh-keygen makes one per stack (kept as a secret). */
    replicationKey?: { privateKey: pulumi.Input<string>; publicKey: pulumi.Input<string> };
    /** Needed when a dataset's app is a Marathon app: the move suspends and re-pins it there. */
    scheduler?: SchedulerEndpoint;
    /** PEM of the CA that signed Marathon's certificate (https); default: the scheduler's (MesosCluster: the stack CA). */
    marathonCaCert?: pulumi.Input<string>;
    /** What each host's steps wait for: Docker running there (app hooks may use docker). */
    hostReady?: HostReadiness;
}

const argsSchema = z
    .object({
        hosts: uniqueHosts,
        datasets: z.array(datasetSchema).superRefine((ds, ctx) => {
            for (const [i, message] of repeatedNames(ds)) ctx.addIssue({ code: "custom", path: [i, "name"], message });
        }),
        pool: poolSchema.prefault({}),
        zfs: zfsSchema.prefault({}),
        mountRoot: mountRootSchema,
        replicationKey: z.object({ privateKey: z.any(), publicKey: z.any() }).optional(),
        scheduler: z.custom<SchedulerEndpoint>().optional(),
        marathonCaCert: z.any().optional(),
        hostReady: hostReadinessSchema,
    })
    .superRefine((a, ctx) => {
        for (const [path, message] of volumeHostIssues({ backend: "zfs", datasets: a.datasets }, a.hosts)) ctx.addIssue({ code: "custom", path, message });
        a.datasets.forEach((d, i) => {
            if (d.app?.kind === "marathon" && !a.scheduler) {
                ctx.addIssue({ code: "custom", path: ["datasets", i, "app"], message: "a Marathon app needs args.scheduler (the MesosCluster's endpoint)" });
            }
        });
    });

/**
 * Movable ZFS volumes as Flocker's ZFS backend gave them, with no Flocker inside (ClusterHQ's code is
 * gone; the name is the one users know): a pool on every agent (a sparse file vdev),
 * one dataset per volume with a quota, mounted at a stable path on its primary, and moved to
 * another agent by changing its primary in config (snapshot copy while the app runs, app stopped,
 * final increment, verified, app started there; the source is kept). See docs/volumes.md.
 */
export class FlockerZfsCluster extends pulumi.ComponentResource {
    readonly volumes: Record<string, VolumeRef>;
    readonly mountRoot: string;
    readonly poolName: string;
    /** Public half of the replication key (its private half is only in secret steps). */
    readonly replicationPublicKey: pulumi.Output<string>;
    readonly ready: pulumi.Resource[];
    /** Per agent: its pool, replication peers and app hooks are set up (datasets are in `volumes`). */
    readonly hostReady: HostReadiness;

    constructor(name: string, args: FlockerZfsClusterArgs, opts?: pulumi.ComponentResourceOptions) {
        const a = validate(argsSchema, args, `FlockerZfsCluster "${name}"`);
        super("microservice:index:FlockerZfsCluster", name, {}, opts);
        this.mountRoot = a.mountRoot;
        this.poolName = a.pool.name;
        const agents = hostsWithRole(a.hosts, "agent");

        const key = args.replicationKey
            ? { privateKey: pulumi.secret(args.replicationKey.privateKey), publicKey: pulumi.output(args.replicationKey.publicKey) }
            : generateReplicationKey(`${name}-replication-key`, this);
        this.replicationPublicKey = key.publicKey;

        const steps = agents.map((h) => new HostSteps(this, name, h, readinessOn(a.hostReady, h)));
        steps.forEach((s) => s.add("zfs", render.zfsOps({ implementation: a.zfs.implementation, ...a.pool })));
        const hostKeys = steps.map((s) =>
            s
                .add(
                    "replication",
                    pulumi.all([s.host.privateIp, key.publicKey]).apply(([ip, publicKey]) =>
                        render.replicationOps({
                            hostName: s.host.name,
                            hostIp: ip,
                            pool: a.pool.name,
                            mountRoot: a.mountRoot,
                            user: a.zfs.replicationUser,
                            publicKey,
                            appTimeoutSeconds: a.zfs.appTimeoutSeconds,
                            transferTimeoutSeconds: a.zfs.transferTimeoutSeconds,
                        }),
                    ),
                )
                .stdout.apply(stepPayload),
        );
        const peers = pulumi.all(
            agents.map((h, i) => pulumi.all([h.privateIp, hostKeys[i]]).apply(([ip, hostKey]): render.Peer => ({ name: h.name, ip, hostKey }))),
        );
        const usesMarathon = a.datasets.some((d) => d.app?.kind === "marathon");
        // The hooks step needs only the URL and credentials; a dataset with a Marathon app is placed
        // once Marathon is ready, since placing it starts (or moving it stops) that app there.
        const marathon: pulumi.Output<render.MarathonAccess | undefined> =
            usesMarathon && a.scheduler
                ? pulumi
                      .all([
                          a.scheduler.marathonUrl,
                          a.scheduler.marathonUsername,
                          a.scheduler.marathonPassword,
                          args.marathonCaCert ?? a.scheduler.marathonCaCert ?? "",
                      ])
                      .apply(([url, username, password, caCert]) => ({ url, username, password, caCert }))
                : pulumi.output(undefined as render.MarathonAccess | undefined);
        steps.forEach((s) => {
            s.add(
                "peers",
                pulumi.all([key.privateKey, peers]).apply(([k, p]) => render.peersOps(k, p)),
                { secret: true },
            );
            s.add(
                "hooks",
                marathon.apply((m) => render.hookOps(a.datasets, m, a.zfs.appTimeoutSeconds)),
                {
                    secret: usesMarathon,
                },
            );
        });

        // A dataset's placement talks to every agent: it runs after all of them are set up.
        const agentsReady = steps.map((s) => s.commands[s.commands.length - 1]);
        this.hostReady = Object.fromEntries(steps.map((s, i) => [s.host.name, [agentsReady[i]]]));
        this.volumes = {};
        for (const d of a.datasets) {
            const primary = agents.find((h) => h.name === d.primary)!;
            const marathonReady = d.app?.kind === "marathon" ? (a.scheduler?.ready ?? []) : [];
            const placed = hostStep(this, name, primary, `dataset-${d.name}`, render.datasetOps(d.name, d.sizeGb), {
                dependsOn: [...agentsReady, ...marathonReady],
            });
            this.volumes[d.name] = volumeRef(d as DatasetSettings, primary, a.mountRoot, [placed]);
        }
        this.ready = [...agentsReady, ...Object.values(this.volumes).flatMap((v) => v.ready)];
        this.registerOutputs({
            volumes: Object.fromEntries(Object.entries(this.volumes).map(([n, v]) => [n, { primary: v.primary, hostPath: v.hostPath }])),
            replicationPublicKey: this.replicationPublicKey,
        });
    }
}
