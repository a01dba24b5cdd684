import { createHash } from "crypto";
import * as pulumi from "@pulumi/pulumi";
import * as command from "@pulumi/command";
import { renderVagrantfile, VagrantfileSpec } from "./vagrantfile";
import { parseSshConfigOutput, sshConfigScript, SshConfig } from "./ssh-config";

export interface VagrantFile {
    /** File name inside each machine's directory (no slashes). */
    name: string;
    /** May be a secret (then the writing command's input is secret too). */
    content: pulumi.Input<string>;
    /** Octal mode, default 0600. */
    mode?: string;
    /** Only into this machine's directory (e.g. its own host key); default every machine's. */
    machine?: string;
}

export interface VagrantMachinesArgs {
    /**
     * Where the machines live: each one is its own Vagrant project `<dir>/<machine>/`, so that a
     * machine can be added, changed or removed without touching the others.
     */
    dir: string;
    /** All machines and their shared settings; each directory gets a Vagrantfile with its machine only. */
    spec: VagrantMachinesSpec;
    /** Written into each machine's directory before `vagrant up` (e.g. the key the docker provider logs in with). */
    files?: VagrantFile[];
    /** Extra environment for every vagrant command (e.g. VAGRANT_HOME). */
    env?: Record<string, string>;
    /** Bound on `vagrant up`/`reload` of one machine (box download included); default 30m. */
    upTimeout?: string;
    /** Bring machines up one after another (default true: VirtualBox dislikes parallel starts). */
    sequential?: boolean;
}

export interface VagrantMachineOutputs {
    /** The `vagrant up` command: other resources that need the machine depend on it. */
    up: command.local.Command;
    /** Parsed `vagrant ssh-config`: where SSH reaches the machine (often 127.0.0.1 and a forwarded port). */
    sshConfig: pulumi.Output<SshConfig>;
    /** Secret: the identity file Vagrant logs in with ("" when it has none). */
    identity: pulumi.Output<string>;
    /** Secret: Vagrant's own SSH connection (host, port, user, privateKey). */
    connection: pulumi.Output<{ host: string; port: number; user: string; privateKey: string }>;
}

/** The Vagrantfile spec, with authorized keys that may be Outputs (e.g. a key generated in the same stack). */
export type VagrantMachinesSpec = Omit<VagrantfileSpec, "authorizedKeys"> & { authorizedKeys?: pulumi.Input<string>[] };

const sha = (s: string) => createHash("sha256").update(s).digest("hex");
const FILE_NAME = /^[A-Za-z0-9._-]{1,64}$/;

/**
 * Vagrant machines as Pulumi resources: writes a Vagrantfile per machine, runs `vagrant up`
 * (`vagrant reload --provision` when the machine's Vagrantfile changes, destroy + up when its
 * box or provider changes), reads `vagrant ssh-config`, and `vagrant destroy -f` on delete.
 */
export class VagrantMachines extends pulumi.ComponentResource {
    readonly machines: Record<string, VagrantMachineOutputs> = {};

