import * as pulumi from "@pulumi/pulumi";
import { z } from "zod";
import { RegistryEndpoint } from "../contracts";
import { Host } from "../hosts/host";
import { StackCa, ServerCertificate } from "../pki";
import { HostSteps, packages, packageUnion } from "../provision";
import { PKI_PACKAGES } from "../pki/scripts";
import { input, validate, whenValid } from "../validate";
import { gcOps, REGISTRY_PACKAGES, registryOps } from "./scripts";

export interface DockerRegistryArgs {
    /** The registry host (role `registry`). */
    host: Host;
    port?: number;
    /** Plain HTTP and `insecure-registries` on every daemon: only when explicitly wanted. */
    insecure?: boolean;
    /** Signs the registry's certificate (required unless insecure). */
    ca?: StackCa;
    /** Extra DNS names in the registry's certificate (its IP and host name are always in it). */
    dnsNames?: string[];
    username: pulumi.Input<string>;
    /** A Pulumi secret. */
    password: pulumi.Input<string>;
    /** systemd OnCalendar expression of the garbage collection (the registry is stopped meanwhile). */
    gcSchedule?: string;
    storageDir?: string;
    logLevel?: "error" | "warn" | "info" | "debug";
    readySeconds?: number;
}

const argsSchema = z
    .object({
        host: z.custom<Host>((h) => !!h && typeof (h as Host).name === "string", "expected a Host"),
        port: z.number().int().min(1).max(65535).default(5000),
        insecure: z.boolean().default(false),
        ca: z.custom<StackCa>((c) => c === undefined || c instanceof StackCa, "expected a StackCa").optional(),
        dnsNames: z.array(z.string().regex(/^[A-Za-z0-9]([A-Za-z0-9.-]*[A-Za-z0-9])?$/, "expected a DNS name")).default([]),
        gcSchedule: z
            .string()
            .regex(/^[A-Za-z0-9*:,./~ -]{1,64}$/, 'expected a systemd OnCalendar expression like "Sun *-*-* 03:00:00" or "weekly"')
            .default("Sun *-*-* 03:00:00"),
        storageDir: z
            .string()
            .regex(/^\/[A-Za-z0-9._/-]+$/, "expected an absolute path")
            .default("/var/lib/docker-registry"),
        logLevel: z.enum(["error", "warn", "info", "debug"]).default("info"),
        readySeconds: z.number().int().min(5).max(600).default(90),
        username: input(z.string().regex(/^[a-z0-9][a-z0-9._-]{0,63}$/, "expected a user name of lowercase letters, digits, . _ -")),
        password: input(
            z
                .string()
                .min(12, "expected at least 12 characters")
                .regex(/^[^\s:]+$/, "expected no whitespace and no colon"),
        ),
    })
    .refine((a) => a.insecure || a.ca, { message: "expected a ca (StackCa) unless insecure is true", path: ["ca"] });

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

    constructor(name: string, args: DockerRegistryArgs, opts?: pulumi.ComponentResourceOptions) {
        const a = validate(argsSchema, args, `DockerRegistry "${name}"`);
        super("microservice:index:DockerRegistry", name, {}, opts);
        // A secret username or password is checked when it resolves: every step on the host (and the
        // certificate's key) waits for that check, so none runs with a value that failed.
        const host: Host = { ...args.host, connection: whenValid(a, args.host.connection) };
        this.address = host.privateIp.apply((ip) => `${ip}:${a.port}`);
        this.username = pulumi.output(a.username);
        this.password = pulumi.secret(a.password);

        const steps = new HostSteps(this, name, host);
        const pkgs = steps.add("registry-packages", [packages(...REGISTRY_PACKAGES)]);
        let tls: pulumi.Output<{ certPem: string; keyPath: string; caPem: string } | undefined> = pulumi.output(undefined);
        if (!a.insecure) {
            const ca = a.ca!;
            const cert = ca.issue(
                `${name}-tls`,
                { host, commonName: host.privateIp, ips: [host.privateIp], dnsNames: [host.name, ...a.dnsNames], keyGroup: "docker-registry", after: [pkgs] },
                { parent: this },
            );
            this.certificate = cert;
            tls = pulumi.all([cert.certPem, ca.caCert]).apply(([certPem, caPem]) => ({ certPem, keyPath: cert.keyPath, caPem }));
        }
        this.caCert = a.insecure ? pulumi.output("") : a.ca!.caCert;

        const ops = pulumi.all([this.address, this.username, this.password, tls]).apply(([address, username, password, t]) =>
            registryOps({
                port: a.port,
                address,
                username,
                password,
                storageDir: a.storageDir,
                logLevel: a.logLevel,
                tls: t,
                gcSchedule: a.gcSchedule,
                readySeconds: a.readySeconds,
            }),
        );
        const serving = steps.add("registry", ops, { secret: true });
        steps.add("registry-gc", gcOps(a.gcSchedule));
        this.ready = [serving];
        this.registerOutputs({ address: this.address, username: this.username, caCert: this.caCert });
    }

    /** The endpoint other layers take (RegistryEndpoint). */
    get endpoint(): RegistryEndpoint {
        return { address: this.address, username: this.username, password: this.password, caCert: this.caCert, ready: this.ready };
    }
}
