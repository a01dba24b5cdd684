import * as pulumi from "@pulumi/pulumi";
import { z } from "zod";
import { Connection, Host } from "../host";
import { HostSpec, hostListSchema, sshCommand, toHost } from "../spec";
import { waitForSsh } from "../ready";
import { input, validate } from "../../validate";

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
}

const port = z.number().int().min(1).max(65535, "expected a TCP port from 1 to 65535");
const argsSchema = z
    .object({
        hosts: hostListSchema,
        user: z.string().regex(/^[a-z_][a-z0-9_-]{0,31}$/, "expected a Unix user name").default("root"),
        privateKey: input(z.string().regex(/-----BEGIN [A-Z ]*PRIVATE KEY-----/, "expected a PEM/OpenSSH private key")),
        port: port.default(22),
        jumpHost: z.object({ host: z.string().min(1), user: z.string().optional(), port: port.default(22) }).strict().optional(),
        readyTimeout: z.string().regex(/^\d+[smh]$/, "expected a duration like 3m").default("3m"),
    })
    .strict();

/** The hosts target: machines that already exist (or lab containers), reached over SSH with a given key. */
export class ExistingHosts extends pulumi.ComponentResource {
    readonly hosts: Host[];
    readonly outputs: pulumi.Output<Record<string, { ip: string; roles: string[]; ssh: string }>>;

    constructor(name: string, args: ExistingHostsArgs, opts: pulumi.ComponentResourceOptions = {}) {
        const a = validate(argsSchema, args, `ExistingHosts "${name}"`);
        super("microservice:index:ExistingHosts", name, {}, opts);
        const privateKey = pulumi.secret(pulumi.output(a.privateKey));
        const jump = a.jumpHost ? { host: a.jumpHost.host, user: a.jumpHost.user ?? a.user, port: a.jumpHost.port } : undefined;
        this.hosts = a.hosts.map((spec) => {
            const connection: pulumi.Output<Connection> = pulumi.secret(
                privateKey.apply((key) => ({
                    host: spec.ip,
                    port: a.port,
                    user: a.user,
                    privateKey: key,
                    ...(jump ? { proxy: { host: jump.host, port: jump.port, user: jump.user, privateKey: key } } : {}),
                })),
            );
            const ready = waitForSsh(`${name}-${spec.name}-ready`, connection, this, { timeout: a.readyTimeout });
            return toHost(spec, { privateIp: spec.ip, connection, ready });
        });
        this.outputs = pulumi.output(
            Object.fromEntries(
                a.hosts.map((h) => [h.name, { ip: h.ip, roles: [...h.roles], ssh: sshCommand({ user: a.user, host: h.ip, port: a.port, keyFile: "<your key>", jump }) }]),
            ),
        );
        this.registerOutputs({ outputs: this.outputs });
    }
}
