import { z } from "zod";

/**
 * The app as our components describe it (plain values), and `toDefinition`, which turns it into
 * the JSON Marathon takes. Pure: the provider, the tests and the lab's containerizer stand-in all
 * read the same definition.
 */

/** `[field, operator]` or `[field, operator, value]`, e.g. `["slavetype", "CLUSTER", "app"]`. */
export type Constraint = [string, string] | [string, string, string];

export interface HealthCheckSpec {
    /** COMMAND runs inside the task's container (Docker containerizer: `docker exec`); MESOS_* on the agent. */
    protocol: "COMMAND" | "MESOS_HTTP" | "MESOS_HTTPS" | "MESOS_TCP" | "HTTP" | "HTTPS" | "TCP";
    /** For COMMAND: a `/bin/sh -c` command line. */
    command?: string;
    path?: string;
    port?: number;
    portIndex?: number;
    gracePeriodSeconds?: number;
    intervalSeconds?: number;
    timeoutSeconds?: number;
    maxConsecutiveFailures?: number;
}

export interface UpgradeStrategySpec {
    minimumHealthCapacity: number;
    maximumOverCapacity: number;
}

/** A host directory mounted into the task (a FlockerZfsCluster/EBS volume's stable host path). */
export interface VolumeSpec {
    containerPath: string;
    hostPath: string;
    mode: "RO" | "RW";
}

export interface PortMappingSpec {
    containerPort: number;
    hostPort?: number;
    protocol?: "tcp" | "udp";
    name?: string;
}

/** Where the container's network is: Docker's bridge, the host, or a named Docker network (the mesh). */
export type NetworkSpec = { mode: "bridge" } | { mode: "host" } | { mode: "container"; name: string };

export interface AppSpec {
    /** Marathon app id, an absolute slash path: `/application/app/nodeapp`. */
    id: string;
    image: string;
    instances: number;
    cpus: number;
    /** MiB. */
    mem: number;
    cmd?: string;
    args?: string[];
    env?: Record<string, string>;
    labels?: Record<string, string>;
    constraints?: Constraint[];
    network?: NetworkSpec;
    portMappings?: PortMappingSpec[];
    /** Raw `docker run --key=value` flags, in order (keys may repeat, e.g. `log-opt`). */
    dockerParameters?: { key: string; value: string }[];
    forcePullImage?: boolean;
    healthChecks?: HealthCheckSpec[];
    upgradeStrategy?: UpgradeStrategySpec;
    volumes?: VolumeSpec[];
}

/** A Marathon app definition (the JSON body of `PUT /v2/apps/{id}`). */
// Open JSON checked by Marathon's schema (definitionErrors), not by this type; callers read nested fields
// (`def.container.docker.image`), and a Pulumi Output of `unknown` fields would not lift.
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- open JSON, see above
export type MarathonDefinition = Record<string, any> & { id: string };

// Marathon's pathType, absolute, without "..": segments of [a-z0-9-.] that neither start nor end with a dash.
const SEGMENT = /^[a-z0-9]([a-z0-9.-]*[a-z0-9])?$/;
export const appId = z.string().refine(
    (s) =>
        s.startsWith("/") &&
        s.length > 1 &&
        s
            .slice(1)
            .split("/")
            .every((p) => SEGMENT.test(p) && p !== ".."),
    {
        message:
            "expected an absolute Marathon app id like /application/app/nodeapp " +
            "(segments of lowercase letters, digits, '-' and '.', not starting or ending with '-')",
    },
);

const constraintOps = ["UNIQUE", "CLUSTER", "GROUP_BY", "LIKE", "UNLIKE", "MAX_PER", "IS"] as const;
export const constraintSchema = z.union(
    [z.tuple([z.string().min(1), z.enum(constraintOps)]), z.tuple([z.string().min(1), z.enum(constraintOps), z.string()])],
    {
        message: `expected [field, operator] or [field, operator, value] with an operator of ${constraintOps.join(", ")}`,
    },
);

const fraction = z.number().min(0, "expected a number from 0 to 1").max(1, "expected a number from 0 to 1");
const seconds = z.number().int().min(0);

export const healthCheckSchema = z
    .object({
        protocol: z.enum(["COMMAND", "MESOS_HTTP", "MESOS_HTTPS", "MESOS_TCP", "HTTP", "HTTPS", "TCP"]),
        command: z.string().min(1).optional(),
        path: z.string().startsWith("/").optional(),
        port: z.number().int().min(0).max(65535).optional(),
        portIndex: z.number().int().min(0).optional(),
        gracePeriodSeconds: seconds.optional(),
        intervalSeconds: seconds.optional(),
        timeoutSeconds: seconds.optional(),
        maxConsecutiveFailures: seconds.optional(),
    })
    .strict()
    .refine((h) => (h.protocol === "COMMAND") === (h.command !== undefined), {
        message: "expected `command` exactly when protocol is COMMAND",
        path: ["command"],
    });

export const upgradeStrategySchema = z.object({ minimumHealthCapacity: fraction, maximumOverCapacity: fraction }).strict();

