import * as pulumi from "@pulumi/pulumi";
import { z } from "zod";
import { VagrantMachines, VagrantMachinesSpec } from "@pulumi/vagrant-shim";
import { Connection, Host } from "../host";
import { HostSpec, hostListSchema, readyTimeoutSchema, sshCommand, sshKeyArgSchema, stackKeyFile, toHost } from "../spec";
import { cidrContains } from "../addresses";
import { waitForSsh } from "../ready";
import { StackSshKey } from "../ssh-key";
import { hostKeys } from "../host-key";
import { AUTHORIZED_KEYS_PATH, MACHINE_RUN, dockerRunFlags } from "../local/machine";
import { cidr, validate } from "../../validate";

const size = z
    .object({ memory: z.number().int().min(512, "expected memory in MB, at least 512"), cpus: z.number().int().min(1, "expected at least 1 CPU") })
    .strict();

export interface VagrantHostsArgs {
    hosts: HostSpec[];
    /** Machines live in `<dir>/<host>/` (one Vagrant project each). */
    dir: string;
    box?: string;
    boxVersion?: string;
    /** A .box file to download instead of the catalog's (then boxChecksum is required). */
    boxUrl?: string;
    /** sha256 of the box file, checked by Vagrant on download. */
    boxChecksum?: string;
    provider?: "virtualbox" | "libvirt" | "docker";
    /** Size of the mgmt host and of every other host (the original: 1024 MB and 2560 MB). */
    mgmt?: { memory: number; cpus: number };
    node?: { memory: number; cpus: number };
    /** The private network (the original: 10.0.15.0/24). */
    subnet?: string;
    /** docker provider only: the node image (scripts/docker-host.sh builds it). */
    nodeImage?: string;
    /** The stack's key; made here (StackSshKey) when not given. */
    sshKey?: { privateKey: pulumi.Input<string>; publicKey: pulumi.Input<string> };
    readyTimeout?: string;
}

