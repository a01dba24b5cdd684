import * as pulumi from "@pulumi/pulumi";
import * as aws from "@pulumi/aws";
import { RemoteCommand } from "../../exec/command";
import { z } from "zod";
import { HostReadiness, SchedulerEndpoint, VolumeRef } from "../../contracts";
import { Host, hostsWithRole } from "../../hosts/host";
import { hostReadinessSchema, readinessOn } from "../../hosts/readiness";
import { HostSteps } from "../../provision";
import { mountRootSchema, repeatedNames, volumeRef } from "../common";
import { uniqueHosts, validate } from "../../validate";
import { datasetSchema, ebsSchema, volumeHostIssues, VolumeSettingsInput, zfsSchema } from "../settings";
import { hookOps, MarathonAccess } from "../zfs/ops";
import * as render from "./ops";

export interface FlockerEbsVolumesArgs {
    /** The stack's hosts (target aws): volumes attach to agents, which must carry `instanceId`. */
    hosts: Host[];
    datasets: z.input<typeof datasetSchema>[];
    /** The nodes' availability zone: EBS volumes exist in one AZ and attach only to instances there. */
    availabilityZone: pulumi.Input<string>;
    ebs?: VolumeSettingsInput["ebs"];
    /** appTimeoutSeconds bounds the app hooks, as on ZFS. */
    zfs?: VolumeSettingsInput["zfs"];
    mountRoot?: string;
    /** Tags on every volume (Name and microservice:volume are added). */
    tags?: Record<string, string>;
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
        availabilityZone: z.any().refine((v) => v !== undefined && v !== "", "expected the nodes' availability zone, like us-east-1b"),
        ebs: ebsSchema.prefault({}),
        zfs: zfsSchema.prefault({}),
        mountRoot: mountRootSchema,
        tags: z.record(z.string(), z.string()).default({}),
        scheduler: z.custom<SchedulerEndpoint>().optional(),
        marathonCaCert: z.any().optional(),
        hostReady: hostReadinessSchema,
    })
    .superRefine((a, ctx) => {
        for (const [path, message] of volumeHostIssues({ backend: "ebs", datasets: a.datasets }, a.hosts)) ctx.addIssue({ code: "custom", path, message });
        for (const h of hostsWithRole(a.hosts, "agent")) {
            if (!h.instanceId)
                ctx.addIssue({ code: "custom", path: ["hosts"], message: `agent "${h.name}" has no instanceId (EBS needs the aws target's hosts)` });
        }
        a.datasets.forEach((d, i) => {
            if (d.app?.kind === "marathon" && !a.scheduler)
                ctx.addIssue({ code: "custom", path: ["datasets", i, "app"], message: "a Marathon app needs args.scheduler (the MesosCluster's endpoint)" });
        });
    });

/**
 * Movable EBS volumes as Flocker's AWS backend gave them, with no Flocker inside (the name is the one
 * users know): one EBS volume per dataset in the nodes' availability zone, attached to its
 * primary's instance, formatted once and mounted at the stable path by a systemd mount unit.
 * Moving = change the primary: the mount on the old host is deleted first (app stopped,
 * unmounted), the attachment is replaced (detach, then attach to the new instance), and the new
 * host mounts it and starts the app. The volume itself is never replaced by a move, and is kept
 * (retainOnDelete) when the dataset leaves the config.
 */
export class FlockerEbsVolumes extends pulumi.ComponentResource {
    readonly volumes: Record<string, VolumeRef>;
    readonly volumeIds: Record<string, pulumi.Output<string>>;
    readonly ready: pulumi.Resource[];
    /** Per agent: its EBS tools and app hooks are set up (volumes are in `volumes`). */
    readonly hostReady: HostReadiness;

