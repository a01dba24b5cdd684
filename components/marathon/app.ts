import * as pulumi from "@pulumi/pulumi";
import { z } from "zod";
import { DockerParameter, SchedulerEndpoint } from "../contracts";
import { input, validate } from "../validate";
import type { JumpHost, MarathonAccess } from "./client";
import {
    AppSpec,
    Constraint,
    HealthCheckSpec,
    MarathonDefinition,
    NetworkSpec,
    PortMappingSpec,
    UpgradeStrategySpec,
    VolumeSpec,
    appId,
    constraintSchema,
    dockerParameterSchema,
    healthCheckSchema,
    networkSchema,
    portMappingSchema,
    toDefinition,
    upgradeStrategySchema,
    volumeSchema,
} from "./definition";
import { marathonProvider } from "./provider";
import { validateDefinition } from "./schema";

/** How Marathon is reached: its URL and credentials, and mgmt as an SSH jump host where needed. */
export interface MarathonAccessArgs {
    url: pulumi.Input<string>;
    username?: pulumi.Input<string>;
    /** Keep it a Pulumi secret. */
    password?: pulumi.Input<string>;
    /** PEM of the CA of Marathon's certificate (https, e.g. `SchedulerEndpoint.marathonCaCert`): the only CA trusted. */
    caCert?: pulumi.Input<string>;
    jump?: pulumi.Input<{
        host: pulumi.Input<string>;
        port?: pulumi.Input<number>;
        user?: pulumi.Input<string>;
        privateKey: pulumi.Input<string>;
        hostKey: pulumi.Input<string>;
    }>;
}

export interface MarathonAppArgs {
    /** Marathon and its credentials (kept secret in state as a whole). */
    marathon: pulumi.Input<MarathonAccessArgs>;
    /** Marathon app id, e.g. /application/app/nodeapp. A new id is a new app (replacement). */
    id: string;
    image: pulumi.Input<string>;
    instances: pulumi.Input<number>;
    cpus: pulumi.Input<number>;
    mem: pulumi.Input<number>;
    cmd?: pulumi.Input<string>;
    args?: pulumi.Input<pulumi.Input<string>[]>;
    env?: pulumi.Input<Record<string, pulumi.Input<string>>>;
    labels?: pulumi.Input<Record<string, pulumi.Input<string>>>;
    constraints?: pulumi.Input<pulumi.Input<Constraint>[]>;
    network?: pulumi.Input<NetworkSpec>;
    portMappings?: pulumi.Input<PortMappingSpec[]>;
    /** Raw `docker run` flags (log driver and tag from LogShipping, mesh name from ContainerNetwork, ...). */
    dockerParameters?: pulumi.Input<pulumi.Input<DockerParameter>[]>;
    forcePullImage?: pulumi.Input<boolean>;
    healthChecks?: pulumi.Input<HealthCheckSpec[]>;
    upgradeStrategy?: pulumi.Input<UpgradeStrategySpec>;
    volumes?: pulumi.Input<pulumi.Input<{ containerPath: string; hostPath: pulumi.Input<string>; mode: VolumeSpec["mode"] }>[]>;
    /** After `lockTimeoutSeconds` of 409s, override the deployment that holds the app (Marathon `force=true`). Default false. */
    force?: boolean;
    /** Bound of the wait for a deployment; on timeout the error names the failing task. Default 600. */
    deployTimeoutSeconds?: number;
    /** Bound of the wait for another deployment's lock (409). Default 300. */
    lockTimeoutSeconds?: number;
    /**
     * Bound of each HTTP request to Marathon (an answer that does not come within it fails the
     * operation, naming the request). Whole seconds, 1 to 600. Default 30.
     */
    requestTimeoutSeconds?: number;
    /** Poll interval in ms. Default 2000. */
    pollMs?: number;
}

const argsSchema = z
    .object({
        marathon: z.custom<pulumi.Input<MarathonAccessArgs>>(
            (m) => pulumi.Output.isInstance(m) || (!!m && typeof m === "object" && "url" in (m as object)),
            "expected { url, username?, password?, caCert?, jump? }",
        ),
        id: appId,
        image: input(z.string().min(1, "expected a Docker image reference")),
        instances: input(z.number().int().min(0, "expected a whole number of instances, 0 or more")),
        cpus: input(z.number().positive("expected a positive number of CPUs (e.g. 0.1)")),
        mem: input(z.number().min(32, "expected at least 32 MiB (Marathon's minimum)")),
        cmd: input(z.string().min(1)).optional(),
        args: input(z.array(z.string())).optional(),
        env: input(z.record(z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, "expected an environment variable name"), z.any())).optional(),
        labels: input(z.record(z.string().min(1), z.any())).optional(),
        constraints: input(z.array(z.union([constraintSchema, z.custom((c) => pulumi.Output.isInstance(c))]))).optional(),
        network: input(networkSchema).optional(),
        portMappings: input(z.array(portMappingSchema)).optional(),
        dockerParameters: input(
            z.array(z.union([dockerParameterSchema.extend({ value: input(z.string()) }), z.custom((p) => pulumi.Output.isInstance(p))])),
        ).optional(),
        forcePullImage: input(z.boolean()).optional(),
        healthChecks: input(z.array(healthCheckSchema)).optional(),
        upgradeStrategy: input(upgradeStrategySchema).optional(),
        volumes: input(
            z.array(z.union([volumeSchema.extend({ hostPath: input(volumeSchema.shape.hostPath) }), z.custom((v) => pulumi.Output.isInstance(v))])),
        ).optional(),
        force: z.boolean().optional(),
        deployTimeoutSeconds: z.number().int().min(10).max(7200).optional(),
        lockTimeoutSeconds: z.number().int().min(0).max(7200).optional(),
        requestTimeoutSeconds: z.number().int("expected whole seconds").min(1, "expected 1 to 600 seconds").max(600, "expected 1 to 600 seconds").optional(),
        pollMs: z.number().int().min(10).max(60000).optional(),
    })
    .strict();