    constructor(name: string, args: VagrantMachinesArgs, opts: pulumi.ComponentResourceOptions = {}) {
        // Args are checked before the component registers: bad args leave nothing in the stack.
        if (!args.dir || /[\s'"$`\\]/.test(args.dir))
            throw new Error(`VagrantMachines "${name}": dir: expected a path without spaces, quotes, $, \` or \\, got ${JSON.stringify(args.dir)}`);
        for (const f of args.files ?? []) {
            if (!FILE_NAME.test(f.name) || f.name === "Vagrantfile")
                throw new Error(`VagrantMachines "${name}": files: expected a plain file name other than Vagrantfile, got ${JSON.stringify(f.name)}`);
            if (f.mode !== undefined && !/^0?[0-7]{3}$/.test(f.mode))
                throw new Error(`VagrantMachines "${name}": files[${f.name}].mode: expected an octal mode like 0600, got ${JSON.stringify(f.mode)}`);
            if (f.machine !== undefined && !args.spec.machines.some((m) => m.name === f.machine))
                throw new Error(`VagrantMachines "${name}": files[${f.name}].machine: expected one of the machines, got ${JSON.stringify(f.machine)}`);
        }
        renderVagrantfile({ ...args.spec, authorizedKeys: [] }); // checks the spec now, with its own messages (keys when known)
        super("vagrant-shim:index:VagrantMachines", name, {}, opts);
        const keys = pulumi.all(args.spec.authorizedKeys ?? []);

        // What only a new machine can change: the box, its version (or URL and checksum), the provider,
        // the docker image. (URL and checksum only when given: machines made before them keep their identity.)
        const s = args.spec;
        const identity = sha(JSON.stringify([s.provider, s.box, s.boxVersion, s.docker?.image, ...(s.boxUrl ? [s.boxUrl, s.boxChecksum] : [])]));
        const env = { VAGRANT_CHECKPOINT_DISABLE: "1", ...(args.env ?? {}) };
        let previous: pulumi.Resource | undefined;
        for (const machine of args.spec.machines) {
            const dir = `${args.dir}/${machine.name}`;
            const vagrantfile = keys.apply((authorizedKeys) => renderVagrantfile({ ...args.spec, authorizedKeys, machines: [machine] }));
            const own = (args.files ?? []).filter((f) => f.machine === undefined || f.machine === machine.name);
            const files = [{ name: "Vagrantfile", content: vagrantfile as pulumi.Input<string>, mode: "0644" }, ...own];
            const write = new command.local.Command(
                `${name}-${machine.name}-files`,
                {
                    create: writeFilesScript(dir),
                    stdin: pulumi
                        .all(files.map((f) => pulumi.output(f.content)))
                        .apply((contents) => filesPayload(files.map((f, i) => ({ name: f.name, mode: f.mode ?? "0600", content: contents[i] })))),
                    delete: removeFilesScript(
                        dir,
                        files.map((f) => f.name),
                    ),
                    logging: "none",
                },
                { parent: this },
            );
            const up = new command.local.Command(
                `${name}-${machine.name}`,
                {
                    dir,
                    create: `vagrant up --provider=${args.spec.provider} ${machine.name}`,
                    update: `vagrant reload --provision ${machine.name}`,
                    delete: `vagrant destroy -f ${machine.name}`,
                    environment: { ...env, VAGRANT_SHIM_MACHINE_SHA256: vagrantfile.apply(sha) },
                    triggers: [identity],
                    addPreviousOutputInEnv: false,
                },
                {
                    parent: this,
                    dependsOn: [write, ...(args.sequential === false || !previous ? [] : [previous])],
                    // Same machine name and address: the old one must go first.
                    deleteBeforeReplace: true,
                    customTimeouts: { create: args.upTimeout ?? "30m", update: args.upTimeout ?? "30m", delete: "10m" },
                },
            );
            previous = up;
            const ssh = new command.local.Command(
                `${name}-${machine.name}-ssh-config`,
                {
                    dir,
                    create: sshConfigScript(machine.name),
                    environment: env,
                    logging: "none",
                    triggers: [up.id, vagrantfile.apply(sha)],
                    addPreviousOutputInEnv: false,
                },
                { parent: this, dependsOn: [up], additionalSecretOutputs: ["stdout"] },
            );
            // Secret in code too: the engine applies additionalSecretOutputs, the mock monitor does not.
            const parsed = pulumi.secret(ssh.stdout).apply(parseSshConfigOutput);
            const sshConfig = pulumi.unsecret(parsed.apply((p) => p.config));
            const key = pulumi.secret(parsed.apply((p) => p.privateKey));
            this.machines[machine.name] = {
                up,
                sshConfig,
                identity: key,
                connection: pulumi.secret(pulumi.all([sshConfig, key]).apply(([c, k]) => ({ host: c.hostName, port: c.port, user: c.user, privateKey: k }))),
            };
        }
        this.registerOutputs({ machines: Object.keys(this.machines) });
    }
}

/** One line per file: name, mode, base64 content (so any content survives the trip on stdin). */
export function filesPayload(files: { name: string; mode: string; content: string }[]): string {
    return files.map((f) => `${f.name} ${f.mode} ${Buffer.from(f.content).toString("base64")}`).join("\n") + "\n";
}

export function writeFilesScript(dir: string): string {
    return [
        "set -eu",
        `d='${dir}'`,
        'mkdir -p "$d"',
        // Each file appears whole (temp + rename) and never with wider permissions than asked.
        'while read -r name mode data; do tmp="$d/.$name.tmp"; ' +
            `(umask 077; printf '%s' "$data" | base64 -d > "$tmp"); chmod "$mode" "$tmp"; mv -f "$tmp" "$d/$name"; done`,
    ].join("\n");
}

export function removeFilesScript(dir: string, names: string[]): string {
    // Runs after `vagrant destroy` (the machine depends on its files): only what this shim made goes.
    return [`d='${dir}'`, ...names.map((n) => `rm -f "$d/${n}"`), 'rm -rf "$d/.vagrant"', 'rmdir "$d" 2>/dev/null || true'].join("\n");
}
