import { z } from "zod";
import { absolutePath, pinnedImage } from "../validate";
import { MASTER_COUNTS } from "./topology";
import type { HostTarget } from "../hosts/target";

/**
 * What a stack chooses for Mesos and Marathon (stack config key `microservice:mesos`): the one schema
 * of MesosCluster's `settings`, which the stack schema composes, and the owner of every default.
 * Masters, agents and Marathon run as host-network containers under systemd; ZooKeeper stays
 * Debian's package (ZooKeeperEnsemble, its own layer).
 */

/**
 * Tags seen in public use (docs/mesos.md cites where). The digests behind them could not be read
 * from where this library was written (no registry access), so there is no default reference: a
 * wrong pin is worse than none. Check with `docker buildx imagetools inspect <ref>`.
 */
export const SUGGESTED_IMAGES = {
    master: "mesosphere/mesos-master:1.7.0",
    agent: "mesosphere/mesos-slave:1.7.0",
    marathon: "mesosphere/marathon:v1.7.236",
} as const;

const requiredImage = (what: keyof typeof SUGGESTED_IMAGES) =>
    z
        .string({
            error: (i) =>
                i.input === undefined
                    ? `required: the ${what} image pinned by digest, e.g. ${SUGGESTED_IMAGES[what]}@sha256:<digest> ` +
                      "(no default: pin what you verified, see docs/mesos.md)"
                    : "expected a string",
        })
        .pipe(pinnedImage);

export const mesosImagesSchema = z.object({ master: requiredImage("master"), agent: requiredImage("agent"), marathon: requiredImage("marathon") }).strict();

/**
 * How agents use cgroups. Released Mesos (<= 1.11) only knows cgroup v1, and its Docker
 * containerizer refuses to start without a v1 `cpu` hierarchy (docs/mesos.md, "cgroups").
 * - v1: docker,mesos containerizers with cgroups isolation; the step checks the host has a v1
 *   `cpu` hierarchy and fails fast, naming the fix, when it has not.
 * - v2: Docker containerizer only, posix launcher and isolation: for agent images built with
 *   cgroup v2 support (no released Mesos is).
 * - auto: per host, v1 flags where a v1 `cpu` hierarchy exists, v2 flags elsewhere.
 */
export const CGROUP_MODES = ["v1", "v2", "auto"] as const;
export type CgroupMode = (typeof CGROUP_MODES)[number];

/** A Mesos duration such as 10mins, 90secs or 1hrs. */
export const mesosDuration = z.string().regex(/^[1-9]\d*(secs|mins|hrs)$/, "expected a Mesos duration like 90secs, 10mins or 1hrs");

export function durationSeconds(d: string): number {
    const m = /^(\d+)(secs|mins|hrs)$/.exec(d);
    if (!m) throw new Error(`not a Mesos duration: ${JSON.stringify(d)}`);
    return Number(m[1]) * { secs: 1, mins: 60, hrs: 3600 }[m[2] as "secs" | "mins" | "hrs"];
}

export const attributeName = z.string().regex(/^[a-z][a-z0-9_]*$/, "expected an attribute name of lowercase letters, digits and _");
export const attributeValue = z.string().regex(/^[A-Za-z0-9._-]+$/, "expected an attribute value of letters, digits, . _ -");
const port = z.number().int().min(1).max(65535);

export const marathonSettingsSchema = z
    .object({
        username: z
            .string()
            .regex(/^[a-z][a-z0-9_-]{0,31}$/, "expected a user name of lowercase letters, digits, _ and - (no colon)")
            .default("marathon"),
        /** Marathon's plain HTTP port: used only with `tls: false`. */
        httpPort: port.default(8080),
        /**
         * Serve the API and UI over HTTPS only, with a certificate from the stack CA (default true):
         * basic auth credentials and app definitions then never cross the network in clear text.
         * `false` serves plain HTTP on `httpPort` (docs/mesos.md, "HTTPS").
         */
        tls: z.boolean().default(true),
        /** Marathon's HTTPS port (with `tls`). */
        httpsPort: port.default(8443),
        /** Marathon's --task_launch_timeout; at least the agents' executor registration timeout (default: that + 60 s). */
        taskLaunchTimeoutSeconds: z.number().int().min(60).max(86400).optional(),
        /** Marathon --enable_features, e.g. external_volumes. */
        features: z.array(z.string().regex(/^[a-z_]+$/, "expected a feature name like external_volumes")).default([]),
    })
    .strict();

