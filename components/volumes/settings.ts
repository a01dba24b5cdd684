import { z } from "zod";
import { absolutePath, dataDirectory, hostName, systemDirectoryProblem } from "../validate";
import { repeatedNames } from "./common";
import type { HostTarget } from "../hosts/target";

/**
 * What a stack chooses for its movable volumes (stack config key `microservice:volumes`), shared by
 * the stack schema and the components. One backend for the whole stack, as in Flocker:
 * `zfs` (a pool on every agent, datasets replicated over SSH when they move) or `ebs` (one EBS
 * volume per dataset, re-attached when it moves; target aws only).
 */
export const VOLUME_BACKENDS = ["zfs", "ebs"] as const;
export type VolumeBackend = (typeof VOLUME_BACKENDS)[number];

export const ZFS_IMPLEMENTATIONS = ["auto", "kernel", "fuse"] as const;
export const EBS_TYPES = ["gp3", "gp2", "io1", "io2", "st1", "sc1", "standard"] as const;

/** The pool's file: a plain absolute path in a directory of its own (that directory is made 0700 root). */
const vdevFile = absolutePath("/var/lib/flocker/pool.img").superRefine((p, ctx) => {
    const dir = p.slice(0, p.lastIndexOf("/")) || "/";
    const why = systemDirectoryProblem(dir);
    if (why && /^\/[A-Za-z0-9._/-]*$/.test(p))
        ctx.addIssue({ code: "custom", message: why.replace("expected a directory of its own", "expected a file in a directory of its own") });
});

/** Sizes are GiB rendered as whole MiB (quota bytes, EBS GiB): finite, from 128 MiB to 16 TiB (EBS gp3's largest). */
export const MIN_VOLUME_GB = 0.125;
export const MAX_VOLUME_GB = 16384;
const sizeGb = z
    .number({ message: "expected a size in GB" })
    .positive("expected a size in GB greater than 0")
    .superRefine((n, ctx) => {
        if (n <= 0) return;
        if (!Number.isFinite(n) || n > MAX_VOLUME_GB) ctx.addIssue({ code: "custom", message: `expected a size in GB of at most ${MAX_VOLUME_GB}` });
        else if (n < MIN_VOLUME_GB) ctx.addIssue({ code: "custom", message: `expected a size in GB of at least ${MIN_VOLUME_GB} (128 MiB)` });
        else if (!Number.isInteger(n * 1024))
            ctx.addIssue({ code: "custom", message: "expected a whole number of MiB (sizeGb × 1024 a whole number, like 1.5)" });
    });

/** A dataset name: also a ZFS dataset component, a path segment and part of resource names. */
export const datasetName = z.string().regex(/^[a-z][a-z0-9-]{0,62}$/, "expected a volume name of lowercase letters, digits and dashes, starting with a letter");

/** A Marathon app id: slash-separated lowercase segments, e.g. /application/db/mongo. */
const marathonAppId = z.string().regex(/^(\/[a-z0-9]([a-z0-9.-]*[a-z0-9])?)+$/, "expected a Marathon app id like /application/db/mongo");

/**
 * How the move stops the app that uses a dataset and starts it again. `marathon`: the app is
 * suspended (instances 0) through Marathon's API, then resumed with its hostname constraint pointing
 * at the new primary (or, when the move fails, resumed where it was). `command`: shell commands, run
 * as root on the source (stop, and start again if the move fails) and on the new primary (start).
 */
export const appHooksSchema = z.discriminatedUnion(
    "kind",
    [
        z.object({ kind: z.literal("marathon"), appId: marathonAppId }).strict(),
        z
            .object({
                kind: z.literal("command"),
                stop: z.string().min(1, "expected a shell command that stops the app"),
                start: z.string().min(1, "expected a shell command that starts the app"),
            })
            .strict(),
    ],
    { message: 'expected { kind: "marathon", appId } or { kind: "command", stop, start }' },
);

export const datasetSchema = z
    .object({
        name: datasetName,
        /** Quota of the ZFS dataset / size of the EBS volume. */
        sizeGb,
        /** The agent the data should live on; changing it moves the data there. */
        primary: hostName,
        app: appHooksSchema.optional(),
    })
    .strict();

export const poolSchema = z
    .object({
        name: z
            .string()
            .regex(/^[a-z][a-z0-9_-]{0,30}$/, "expected a pool name like flocker")
            .default("flocker"),
        /** Size of the sparse file vdev (the original: a 10 GB file). */
        vdevSizeGb: z
            .number({ message: "expected a size in GB" })
            .int("expected a whole number of GB")
            .positive("expected a size in GB greater than 0")
            .max(65536, "expected a size in GB of at most 65536")
            .default(10),
        vdevPath: vdevFile.default("/var/lib/flocker/pool.img"),
    })
    .strict();