const argsSchema = z
    .object({
        hosts: hostListSchema,
        dir: z.string().regex(/^[^\s'"$`\\]+$/, "expected a directory path without spaces, quotes, $, ` or \\"),
        box: z.string().default("bento/ubuntu-24.04"),
        boxVersion: z.string().default("202510.26.0"),
        boxUrl: z
            .string()
            .regex(/^(https|file):\/\/[^\s'"\\]+$/, "expected an https:// or file:// URL of a .box file")
            .optional(),
        boxChecksum: z
            .string()
            .regex(/^[0-9a-f]{64}$/, "expected the box file's sha256 (64 lowercase hex digits)")
            .optional(),
        provider: z.enum(["virtualbox", "libvirt", "docker"], { message: "expected virtualbox, libvirt or docker" }).default("virtualbox"),
        mgmt: size.default({ memory: 1024, cpus: 1 }),
        node: size.default({ memory: 2560, cpus: 2 }),
        subnet: cidr.default("10.0.15.0/24"),
        nodeImage: z.string().default("microservice/node:bookworm"),
        sshKey: sshKeyArgSchema,
        readyTimeout: readyTimeoutSchema("3m"),
    })
    .strict()
    .superRefine((a, ctx) => {
        if (a.boxUrl && !a.boxChecksum)
            ctx.addIssue({ code: "custom", path: ["boxChecksum"], message: "required when boxUrl is given: the box file's sha256" });
        a.hosts.forEach((h, i) => {
            if (!cidrContains(a.subnet, h.ip))
                ctx.addIssue({ code: "custom", path: ["hosts", i, "ip"], message: `expected an address inside subnet ${a.subnet}` });
        });
    });

/**
 * The vagrant target: a VM per host (box a current Ubuntu LTS, pinned), on a private network with
 * the original's addresses, made by @pulumi/vagrant-shim. Root logs in with the stack's key (a
 * provisioner authorizes it); the address and port come from `vagrant ssh-config`. Each machine's
 * host key is made here and handed to the shim (`hostKeyFile`); every connection pins it.
 */
export class VagrantHosts extends pulumi.ComponentResource {
    readonly hosts: Host[];
    readonly machines: VagrantMachines;
    readonly privateKey: pulumi.Output<string>;
    readonly publicKey: pulumi.Output<string>;
    readonly outputs: pulumi.Output<Record<string, { ip: string; roles: string[]; ssh: string }>>;

    constructor(name: string, args: VagrantHostsArgs, opts: pulumi.ComponentResourceOptions = {}) {
        const a = validate(argsSchema, args, `VagrantHosts "${name}"`);
        super("microservice:index:VagrantHosts", name, {}, opts);
        const key = a.sshKey ?? new StackSshKey(`${name}-key`, {}, { parent: this });
        this.privateKey = pulumi.secret(pulumi.output(key.privateKey));
        this.publicKey = pulumi.output(key.publicKey);

        // Each machine's SSH identity: made here, a file in its own directory only, in place before
        // anyone but Vagrant connects (docker: before sshd starts); every connection pins it.
        const identities = hostKeys(name, a.hosts, this);
        const hostKeyFile = "ssh_host_ed25519_key";
        const hostKeyFiles = a.hosts.flatMap((h) => [
            { name: hostKeyFile, content: identities[h.name].privateKey, mode: "0600", machine: h.name },
            { name: `${hostKeyFile}.pub`, content: identities[h.name].publicKey.apply((k) => `${k}\n`), mode: "0644", machine: h.name },
        ]);
        const netmask = a.subnet.split("/")[1];
        const machines = a.hosts.map((h) => ({ name: h.name, ip: h.ip, netmask, ...(h.roles.includes("mgmt") ? a.mgmt : a.node) }));
        const docker = a.provider === "docker";
        // A box from a URL is pinned by its checksum (the shim renders box_url and box_download_checksum).
        const boxPin: Pick<VagrantMachinesSpec, "box"> & Record<"boxUrl" | "boxChecksum", string | undefined> = {
            box: a.box,
            boxUrl: a.boxUrl,
            boxChecksum: a.boxChecksum,
        };
        const spec: VagrantMachinesSpec = {
            ...boxPin,
            boxVersion: a.boxVersion,
            provider: a.provider,
            machines,
            hostKeyFile,
            ...(docker
                ? {
                      // The node image lets root in with the key at AUTHORIZED_KEYS_PATH; Vagrant logs in with the stack key too.
                      ssh: { username: "root", privateKeyPath: "./stack_key", insertKey: false },
                      docker: {
                          image: a.nodeImage,
                          createArgs: [...dockerRunFlags(), `--volume=${MACHINE_RUN.dockerVolumePath}`],
                          volumes: [`./authorized_keys:${AUTHORIZED_KEYS_PATH}:ro`],
                      },
                  }
                : { authorizedKeys: [this.publicKey] }),
        };
        this.machines = new VagrantMachines(
            `${name}-vagrant`,
            {
                dir: a.dir,
                spec,
                files: [
                    ...(docker
                        ? [
                              { name: "stack_key", content: this.privateKey, mode: "0600" },
                              { name: "authorized_keys", content: this.publicKey.apply((k) => `${k}\n`), mode: "0644" },
                          ]
                        : []),
                    ...hostKeyFiles,
                ],
            },
            { parent: this },
        );

        this.hosts = a.hosts.map((h) => {
            const m = this.machines.machines[h.name];
            const connection: pulumi.Output<Connection> = pulumi.secret(
                pulumi
                    .all([m.sshConfig, this.privateKey, identities[h.name].publicKey])
                    .apply(([c, k, hostKey]) => ({ host: c.hostName, port: c.port, user: "root", privateKey: k, hostKey })),
            );
            const ready = waitForSsh(`${name}-${h.name}-ready`, connection, this, {
                host: h.name,
                dependsOn: [m.up],
                triggers: [m.up.id],
                timeout: a.readyTimeout,
            });
            return toHost(h, { privateIp: h.ip, connection, ready });
        });

        const keyFile = stackKeyFile(pulumi.getStack());
        this.outputs = pulumi.all(
            Object.fromEntries(
                a.hosts.map((h) => [
                    h.name,
                    this.machines.machines[h.name].sshConfig.apply((c) => ({
                        ip: h.ip,
                        roles: [...h.roles],
                        ssh: sshCommand({ user: "root", host: c.hostName, port: c.port, keyFile }),
                    })),
                ]),
            ),
        );
        this.registerOutputs({ outputs: this.outputs, publicKey: this.publicKey, privateKey: this.privateKey });
    }
}
