import * as pulumi from "@pulumi/pulumi";
import { z } from "zod";
import { HostReadiness, RegistryEndpoint } from "../contracts";
import { Host } from "../hosts/host";
import { readinessOf } from "../hosts/readiness";
import { HostSteps, packageUnion } from "../provision";
import { cidr, validate } from "../validate";
import { DaemonSpec, daemonJson, ENGINE_PACKAGES, engineOps, registryLoginOps } from "./scripts";

export interface DockerEngineArgs {
    /** Every host that runs containers (normally all of them). */
    hosts: Host[];
    /** Default log driver of the daemon (Marathon apps set journald per container, see the logging layer). */
    logDriver?: string;
    logOpts?: Record<string, string>;
    /** docker0 address/mask, e.g. 172.31.0.1/24 (when Docker's default would clash with a network). */
    bip?: string;
    /** Extra daemon.json keys (plain JSON values) that another layer needs. */
    daemonConfig?: Record<string, unknown>;
    /** The stack's registry: trusted (certs.d, or insecure-registries in insecure mode) and logged in on every host. */
    registry?: RegistryEndpoint;
    /** Other registries reached over plain HTTP, as host:port (never the stack's own: see registryInsecure). */
    insecureRegistries?: string[];
    /** The registry is plain HTTP (only where explicitly configured). */
    registryInsecure?: boolean;
    /** Seconds to wait for the daemon to answer after a (re)start. */
    readySeconds?: number;
}

const hostList = z
    .array(z.custom<Host>((h) => !!h && typeof (h as Host).name === "string", "expected a Host"))
    .min(1, "expected at least one host")
    .refine((hs) => new Set(hs.map((h) => h.name)).size === hs.length, "expected unique host names");

const argsSchema = z.object({
    hosts: hostList,
    logDriver: z
        .string()
        .regex(/^[a-z0-9_-]+$/, "expected a Docker log driver name like json-file, local, journald, syslog")
        .default("json-file"),
    logOpts: z.record(z.string().regex(/^[a-z0-9_.-]+$/, "expected a log option name"), z.string()).default({ "max-size": "10m", "max-file": "3" }),
    bip: cidr.optional(),
    daemonConfig: z
        .record(z.string(), z.unknown())
        .default({})
        .refine(
            (c) => !["log-driver", "log-opts", "bip", "insecure-registries"].some((k) => k in c),
            "expected no key that DockerEngine sets itself (log-driver, log-opts, bip, insecure-registries)",
        ),
    registryInsecure: z.boolean().default(false),
    insecureRegistries: z.array(z.string().regex(/^[A-Za-z0-9.-]+:\d{1,5}$/, "expected a registry as host:port")).default([]),
    readySeconds: z.number().int().min(5).max(600).default(90),
});

/** The Debian packages a DockerEngine installs on each of its hosts. */
export function dockerEnginePackages(): string[] {
    return packageUnion(ENGINE_PACKAGES);
}

/**
 * Docker on every host: Debian's docker.io with the stack's daemon.json and a drop-in that lifts
 * journald's rate limit for docker.service (restarted only when one of them changed), then trust of and login to the stack's registry once it serves.
 */
export class DockerEngine extends pulumi.ComponentResource {
    /** The daemon.json every host gets. */
    readonly daemonJson: pulumi.Output<string>;
    /** Per host: after these the daemon runs with its config, logged in to the registry when there is one. */
    readonly hostReady: HostReadiness;
    readonly ready: pulumi.Resource[];

    constructor(name: string, args: DockerEngineArgs, opts?: pulumi.ComponentResourceOptions) {
        const a = validate(argsSchema, { ...args, registry: undefined }, `DockerEngine "${name}"`);
        super("microservice:index:DockerEngine", name, {}, opts);
        const registry = args.registry;
        const spec: pulumi.Output<DaemonSpec> = pulumi.output(registry && a.registryInsecure ? registry.address : undefined).apply((insecure) => ({
            logDriver: a.logDriver,
            logOpts: a.logOpts,
            bip: a.bip,
            insecureRegistries: [...(insecure ? [insecure] : []), ...a.insecureRegistries],
            extra: a.daemonConfig,
        }));
        this.daemonJson = spec.apply(daemonJson);

        const last: Record<string, pulumi.Resource> = {};
        for (const host of a.hosts) {
            const steps = new HostSteps(this, name, host);
            const daemon = steps.add(
                "docker",
                spec.apply((s) => engineOps(s, a.readySeconds)),
            );
            last[host.name] = daemon;
            if (registry) {
                const ops = pulumi
                    .all([registry.address, registry.username, registry.password, registry.caCert])
                    .apply(([address, username, password, caCert]) =>
                        registryLoginOps({ address, username, password, caCert: a.registryInsecure ? "" : caCert }),
                    );
                last[host.name] = steps.add("registry", ops, { secret: true, dependsOn: registry.ready });
            }
        }
        this.hostReady = readinessOf(last);
        this.ready = Object.values(last);
        this.registerOutputs({ daemonJson: this.daemonJson });
    }
}
