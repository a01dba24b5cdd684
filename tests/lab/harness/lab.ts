import { execFileSync } from "child_process";
import * as fs from "fs";
import * as path from "path";
import * as pulumi from "@pulumi/pulumi";
import { Host } from "../../../components/hosts/host";
import { ExistingHosts } from "../../../components/hosts/existing/hosts";
import { SECRET_KEYS } from "../../../config/schema";
import { LabExecutor, ResourceHook } from "./executor";
import { containerRunning, createLab, ensureKey, prepareMachine, removeLab, waitForSsh } from "./machines";
import { mustRun, ProcResult, runProc, tail } from "./proc";
import { LabRun, runProgram } from "./run";
import { sshExec } from "./ssh";
import { DEFAULT_HOSTS, hostSpecs, LabHostSpec, LabNames } from "./topology";

export interface LabHost {
    name: string;
    ip: string;
    container: string;
    /** Runs a command as root over SSH (the lab key), optional stdin. */
    sh(cmd: string, opts?: { input?: string; timeoutMs?: number }): Promise<ProcResult>;
}

const PROJECT = "microservice";
/** Stack config keys that are set as secrets (the schema's, plus the SSH key of the hosts target). */
const LAB_SECRET_KEYS = [...new Set([...SECRET_KEYS, "sshPrivateKey"])];

/** A lab: machines as containers on their own network, and an executor that runs programs on them. */
export class Lab {
    readonly hosts: Record<string, LabHost>;
    private readonly executor: LabExecutor;

    private constructor(
        readonly names: LabNames,
        readonly specs: LabHostSpec[],
        private readonly privateKey: string,
    ) {
        this.hosts = Object.fromEntries(specs.map((s) => [s.name, this.labHost(s)]));
        this.executor = new LabExecutor(new Map(specs.map((s) => [s.ip, s.name])), path.join(names.dir, "local-state.json"));
    }

    /**
     * Creates the lab (or, with KEEP_LAB=1, reuses a running one with the same hosts): prepares this
     * machine, makes the key, creates network and containers, waits for SSH and systemd on each.
     */
    static async up(opts: { id?: string; hosts?: string[] } = {}): Promise<Lab> {
        const names = new LabNames(opts.id ?? process.env.LAB_ID ?? "0");
        const specs = hostSpecs(names, opts.hosts ?? DEFAULT_HOSTS);
        const t0 = Date.now();
        const image = await prepareMachine();
        const keep = process.env.KEEP_LAB === "1";
        const keyExists = fs.existsSync(path.join(names.dir, "id_ed25519"));
        const running = await Promise.all(specs.map((s) => containerRunning(names.container(s.name))));
        const reuse = keep && keyExists && running.every(Boolean);
        if (!reuse) {
            await removeLab(names);
            fs.rmSync(names.dir, { recursive: true, force: true });
        }
        const key = await ensureKey(names);
        if (!reuse) await createLab(names, image, specs, key.publicKey);
        await Promise.all(specs.map((s) => waitForSsh(s.ip, key.privateKey)));
        console.log(
            `    [lab] ${reuse ? "reused" : "created"} lab ${names.id} (${specs.map((s) => `${s.name} ${s.ip}`).join(", ")}) in ` +
                `${((Date.now() - t0) / 1000).toFixed(1)} s`,
        );
        return new Lab(names, specs, key.privateKey);
    }

    /** Removes this lab's containers, volumes, network, key and state. */
    async down(): Promise<void> {
        await removeLab(this.names);
        fs.rmSync(this.names.dir, { recursive: true, force: true });
    }

    /** Removes lab `id` without having it up (tests/lab/down.ts). */
    static async downById(id: string): Promise<void> {
        const names = new LabNames(id);
        await removeLab(names);
        fs.rmSync(names.dir, { recursive: true, force: true });
    }

    /** microservice:* stack config (JSON values) for target "hosts" on this lab, merged with `extra`. */
    stackConfig(extra: Record<string, unknown> = {}): Record<string, string> {
        const hosts = this.specs.map((s) => ({
            name: s.name,
            roles: s.roles,
            ip: s.ip,
            ...(s.zookeeperId !== undefined ? { zookeeperId: s.zookeeperId } : {}),
            ...(s.agentAttributes ? { agentAttributes: s.agentAttributes } : {}),
        }));
        const existing = { knownHosts: this.knownHosts(), ...((extra.existing as object | undefined) ?? {}) };
        const all: Record<string, unknown> = { target: "hosts", hosts, sshUser: "root", sshPrivateKey: this.privateKey, ...extra, existing };
        return Object.fromEntries(Object.entries(all).map(([k, v]) => [`${PROJECT}:${k}`, JSON.stringify(v)]));
    }

