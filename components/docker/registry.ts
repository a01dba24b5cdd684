import * as pulumi from "@pulumi/pulumi";
import { z } from "zod";
import { RegistryEndpoint } from "../contracts";
import { Host } from "../hosts/host";
import { StackCa, ServerCertificate } from "../pki";
import { HostSteps, packages, packageUnion } from "../provision";
import { PKI_PACKAGES } from "../pki/ops";
import { input, validate, whenValid } from "../validate";
import { gcOps, REGISTRY_PACKAGES, registryOps } from "./ops";
import { RegistrySettingsInput, registrySettingsSchema } from "./settings";

/**
 * DockerRegistry's args: `settings` is what a stack chooses (the `registry` config section, its one
 * schema and the owner of every default: components/docker/settings.ts); the rest is wiring (host,
 * CA, password) and how this component runs (log level, readiness bound).
 */
export interface DockerRegistryArgs {
    /** The registry host (role `registry`). */
    host: Host;
    /**
     * The `registry` config section (RegistrySettings: port, insecure, username, gcSchedule, dnsNames,
     * storageDir): unset keys take that schema's defaults. `insecure: true` (plain HTTP, only when
     * explicitly wanted) needs no `ca`.
     */
    settings?: RegistrySettingsInput;
    /** Signs the registry's certificate (required unless `settings.insecure`). */
    ca?: StackCa;
    /** A Pulumi secret. */
    password: pulumi.Input<string>;
    logLevel?: "error" | "warn" | "info" | "debug";
    readySeconds?: number;
}

const argsSchema = z
    .object({
        host: z.custom<Host>((h) => !!h && typeof (h as Host).name === "string", "expected a Host"),
        settings: registrySettingsSchema.prefault({}),
        ca: z.custom<StackCa>((c) => c === undefined || c instanceof StackCa, "expected a StackCa").optional(),
        logLevel: z.enum(["error", "warn", "info", "debug"]).default("info"),
        readySeconds: z.number().int().min(5).max(600).default(90),
        password: input(
            z
                .string()
                .min(12, "expected at least 12 characters")
                .regex(/^[^\s:]+$/, "expected no whitespace and no colon"),
        ),
    })
    .strict()
    // Refinements run even when a field failed its own check: `settings` may be undefined then.
    .refine((a) => a.settings?.insecure || a.ca, { message: "expected a ca (StackCa) unless settings.insecure is true", path: ["ca"] });

/** The Debian packages a DockerRegistry installs on its host (with TLS, its key step's too). */
export function dockerRegistryPackages(a: { insecure?: boolean } = {}): string[] {
    return packageUnion(REGISTRY_PACKAGES, a.insecure ? [] : PKI_PACKAGES);
}

/**
 * The stack's private registry: Debian's docker-registry (distribution 2.8) as a system service on
 * the registry host, so agents can pull before any scheduler exists. Deletes enabled, weekly
 * garbage collection, TLS with the stack CA, htpasswd auth.
 */
export class DockerRegistry extends pulumi.ComponentResource implements RegistryEndpoint {
    readonly address: pulumi.Output<string>;
    readonly username: pulumi.Output<string>;
    readonly password: pulumi.Output<string>;
    readonly caCert: pulumi.Output<string>;
    readonly ready: pulumi.Resource[];
    readonly certificate?: ServerCertificate;
    /** Plain HTTP (`settings.insecure`): what DockerEngine's `registryInsecure` takes. */
    readonly insecure: boolean;

    constructor(name: string, args: DockerRegistryArgs, opts?: pulumi.ComponentResourceOptions) {
        const a = validate(argsSchema, args, `DockerRegistry "${name}"`);
        const r = a.settings;
        super("microservice:index:DockerRegistry", name, {}, opts);
        this.insecure = r.insecure;
        // A secret password is checked when it resolves: every step on the host (and the
        // certificate's key) waits for that check, so none runs with a value that failed.
        const host: Host = { ...args.host, connection: whenValid(a, args.host.connection) };
        this.address = host.privateIp.apply((ip) => `${ip}:${r.port}`);
        this.username = pulumi.output(r.username);
        this.password = pulumi.secret(a.password);

        const steps = new HostSteps(this, name, host);
        const pkgs = steps.add("registry-packages", [packages(...REGISTRY_PACKAGES)]);
        let tls: pulumi.Output<{ certPem: string; keyPath: string; caPem: string } | undefined> = pulumi.output(undefined);
        if (!r.insecure) {
            const ca = a.ca!;
            const cert = ca.issue(
                `${name}-tls`,
                { host, commonName: host.privateIp, ips: [host.privateIp], dnsNames: [host.name, ...r.dnsNames], keyGroup: "docker-registry", after: [pkgs] },
                { parent: this },
            );
            this.certificate = cert;
            tls = pulumi.all([cert.certPem, ca.caCert]).apply(([certPem, caPem]) => ({ certPem, keyPath: cert.keyPath, caPem }));
        }
        this.caCert = r.insecure ? pulumi.output("") : a.ca!.caCert;

        const ops = pulumi.all([this.address, this.username, this.password, tls]).apply(([address, username, password, t]) =>
            registryOps({
                port: r.port,
                address,
                username,
                password,
                storageDir: r.storageDir,
                logLevel: a.logLevel,
                tls: t,
                gcSchedule: r.gcSchedule,
                readySeconds: a.readySeconds,
            }),
        );
        const serving = steps.add("registry", ops, { secret: true });
        steps.add("registry-gc", gcOps(r.gcSchedule));
        this.ready = [serving];
        this.registerOutputs({ address: this.address, username: this.username, caCert: this.caCert });
    }

    /** The endpoint other layers take (RegistryEndpoint). */
    get endpoint(): RegistryEndpoint {
        return { address: this.address, username: this.username, password: this.password, caCert: this.caCert, ready: this.ready };
    }
}
