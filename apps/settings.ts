import { z } from "zod";
import { hostName, networkCidr, pinnedImage } from "../components/validate";
import { datasetName } from "../components/volumes/settings";
import { agentAttributes } from "../components/mesos/topology";
import type { Role } from "../components/hosts/host";

/**
 * The sample apps (stack config key `microservice:apps`): nginx -> nodeapp -> mongo on Marathon,
 * built on mgmt and pushed to the stack's registry. docs/apps.md has the journeys.
 */

/** The official mongo image, pinned (digest from public Dockerfiles; not verifiable here: no Docker Hub). */
export const DEFAULT_MONGO_IMAGE = "mongo:7.0@sha256:9854f7139445d766a9523571d6f047530c45547460ffcf8259eb2bf4264632ca";

const cpus = z.number().positive("expected a positive number of CPUs (fractions allowed, e.g. 0.1)").max(64, "expected at most 64 CPUs");
const mem = (min: number) => z.number().int("expected whole MiB").min(min, `expected at least ${min} MiB`).max(262144);
/** A Docker image reference for `--build-arg BASE_IMAGE` (offline labs: a local Debian image). */
const baseImage = z
    .string()
    .regex(
        /^[a-z0-9]+([._/:-][a-z0-9]+)*(:[\w][\w.-]{0,127})?(@sha256:[a-f0-9]{64})?$/,
        "expected a Docker image reference like debian:bookworm-slim@sha256:<64 hex>",
    );

export const nodeappSettingsSchema = z
    .object({
        /** The original: 2, scaled to 3 in its journey. */
        instances: z.number().int("expected a whole number of instances").min(0, "expected 0 or more instances").max(1000).default(2),
        cpus: cpus.default(0.1),
        mem: mem(32).default(128),
        /** Base image build arg (default: the Dockerfile's pinned node LTS image). */
        baseImage: baseImage.optional(),
    })
    .strict();

export const nginxSettingsSchema = z
    .object({
        /** Host port of the entry point (the original: 9080 on node1). */
        hostPort: z.number().int().min(1).max(65535, "expected a port from 1 to 65535").default(9080),
        /** The system agent nginx runs on (default: the first agent with slavetype system). */
        host: hostName.optional(),
        cpus: cpus.default(0.1),
        mem: mem(32).default(64),
        baseImage: baseImage.optional(),
    })
    .strict();

export const mongoSettingsSchema = z
    .object({
        enabled: z.boolean().default(true),
        /** The official image pinned by digest (built into the stack's registry on mgmt). */
        image: pinnedImage.default(DEFAULT_MONGO_IMAGE),
        /** The movable volume (volumes.datasets[].name) its data lives on; moving it moves mongo. */
        volume: datasetName.default("mongo"),
        cpus: cpus.default(0.1),
        /** WiredTiger needs some room: 512 MiB (the original's 128 ran the MMAPv1 2.6 series). */
        mem: mem(256).default(512),
    })
    .strict();

export const APP_ACCESS = ["direct", "mgmt"] as const;

export const appsSettingsSchema = z
    .object({
        /** Deploy the sample apps at all. */
        enabled: z.boolean().default(true),
        /** How `pulumi up` reaches Marathon: directly, or through mgmt as an SSH jump host (default: mgmt on target aws, else direct). */
        marathonAccess: z.enum(APP_ACCESS, { message: `expected one of ${APP_ACCESS.join(", ")}` }).optional(),
        /**
         * The public entry on mgmt (HAProxy on this port, forwarding to nginx): the way in when the
         * nodes are private (default: on target aws only).
         */
        entry: z
            .object({
                enabled: z.boolean().optional(),
                port: z.number().int().min(1).max(65535, "expected a port from 1 to 65535").default(80),
                /** Target aws: the networks the entry port is opened to (default: aws.adminCidr); ["0.0.0.0/0"] makes it public. */
                allowFrom: z.array(networkCidr()).min(1, "expected at least one network, like 0.0.0.0/0 for everyone").optional(),
            })
            .strict()
            .prefault({}),
        /** Bound of each Marathon deployment; a timeout names the failing task. */
        deployTimeoutSeconds: z.number().int().min(10, "expected at least 10 s").max(7200, "expected at most 7200 s").default(600),
        /** Override a deployment stuck on an app (Marathon's force=true) after waiting lockTimeoutSeconds. */
        force: z.boolean().default(false),
        lockTimeoutSeconds: z.number().int().min(0).max(7200).default(300),
        /** Image tags kept per app in the registry (the current one included). */
        keepImages: z.number().int().min(1, "expected at least 1 (the current tag)").max(100).default(3),
        nodeapp: nodeappSettingsSchema.prefault({}),
        nginx: nginxSettingsSchema.prefault({}),
        mongo: mongoSettingsSchema.prefault({}),
    })
    .strict();

export type AppsSettings = z.output<typeof appsSettingsSchema>;

interface LayoutForApps {
    hosts: { name: string; roles: readonly Role[]; agentAttributes?: Readonly<Record<string, string>> }[];
    volumes: { datasets: { name: string }[] };
    mesos: { agentAttributes?: Readonly<Record<string, string>> };
    apps: AppsSettings;
}

/** Agents whose Mesos attribute slavetype is "system" (from their roles, unless config overrides it), in config order. */
export function systemAgents(c: Pick<LayoutForApps, "hosts" | "mesos">): string[] {
    return c.hosts
        .filter((h) => h.roles.includes("agent") && agentAttributes(h.roles, c.mesos.agentAttributes ?? {}, h.agentAttributes ?? {}).slavetype === "system")
        .map((h) => h.name);
}

/** The host nginx runs on: apps.nginx.host, else the first system agent. */
export function nginxHostOf(c: Pick<LayoutForApps, "hosts" | "mesos"> & { apps: { nginx: { host?: string } } }): string | undefined {
    return c.apps.nginx.host ?? systemAgents(c)[0];
}

/** Checks across sections (for the whole platform): mongo's volume exists, nginx's host is an agent. */
export function appsIssues(c: LayoutForApps): [PropertyKey[], string][] {
    const issues: [PropertyKey[], string][] = [];
    const a = c.apps;
    if (!a.enabled) return issues;
    if (a.mongo.enabled && !c.volumes.datasets.some((d) => d.name === a.mongo.volume)) {
        issues.push([
            ["apps", "mongo", "volume"],
            `expected the name of a volume in volumes.datasets (mongo keeps its data on it), got "${a.mongo.volume}"; ` +
                `add { name: "${a.mongo.volume}", sizeGb: 1, primary: "node2" } there, or set apps.mongo.enabled false`,
        ]);
    }
    const system = systemAgents(c);
    if (a.nginx.host !== undefined && !system.includes(a.nginx.host)) {
        issues.push([["apps", "nginx", "host"], `expected an agent with slavetype "system" (${system.join(", ") || "none"}), got "${a.nginx.host}"`]);
    } else if (a.nginx.host === undefined && system.length === 0) {
        issues.push([
            ["apps", "nginx", "host"],
            'no agent has slavetype "system" (an agent with role master, marathon, registry, logServer or mgmt): nginx has nowhere to run',
        ]);
    }
    return issues;
}