export const zfsSchema = z
    .object({
        /** auto: OpenZFS where the kernel has the module (/sys/module/zfs, `modprobe -n zfs`), zfs-fuse elsewhere. */
        implementation: z.enum(ZFS_IMPLEMENTATIONS, { message: `expected one of ${ZFS_IMPLEMENTATIONS.join(", ")}` }).default("auto"),
        /** The user peers connect as to send snapshots; its key only runs the volume tool's read/send verbs. */
        replicationUser: z
            .string()
            .regex(/^[a-z][a-z0-9-]{0,30}$/, "expected a user name of lowercase letters, digits and dashes")
            .default("flocker-repl"),
        /** Bound on stopping (and on starting) the app during a move. */
        appTimeoutSeconds: z.number().int().min(5).max(3600).default(120),
        /** Bound on each snapshot transfer of a move. */
        transferTimeoutSeconds: z.number().int().min(10).max(86400).default(3600),
    })
    .strict();

export const ebsSchema = z
    .object({
        volumeType: z.enum(EBS_TYPES, { message: `expected one of ${EBS_TYPES.join(", ")}` }).default("gp3"),
        encrypted: z.boolean().default(true),
        /** KMS key ARN (default: the account's EBS key). */
        kmsKeyId: z
            .string()
            .regex(
                /^arn:aws[a-z-]*:kms:[a-z0-9-]+:\d{12}:(key|alias)\/[A-Za-z0-9/_-]+$/,
                "expected a KMS key ARN like arn:aws:kms:us-east-1:123456789012:key/<id>",
            )
            .optional(),
        iops: z.number().int().positive().optional(),
        throughput: z.number().int().positive().optional(),
        fsType: z.enum(["ext4", "xfs"], { message: "expected ext4 or xfs" }).default("ext4"),
        /** Device name the attachment asks for; the host finds the disk by the volume id anyway (NVMe). */
        deviceName: z
            .string()
            .regex(/^\/dev\/(sd|xvd)[f-p]$/, "expected a device name from /dev/sdf to /dev/sdp")
            .default("/dev/sdf"),
    })
    .strict();

export const volumeSettingsSchema = z
    .object({
        backend: z.enum(VOLUME_BACKENDS, { message: `expected one of ${VOLUME_BACKENDS.join(", ")}` }).default("zfs"),
        /** Datasets are mounted at <mountRoot>/<name> on their primary (Flocker's mount_root). */
        mountRoot: dataDirectory("/flocker").default("/flocker"),
        pool: poolSchema.prefault({}),
        zfs: zfsSchema.prefault({}),
        ebs: ebsSchema.prefault({}),
        datasets: z.array(datasetSchema).default([]),
    })
    .strict()
    .superRefine((v, ctx) => {
        for (const [i, message] of repeatedNames(v.datasets)) ctx.addIssue({ code: "custom", path: ["datasets", i, "name"], message });
        // Every dataset may end up on one agent (moves are free): that agent's pool must hold them all.
        const sizes = v.datasets.filter((d) => typeof d.sizeGb === "number" && Number.isFinite(d.sizeGb));
        const total = sizes.reduce((n, d) => n + d.sizeGb, 0);
        if (v.backend === "zfs" && Number.isFinite(v.pool.vdevSizeGb) && v.pool.vdevSizeGb < total) {
            ctx.addIssue({
                code: "custom",
                path: ["pool", "vdevSizeGb"],
                message: `expected at least the datasets' total size (${total} GB: ${sizes.map((d) => `${d.name} ${d.sizeGb}`).join(", ")})`,
            });
        }
    });

export type VolumeSettingsInput = z.input<typeof volumeSettingsSchema>;
export type VolumeSettings = z.output<typeof volumeSettingsSchema>;
export type DatasetSettings = z.output<typeof datasetSchema>;
export type AppHooks = z.output<typeof appHooksSchema>;

/**
 * Checks that need the host list: each dataset's primary is an agent (data lives where apps run),
 * and EBS only where the target has EBS volumes (HostTarget.blockVolumes). Returned as
 * [path, message] pairs for the stack schema's superRefine. No target: the hosts' own check.
 */
export function volumeHostIssues(
    v: Pick<VolumeSettings, "backend" | "datasets">,
    hosts: readonly { name: string; roles: readonly string[] }[],
    target?: Pick<HostTarget, "name" | "blockVolumes">,
): [(string | number)[], string][] {
    const issues: [(string | number)[], string][] = [];
    const agents = hosts.filter((h) => h.roles.includes("agent")).map((h) => h.name);
    v.datasets.forEach((d, i) => {
        if (!agents.includes(d.primary)) {
            const which = hosts.some((h) => h.name === d.primary) ? " which is not an agent" : " which is not a configured host";
            issues.push([
                ["datasets", i, "primary"],
                `expected the name of a host with role agent (${agents.join(", ") || "none configured"}), got "${d.primary}"${which}`,
            ]);
        }
    });
    if (v.backend === "ebs" && target !== undefined && target.blockVolumes !== "ebs") {
        issues.push([["backend"], `expected "zfs" on target "${target.name}" (EBS volumes exist only on target aws)`]);
    }
    return issues;
}