export const volumeSchema = z
    .object({
        containerPath: z.string().regex(/^\/\S*$/, "expected an absolute path"),
        hostPath: z.string().regex(/^\/\S*$/, "expected an absolute path"),
        mode: z.enum(["RO", "RW"]),
    })
    .strict();

export const networkSchema = z.union([
    z.object({ mode: z.literal("bridge") }).strict(),
    z.object({ mode: z.literal("host") }).strict(),
    z.object({ mode: z.literal("container"), name: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9_.-]*$/, "expected a Docker network name") }).strict(),
]);

export const portMappingSchema = z
    .object({
        containerPort: z.number().int().min(0).max(65535),
        hostPort: z.number().int().min(0).max(65535).optional(),
        protocol: z.enum(["tcp", "udp"]).optional(),
        name: z
            .string()
            .regex(/^[a-z][a-z0-9-]*$/)
            .optional(),
    })
    .strict();

export const dockerParameterSchema = z
    .object({ key: z.string().regex(/^[a-z][a-z0-9-]*$/, "expected a docker run flag name like log-opt"), value: z.string() })
    .strict();

const envName = z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, "expected an environment variable name");
const labelName = z.string().min(1);

/** The whole spec, plain values (the resource validates its Input form with the same pieces). */
export const appSpecSchema = z
    .object({
        id: appId,
        image: z.string().min(1, "expected a Docker image reference"),
        instances: z.number().int().min(0, "expected a whole number of instances, 0 or more"),
        cpus: z.number().positive("expected a positive number of CPUs (fractions allowed, e.g. 0.1)"),
        mem: z.number().min(32, "expected at least 32 MiB (Marathon's minimum)"),
        cmd: z.string().min(1).optional(),
        args: z.array(z.string()).optional(),
        env: z.record(envName, z.string()).optional(),
        labels: z.record(labelName, z.string()).optional(),
        constraints: z.array(constraintSchema).optional(),
        network: networkSchema.optional(),
        portMappings: z.array(portMappingSchema).optional(),
        dockerParameters: z.array(dockerParameterSchema).optional(),
        forcePullImage: z.boolean().optional(),
        healthChecks: z.array(healthCheckSchema).optional(),
        upgradeStrategy: upgradeStrategySchema.optional(),
        volumes: z.array(volumeSchema).optional(),
    })
    .strict()
    .refine((s) => !(s.cmd !== undefined && s.args !== undefined), { message: "expected either cmd or args, not both", path: ["args"] });

/**
 * The Marathon JSON for an app (1.5+ networking form, which is what Marathon answers in). Always
 * carries `id` (the schema requires it) and never `version` (in a PUT body it means "roll back").
 */
export function toDefinition(spec: AppSpec): MarathonDefinition {
    const network = spec.network ?? { mode: "bridge" };
    const docker: Record<string, unknown> = { image: spec.image };
    if (spec.forcePullImage) docker.forcePullImage = true;
    if (spec.dockerParameters && spec.dockerParameters.length > 0) docker.parameters = spec.dockerParameters.map((p) => ({ key: p.key, value: p.value }));
    const container: Record<string, unknown> = { type: "DOCKER", docker };
    if (spec.portMappings && spec.portMappings.length > 0) {
        container.portMappings = spec.portMappings.map((m) =>
            stripUndefined({ containerPort: m.containerPort, hostPort: m.hostPort, protocol: m.protocol, name: m.name }),
        );
    }
    if (spec.volumes && spec.volumes.length > 0)
        container.volumes = spec.volumes.map((v) => ({ containerPath: v.containerPath, hostPath: v.hostPath, mode: v.mode }));

    const def: MarathonDefinition = {
        id: spec.id,
        instances: spec.instances,
        cpus: spec.cpus,
        mem: spec.mem,
        container,
        networks: [
            network.mode === "bridge" ? { mode: "container/bridge" } : network.mode === "host" ? { mode: "host" } : { mode: "container", name: network.name },
        ],
    };
    if (spec.cmd !== undefined) def.cmd = spec.cmd;
    if (spec.args !== undefined) def.args = [...spec.args];
    if (spec.env && Object.keys(spec.env).length > 0) def.env = sortedRecord(spec.env);
    if (spec.labels && Object.keys(spec.labels).length > 0) def.labels = sortedRecord(spec.labels);
    if (spec.constraints && spec.constraints.length > 0) def.constraints = spec.constraints.map((c) => [...c]);
    if (spec.healthChecks && spec.healthChecks.length > 0) def.healthChecks = spec.healthChecks.map(healthCheck);
    if (spec.upgradeStrategy)
        def.upgradeStrategy = {
            minimumHealthCapacity: spec.upgradeStrategy.minimumHealthCapacity,
            maximumOverCapacity: spec.upgradeStrategy.maximumOverCapacity,
        };
    return def;
}

function healthCheck(h: HealthCheckSpec): Record<string, unknown> {
    const { command, ...rest } = h;
    return stripUndefined({ ...rest, command: command === undefined ? undefined : { value: command } });
}

function sortedRecord(r: Record<string, string>): Record<string, string> {
    return Object.fromEntries(
        Object.keys(r)
            .sort()
            .map((k) => [k, r[k]]),
    );
}

function stripUndefined<T extends Record<string, unknown>>(o: T): T {
    return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as T;
}