    /** Evaluates the stack program (stack/program.ts, loaded afresh) with this config, for real on the lab. */
    async runStack(config: Record<string, string>, label = "stack"): Promise<LabRun> {
        const secretKeys = Object.keys(config).filter((k) => LAB_SECRET_KEYS.includes(k.slice(PROJECT.length + 1)));
        return runProgram(
            this.executor,
            config,
            secretKeys,
            () => {
                // eslint-disable-next-line @typescript-eslint/no-require-imports -- loaded when the run starts, after the lab's config is set
                const { program } = require("../../../stack/program") as { program(): Record<string, unknown> };
                return program();
            },
            label,
        );
    }

    /** Evaluates any program on the lab's hosts (Host shapes from labHosts()). */
    async run(program: (hosts: Host[]) => Record<string, unknown> | void, label = "program"): Promise<LabRun> {
        return runProgram(this.executor, {}, [], () => program(this.labHosts()), label);
    }

    /**
     * Host shapes for the lab from the hosts target itself (ExistingHosts: the key a secret, `ready`
     * waits for SSH and boot). Call inside run() (it creates resources).
     */
    labHosts(): Host[] {
        return new ExistingHosts("lab", { hosts: this.specs, user: "root", privateKey: pulumi.secret(this.privateKey), knownHosts: this.knownHosts() }).hosts;
    }

    /** A host's public host key ("ssh-ed25519 AAAA..."), read through Docker (a channel no network touches). */
    hostKey(name: string): string {
        const h = this.host(name);
        return (this.hostKeys[name] ??= execFileSync("docker", ["exec", h.container, "cat", "/etc/ssh/ssh_host_ed25519_key.pub"], { encoding: "utf8" })
            .trim()
            .split(/\s+/)
            .slice(0, 2)
            .join(" "));
    }

    /** known_hosts lines for every host: the stack config pins them (existing.knownHosts). */
    knownHosts(): string[] {
        return this.specs.map((s) => `${s.ip} ${this.hostKey(s.name)}`);
    }

    private readonly hostKeys: Record<string, string> = {};

    /** Carries out resources of another type with `hook` (its result is merged into the state). */
    onResource(type: string, hook: ResourceHook): void {
        this.executor.onResource(type, hook);
    }

    /** Copies an image of this machine's Docker engine into a lab host's engine. */
    async loadImage(host: string, image: string): Promise<void> {
        const h = this.host(host);
        const r = await runProc("bash", ["-o", "pipefail", "-c", `docker save "$1" | docker exec -i "$2" docker load`, "load", image, h.container], {
            timeoutMs: 600_000,
        });
        if (r.code !== 0) throw new Error(`loading ${image} into ${host} failed: ${tail(r.stderr)}`);
    }

    /** Makes a host unreachable (its container stops; its address answers nothing). */
    async stop(host: string): Promise<void> {
        await mustRun("docker", ["stop", "-t", "20", this.host(host).container], { timeoutMs: 60_000 });
    }

    /** Brings a stopped host back and waits until SSH and systemd answer. */
    async start(host: string): Promise<void> {
        const h = this.host(host);
        await mustRun("docker", ["start", h.container]);
        await waitForSsh(h.ip, this.privateKey);
    }

    private host(name: string): LabHost {
        const h = this.hosts[name];
        if (!h) throw new Error(`no lab host "${name}"; the lab has ${Object.keys(this.hosts).join(", ")}`);
        return h;
    }

    private labHost(s: LabHostSpec): LabHost {
        const key = () => this.privateKey;
        return {
            name: s.name,
            ip: s.ip,
            container: this.names.container(s.name),
            sh: (cmd, opts = {}) =>
                sshExec({ host: s.ip, privateKey: key(), dialErrorLimit: 1 }, cmd, { input: opts.input, timeoutMs: opts.timeoutMs ?? 120_000 }),
        };
    }
}