    constructor(name: string, args: FlockerEbsVolumesArgs, opts?: pulumi.ComponentResourceOptions) {
        const a = validate(argsSchema, args, `FlockerEbsVolumes "${name}"`);
        super("microservice:index:FlockerEbsVolumes", name, {}, opts);
        const agents = hostsWithRole(a.hosts, "agent");
        const usesMarathon = a.datasets.some((d) => d.app?.kind === "marathon");
        // Only what the hooks need (URL and credentials), not Marathon's readiness: volumes are
        // placed whether or not Marathon runs yet; a move calls it only when it has an app there.
        const marathon: pulumi.Output<MarathonAccess | undefined> =
            usesMarathon && a.scheduler
                ? pulumi
                      .all([
                          a.scheduler.marathonUrl,
                          a.scheduler.marathonUsername,
                          a.scheduler.marathonPassword,
                          args.marathonCaCert ?? a.scheduler.marathonCaCert ?? "",
                      ])
                      .apply(([url, username, password, caCert]) => ({ url, username, password, caCert }))
                : pulumi.output(undefined as MarathonAccess | undefined);

        const hostReady: Record<string, pulumi.Resource[]> = {};
        for (const h of agents) {
            const steps = new HostSteps(this, name, h, readinessOn(a.hostReady, h));
            steps.add(
                "ebs-tools",
                h.privateIp.apply((ip) =>
                    render.ebsHostOps({
                        hostIp: ip,
                        mountRoot: a.mountRoot,
                        fsType: a.ebs.fsType,
                        appTimeoutSeconds: a.zfs.appTimeoutSeconds,
                        deviceTimeoutSeconds: 120,
                    }),
                ),
            );
            steps.add(
                "hooks",
                marathon.apply((m) => hookOps(a.datasets, m, a.zfs.appTimeoutSeconds)),
                { secret: usesMarathon },
            );
            hostReady[h.name] = steps.commands.slice(-1);
        }

        this.volumes = {};
        this.volumeIds = {};
        for (const d of a.datasets) {
            const primary = agents.find((h) => h.name === d.primary)!;
            const volume = new aws.ebs.Volume(
                `${name}-${d.name}`,
                {
                    availabilityZone: a.availabilityZone,
                    size: render.ebsSizeGb(d.sizeGb),
                    type: a.ebs.volumeType,
                    encrypted: a.ebs.encrypted,
                    kmsKeyId: a.ebs.kmsKeyId,
                    iops: a.ebs.iops,
                    throughput: a.ebs.throughput,
                    tags: { ...a.tags, Name: `${pulumi.getStack()}-${d.name}`, "microservice:volume": d.name },
                },
                { parent: this, retainOnDelete: true },
            );
            // Replaced (never updated in place) when the primary changes: detach first, EBS is single-attach.
            const attachment = new aws.ec2.VolumeAttachment(
                `${name}-${d.name}-attachment`,
                {
                    volumeId: volume.id,
                    instanceId: primary.instanceId!,
                    deviceName: a.ebs.deviceName,
                },
                { parent: this, deleteBeforeReplace: true },
            );
            // Its triggers follow the instance: a move deletes it on the old host (release) before the
            // attachment is replaced, then creates it on the new one.
            const mount = new RemoteCommand(
                `${name}-${d.name}-mount`,
                {
                    connection: primary.connection,
                    create: volume.id.apply((id) => render.attachMountCommand(d.name, id, a.ebs.fsType, a.ebs.deviceName)),
                    delete: render.releaseCommand(d.name),
                    triggers: [primary.instanceId!, volume.id],
                    addPreviousOutputInEnv: false,
                },
                {
                    parent: this,
                    dependsOn: [attachment, ...hostReady[primary.name], ...(d.app?.kind === "marathon" ? (a.scheduler?.ready ?? []) : [])],
                    deleteBeforeReplace: true,
                },
            );
            this.volumes[d.name] = volumeRef(d, primary, a.mountRoot, [mount]);
            this.volumeIds[d.name] = volume.id;
        }
        this.hostReady = hostReady;
        this.ready = [...Object.values(hostReady).flat(), ...Object.values(this.volumes).flatMap((v) => v.ready)];
        this.registerOutputs({ volumeIds: this.volumeIds });
    }
}