const SPEC_KEYS = [
    "id",
    "image",
    "instances",
    "cpus",
    "mem",
    "cmd",
    "args",
    "env",
    "labels",
    "constraints",
    "network",
    "portMappings",
    "dockerParameters",
    "forcePullImage",
    "healthChecks",
    "upgradeStrategy",
    "volumes",
] as const;

/**
 * A Marathon app, managed through Marathon's REST API by a Pulumi dynamic provider: created and
 * updated with `PUT ?partialUpdate=false` (never `version`), read with GET (refresh, import),
 * diffed on a normalized definition (Marathon's defaults and server fields ignored), deleted with
 * a wait. Every deployment is awaited with a bound; a timeout reports the failing task.
 *
 * The definition is checked against Marathon's own schema here (when the args are known) and in
 * the provider's `check`, so an invalid app fails at preview.
 */
export class MarathonApp extends pulumi.dynamic.Resource {
    declare readonly appId: pulumi.Output<string>;
    declare readonly version: pulumi.Output<string>;
    declare readonly tasksRunning: pulumi.Output<number>;
    declare readonly tasksHealthy: pulumi.Output<number>;
    declare readonly definition: pulumi.Output<MarathonDefinition>;

    constructor(name: string, args: MarathonAppArgs, opts?: pulumi.CustomResourceOptions) {
        const context = `MarathonApp "${name}"`;
        // Outputs among the args come back checked (failing with this context when they resolve invalid): build from those.
        const a = validate(argsSchema, args, context) as Partial<MarathonAppArgs>;
        const definition = definitionOf({ ...args, ...a }, context);
        super(
            marathonProvider,
            name,
            {
                // A plain string, known at preview even when the definition is not: the diff tells a replacement from it.
                appId: args.id,
                definition,
                marathon: pulumi.secret(pulumi.output(args.marathon) as pulumi.Output<MarathonAccess>),
                force: args.force ?? false,
                deployTimeoutSeconds: args.deployTimeoutSeconds,
                lockTimeoutSeconds: args.lockTimeoutSeconds,
                requestTimeoutSeconds: args.requestTimeoutSeconds,
                pollMs: args.pollMs,
                version: undefined,
                tasksRunning: undefined,
                tasksHealthy: undefined,
            },
            { ...opts, additionalSecretOutputs: [...(opts?.additionalSecretOutputs ?? []), "marathon"] },
            "microservice",
            "MarathonApp",
        );
    }
}

/** The resource type token Pulumi gives MarathonApp (the lab's executor hooks on it). */
export const MARATHON_APP_TYPE = "pulumi-nodejs:dynamic/microservice:MarathonApp";

/**
 * The definition from the args: at once (and validated, throwing) when every arg is known; else
 * when the outputs resolve (a failure then fails the resource before the provider is called).
 */
export function definitionOf(args: MarathonAppArgs, context: string): pulumi.Output<MarathonDefinition> {
    const parts: Record<string, unknown> = {};
    for (const k of SPEC_KEYS) if (args[k] !== undefined) parts[k] = args[k];
    if (isPlain(parts)) {
        const def = toDefinition(parts as unknown as AppSpec);
        validateDefinition(def, context);
        return pulumi.output(def);
    }
    return pulumi.output(parts).apply((spec) => {
        const def = toDefinition(spec as unknown as AppSpec);
        validateDefinition(def, context);
        return def;
    });
}

function isPlain(v: unknown): boolean {
    if (pulumi.Output.isInstance(v) || v instanceof Promise) return false;
    if (Array.isArray(v)) return v.every(isPlain);
    if (v && typeof v === "object") return Object.values(v).every(isPlain);
    return true;
}

/** Marathon access from the scheduler layer's endpoint (its CA with https), optionally through a jump host (mgmt). */
export function marathonAccess(
    scheduler: Pick<SchedulerEndpoint, "marathonUrl" | "marathonUsername" | "marathonPassword" | "marathonCaCert">,
    jump?: pulumi.Input<JumpHost>,
): pulumi.Output<MarathonAccessArgs> {
    return pulumi.secret(
        pulumi
            .all([scheduler.marathonUrl, scheduler.marathonUsername, scheduler.marathonPassword, scheduler.marathonCaCert ?? "", jump])
            .apply(([url, username, password, caCert, j]) => {
                const access: MarathonAccessArgs = { url, username, password };
                // https: trust the scheduler's CA (the stack CA) rather than the system's.
                if (caCert) access.caCert = caCert;
                if (j) access.jump = j;
                return access;
            }),
    );
}
