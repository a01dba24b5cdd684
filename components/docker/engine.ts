import * as pulumi from "@pulumi/pulumi";
import { z } from "zod";
import { HostReadiness, RegistryEndpoint } from "../contracts";
import { Host } from "../hosts/host";
import { readinessOf } from "../hosts/readiness";
import { HostSteps, packageUnion } from "../provision";
import { validate } from "../validate";
import { DaemonSpec, daemonJson, ENGINE_PACKAGES, engineOps, registryLoginOps } from "./ops";
import { DockerSettingsInput, dockerSettingsSchema } from "./settings";

/**
 * DockerEngine's args: `settings` is what a stack chooses (the `docker` config section, its one
 * schema and the owner of every default: components/docker/settings.ts); the rest is wiring from
 * other layers (hosts, the registry and whether it is plain HTTP, daemon keys another layer needs).
 */
export interface DockerEngineArgs {
    /** Every host that runs containers (normally all of them). */
    hosts: Host[];
    /**
     * The `docker` config section (DockerSettings: log driver and its options, docker0's `bip`, other
     * plain-HTTP registries): unset keys take that schema's defaults.
     */
    settings?: DockerSettingsInput;
    /** Extra daemon.json keys (plain JSON values) that another layer needs. */
    daemonConfig?: Record<string, unknown>;
    /** The stack's registry: trusted (certs.d, or insecure-registries in insecure mode) and logged in on every host. */
    registry?: RegistryEndpoint;
    /**
     * The registry is plain HTTP: the registry's own setting (a DockerRegistry's `insecure`, from its
     * `settings.insecure`), handed over; only with `registry`.
     */
    registryInsecure?: boolean;
    /** Seconds to wait for the daemon to answer after a (re)start. */
    readySeconds?: number;
}

const hostList = z
    .array(z.custom<Host>((h) => !!h && typeof (h as Host).name === "string", "expected a Host"))
    .min(1, "expected at least one host")
    .refine((hs) => new Set(hs.map((h) => h.name)).size === hs.length, "expected unique host names");

const argsSchema = z
    .object({
        hosts: hostList,
        settings: dockerSettingsSchema.prefault({}),
        daemonConfig: z
            .record(z.string(), z.unknown())
            .default({})
            .refine(
                (c) => !["log-driver", "log-opts", "bip", "insecure-registries"].some((k) => k in c),
                "expected no key that DockerEngine sets itself (log-driver, log-opts, bip, insecure-registries)",
            ),
        registry: z.custom<RegistryEndpoint>().optional(),
        registryInsecure: z.boolean().default(false),
        readySeconds: z.number().int().min(5).max(600).default(90),
    })
    .strict();

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
    /** Per host: after these the daemon runs with its config (not yet logged in): enough for what pulls nothing from the registry. */
    readonly daemonReady: HostReadiness;
    readonly ready: pulumi.Resource[];

    constructor(name: string, args: DockerEngineArgs, opts?: pulumi.ComponentResourceOptions) {
        const a = validate(argsSchema, { ...args, registry: undefined }, `DockerEngine "${name}"`);
        const d = a.settings;
        super("microservice:index:DockerEngine", name, {}, opts);
        const registry = args.registry;
        const spec: pulumi.Output<DaemonSpec> = pulumi.output(registry && a.registryInsecure ? registry.address : undefined).apply((insecure) => ({
            logDriver: d.logDriver,
            logOpts: d.logOpts,
            bip: d.bip,
            insecureRegistries: [...(insecure ? [insecure] : []), ...d.insecureRegistries],
            extra: a.daemonConfig,
        }));
        this.daemonJson = spec.apply(daemonJson);

        const last: Record<string, pulumi.Resource> = {};
        const daemons: Record<string, pulumi.Resource> = {};
        for (const host of a.hosts) {
            const steps = new HostSteps(this, name, host);
            const daemon = steps.add(
                "docker",
                spec.apply((s) => engineOps(s, a.readySeconds)),
            );
            last[host.name] = daemons[host.name] = daemon;
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
        this.daemonReady = readinessOf(daemons);
        this.ready = Object.values(last);
        this.registerOutputs({ daemonJson: this.daemonJson });
    }
}