export const mesosSettingsSchema = z
    .object({
        /** Web UI label (the original's mesos_cluster_name). */
        clusterName: z
            .string()
            .regex(/^[A-Za-z0-9._-]{1,64}$/, "expected a cluster name of letters, digits, . _ -")
            .default("MesosCluster"),
        /** Optional here so that stacks without Mesos hosts validate; required as soon as a host has role master, agent or marathon. */
        images: mesosImagesSchema.optional(),
        /**
         * Copy each pinned image once into the stack's registry (digest preserved) and run it from there
         * (needs MesosCluster's `registry` and one host with role mgmt).
         */
        mirrorToRegistry: z.boolean().default(true),
        masterPort: port.default(5050),
        agentPort: port.default(5051),
        /** Long enough for image pulls (the original: 8mins; Mesos' default 1mins is too short). */
        executorRegistrationTimeout: mesosDuration.default("10mins"),
        /** Attributes every agent gets (after the role's slavetype, before the host's own). */
        agentAttributes: z.record(attributeName, attributeValue).default({}),
        cgroups: z.enum(CGROUP_MODES, { message: `expected one of ${CGROUP_MODES.join(", ")}` }).default("v1"),
        /**
         * How the agent container gets its privileges: `privileged` (docker run --privileged, what real
         * agents need), or `capabilities`: every capability but CAP_SYS_RESOURCE with seccomp, AppArmor and
         * /proc/sys unconfined, for hosts that are themselves containers without CAP_SYS_RESOURCE in their
         * bounding set (there --privileged fails: "unable to apply caps"); the local target's hosts are such.
         */
        agentPrivileges: z.enum(["privileged", "capabilities"], { message: "expected privileged or capabilities" }).default("privileged"),
        /** Host path of a Docker CLI mounted into the agent container (default: the image's own `docker`). */
        agentDockerCli: absolutePath("/usr/bin/docker").optional(),
        /** Docker config with the registry login that agents hand to `docker pull` (DockerEngine writes it), or false. */
        agentDockerConfig: z.union([absolutePath("/root/.docker/config.json"), z.literal(false)]).default("/root/.docker/config.json"),
        marathon: marathonSettingsSchema.prefault({}),
        /** Bound of each readiness wait (master health, leader, agent registration, Marathon /ping). */
        readinessTimeoutSeconds: z.number().int().min(5).max(3600).default(300),
    })
    .strict()
    .superRefine((m, ctx) => {
        for (const [path, message] of mesosTimeoutIssues(m)) ctx.addIssue({ code: "custom", path, message });
    });

/** Marathon must wait for a task at least as long as the agent waits for its executor to register. */
export function mesosTimeoutIssues(m: {
    executorRegistrationTimeout?: string;
    marathon?: { taskLaunchTimeoutSeconds?: number };
}): [(string | number)[], string][] {
    const launch = m.marathon?.taskLaunchTimeoutSeconds;
    const reg = m.executorRegistrationTimeout ?? "10mins";
    if (launch === undefined || !mesosDuration.safeParse(reg).success) return [];
    const registration = durationSeconds(reg);
    if (launch >= registration) return [];
    return [
        [
            ["marathon", "taskLaunchTimeoutSeconds"],
            `expected at least mesos.executorRegistrationTimeout (${reg} = ${registration} s): Marathon would give up on tasks the agent still waits for`,
        ],
    ];
}

/**
 * The Marathon password (top-level secret `microservice:marathonPassword`). It travels in a systemd
 * EnvironmentFile and a curl config, so it is limited to characters both keep literally.
 */
export const marathonPasswordSchema = z
    .string()
    .min(16, "expected at least 16 characters")
    .regex(/^[A-Za-z0-9+/=._~!@#%^&*()[\]{},:;?<>|-]+$/, "expected printable characters without spaces, quotes, backslashes, $ or `");

/**
 * A Mesos principal's secret (top-level secrets `microservice:mesosFrameworkSecret`,
 * `mesosAgentSecret`, `mesosOperatorSecret`). It lands in JSON credential files, a curl config
 * (both escaped) and Marathon's secret file (its bytes as they are): printable, no whitespace.
 */
export const mesosSecretSchema = z
    .string()
    .min(16, "expected at least 16 characters")
    .regex(/^[\x21-\x7e]+$/, "expected printable ASCII characters without spaces");

export type MesosImages = z.output<typeof mesosImagesSchema>;
export type MarathonSettings = z.output<typeof marathonSettingsSchema>;
export type MesosSettings = z.output<typeof mesosSettingsSchema>;
export type MesosSettingsInput = z.input<typeof mesosSettingsSchema>;

const MESOS_ROLES = ["master", "agent", "marathon"];

/** Masters run a replicated log with a majority quorum: 1, 3 or 5 (an even count survives no more failures). */
export function mesosHostsIssues(hosts: readonly { name: string; roles: readonly string[] }[]): [(string | number)[], string][] {
    const masters = hosts.filter((h) => h.roles.includes("master")).map((h) => h.name);
    if (masters.length === 0 || (MASTER_COUNTS as readonly number[]).includes(masters.length)) return [];
    return [
        [[], `expected an odd count of hosts with role master (1, 3 or 5; a majority must outlive a failure), found ${masters.length}: ${masters.join(", ")}`],
    ];
}

/**
 * `images` has no default, so a stack whose hosts run Mesos must name them: `[path, message]` pairs
 * for the stack schema (the platform's layout check), before any resource exists. A target whose
 * hosts run on the Docker engine `pulumi up` drives (HostTarget.imagesPinnedOnFirstUse: local) may
 * leave them out: its stack pins the suggested tags on first use.
 */
export function mesosImagesIssues(
    m: Pick<MesosSettings, "images">,
    hosts: readonly { name: string; roles: readonly string[] }[],
    target?: Pick<HostTarget, "imagesPinnedOnFirstUse">,
): [(string | number)[], string][] {
    const users = hosts.filter((h) => h.roles.some((r) => MESOS_ROLES.includes(r))).map((h) => h.name);
    if (users.length === 0 || m.images !== undefined || target?.imagesPinnedOnFirstUse) return [];
    return [
        [
            ["images"],
            `required because hosts ${users.join(", ")} have role master, agent or marathon: ` +
                `{ master, agent, marathon }, each pinned by digest, e.g. ${SUGGESTED_IMAGES.master}@sha256:<digest> (see docs/mesos.md)`,
        ],
    ];
}
