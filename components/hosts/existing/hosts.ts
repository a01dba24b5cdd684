import * as pulumi from "@pulumi/pulumi";
import { z } from "zod";
import { Connection, Host } from "../host";
import { HostSpec, hostListSchema, readyTimeoutSchema, sshCommand, toHost } from "../spec";
import { waitForSsh } from "../ready";
import { input, validate } from "../../validate";
import { LocalCommand, RemoteCommand } from "../../exec/command";
import { hostKeyFor, keyscanScript, KNOWN_HOSTS_EXPECTED, KNOWN_HOSTS_LINE, missingHostKeys, parseKeyscan, PinTarget } from "./known-hosts";

export interface ExistingHostsArgs {
    /** The machines; `ip` is the address SSH reaches (and the cluster uses). */
    hosts: HostSpec[];
    /** root, or a user with passwordless sudo. */
    user?: string;
    /** Secret: the key that logs in to every host. */
    privateKey: pulumi.Input<string>;
    port?: number;
    /** A bastion in front of the hosts, reached with the same key. */
    jumpHost?: { host: string; user?: string; port?: number };
    /** How long a host may take to answer SSH (default 2m: these machines are expected up). */
    readyTimeout?: string;
    /**
     * known_hosts lines ("192.0.2.10 ssh-ed25519 AAAA..."; `[ip]:port` off port 22): one per host and
     * for the jump host. Every connection pins the key its line gives.
     */
    knownHosts?: string[];
    /**
     * Opt-in: a machine without a line is trusted on first use: ssh-keyscan reads its key once (from
     * here, or from the jump host for the hosts behind it), state keeps it, every connection pins it.
     */
    trustOnFirstUse?: boolean;
}

const port = z.number().int().min(1).max(65535, "expected a TCP port from 1 to 65535");
const argsSchema = z
    .object({
        hosts: hostListSchema,
        user: z
            .string()
            .regex(/^[a-z_][a-z0-9_-]{0,31}$/, "expected a Unix user name")
            .default("root"),
        privateKey: input(z.string().regex(/-----BEGIN [A-Z ]*PRIVATE KEY-----/, "expected a PEM/OpenSSH private key")),
        port: port.default(22),
        jumpHost: z
            .object({ host: z.string().min(1), user: z.string().optional(), port: port.default(22) })
            .strict()
            .optional(),
        readyTimeout: readyTimeoutSchema("3m"),
        knownHosts: z.array(z.string().regex(KNOWN_HOSTS_LINE, KNOWN_HOSTS_EXPECTED)).default([]),
        trustOnFirstUse: z.boolean().default(false),
    })
    .strict()
    .superRefine((a, ctx) => {
        if (a.trustOnFirstUse) return;
        for (const message of missingHostKeys(a.knownHosts, pinTargets(a.hosts, a.port, a.jumpHost), "trustOnFirstUse"))
            ctx.addIssue({ code: "custom", path: ["knownHosts"], message });
    });

/** The machines whose keys must be known: every host, and the jump host. */
export function pinTargets(hosts: readonly HostSpec[], sshPort: number, jump?: { host: string; port?: number }): PinTarget[] {
    return [
        ...hosts.map((h, i) => ({ host: h.ip, port: sshPort, label: `hosts[${i}] ${h.name}` })),
        ...(jump ? [{ host: jump.host, port: jump.port ?? 22, label: "the jump host" }] : []),
    ];
}

/**
 * The hosts target: machines that already exist (or lab containers), reached over SSH with a given
 * key, each pinned to its known_hosts line (or, opted in, to the key it showed at the first up).
 */
export class ExistingHosts extends pulumi.ComponentResource {
    readonly hosts: Host[];
    readonly outputs: pulumi.Output<Record<string, { ip: string; roles: string[]; ssh: string }>>;

    constructor(name: string, args: ExistingHostsArgs, opts: pulumi.ComponentResourceOptions = {}) {
        const a = validate(argsSchema, args, `ExistingHosts "${name}"`);
        super("microservice:index:ExistingHosts", name, {}, opts);
        const privateKey = pulumi.secret(pulumi.output(a.privateKey));
        const jump = a.jumpHost ? { host: a.jumpHost.host, user: a.jumpHost.user ?? a.user, port: a.jumpHost.port } : undefined;
        const jumpKey = jump ? this.hostKey(`${name}-jump`, a.knownHosts, jump.host, jump.port) : undefined;
        const jumpConnection =
            jump && jumpKey
                ? pulumi.all([privateKey, jumpKey]).apply(([key, hostKey]) => ({ host: jump.host, port: jump.port, user: jump.user, privateKey: key, hostKey }))
                : undefined;
        this.hosts = a.hosts.map((spec) => {
            const hostKey = this.hostKey(`${name}-${spec.name}`, a.knownHosts, spec.ip, a.port, jumpConnection);
            const connection: pulumi.Output<Connection> = pulumi.secret(
                pulumi.all([privateKey, hostKey, jumpConnection]).apply(([key, hk, proxy]) => ({
                    host: spec.ip,
                    port: a.port,
                    user: a.user,
                    privateKey: key,
                    hostKey: hk,
                    ...(proxy ? { proxy } : {}),
                })),
            );
            const ready = waitForSsh(`${name}-${spec.name}-ready`, connection, this, { host: spec.name, timeout: a.readyTimeout });
            return toHost(spec, { privateIp: spec.ip, connection, ready });
        });
        this.outputs = pulumi.output(
            Object.fromEntries(
                a.hosts.map((h) => [
                    h.name,
                    { ip: h.ip, roles: [...h.roles], ssh: sshCommand({ user: a.user, host: h.ip, port: a.port, keyFile: "<your key>", jump }) },
                ]),
            ),
        );
        this.registerOutputs({ outputs: this.outputs });
    }

    /**
     * A machine's key: its known_hosts line, or (trustOnFirstUse, checked by the args) ssh-keyscan
     * once: from here, or on the jump host over its pinned connection. Triggers are the address only,
     * so later ups keep the first key: a changed key then fails every step (HostKeyError).
     */
    private hostKey(prefix: string, lines: string[], host: string, sshPort: number, via?: pulumi.Output<Connection>): pulumi.Output<string> {
        const known = hostKeyFor(lines, host, sshPort);
        if (known) return pulumi.output(known);
        const scanArgs = { create: keyscanScript(), environment: { HOST: host, PORT: String(sshPort) }, triggers: [host, sshPort] };
        const scan = via
            ? new RemoteCommand(`${prefix}-host-key-scan`, { ...scanArgs, connection: via }, { parent: this })
            : new LocalCommand(`${prefix}-host-key-scan`, scanArgs, { parent: this });
        return scan.stdout.apply((out) => parseKeyscan(out, `${host}:${sshPort}`));
    }
}
