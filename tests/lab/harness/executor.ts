import { execFileSync } from "child_process";
import * as fs from "fs";
import * as path from "path";
import * as pulumi from "@pulumi/pulumi";
import { STEP_RESULT } from "../../../components/provision/script";
import { runProc, tail } from "./proc";
import { SshTarget, sshExec } from "./ssh";

const SIG = pulumi.runtime.specialSigKey;
const SECRET = pulumi.runtime.specialSecretSig;

export interface LabStep {
    resource: string;
    /** Lab host name (or the address, for a host outside the lab). */
    host?: string;
    result: "changed" | "unchanged" | "other";
    stdout: string;
    stderr: string;
    ms: number;
}
export interface LabFailure {
    resource: string;
    message: string;
}
export type ResourceHook = (inputs: any, name: string) => Promise<Record<string, any>>;

const STEP_TIMEOUT_MS = Number(process.env.LAB_STEP_TIMEOUT_S ?? 1200) * 1000;
/** How long a connection with dialErrorLimit -1 (a "wait for SSH" step) keeps dialing. */
const DIAL_WAIT_MS = Number(process.env.LAB_DIAL_WAIT_S ?? 60) * 1000;

export function isSecret(v: unknown): boolean {
    return !!v && typeof v === "object" && (v as any)[SIG] === SECRET;
}
export function containsSecret(v: any): boolean {
    if (isSecret(v)) return true;
    if (isAssetLike(v)) return false;
    if (Array.isArray(v)) return v.some(containsSecret);
    if (v && typeof v === "object") return Object.values(v).some(containsSecret);
    return false;
}
/** Removes secret wrappers recursively; assets and archives are kept as they are. */
export function unwrap(v: any): any {
    if (isSecret(v)) return unwrap(v.value);
    if (isAssetLike(v)) return v;
    if (Array.isArray(v)) return v.map(unwrap);
    if (v && typeof v === "object") return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, unwrap(x)]));
    return v;
}
function isAssetLike(v: unknown): boolean {
    return pulumi.asset.Asset.isInstance(v) || pulumi.asset.Archive.isInstance(v);
}
function secretValue(v: unknown): unknown {
    return { [SIG]: SECRET, value: v };
}
// The provider drops one trailing newline from stdout/stderr.
function chomp(s: string): string {
    return s.endsWith("\n") ? s.slice(0, -1) : s;
}

/**
 * Pulumi mocks that carry out @pulumi/command resources for real: remote commands over SSH (script
 * on stdin), CopyToRemote over SSH, local commands here. The SDK registers a resource only once its
 * dependencies are registered, so steps run in the engine's order; a failed step fails its
 * registration and its dependents are never registered (as with the engine).
 *
 * Like `pulumi up` with state, a command:local:Command whose inputs did not change since the last run
 * returns its previous outputs without running (a generated password stays the same); remote
 * commands always run, which is stricter than the engine: each script must find nothing to change.
 */
export class LabExecutor implements pulumi.runtime.Mocks {
    steps: LabStep[] = [];
    failures: LabFailure[] = [];
    registrations: { type: string; name: string }[] = [];
    /** Registrations and invokes being carried out now, and when the last one started or ended. */
    inFlight = 0;
    lastActivity = Date.now();
    private readonly hooks = new Map<string, ResourceHook>();
    private localState: Record<string, { inputs: string; stdout: string; stderr: string }> = {};

    constructor(
        private readonly hostByIp: Map<string, string>,
        private readonly statePath?: string,
    ) {
        if (statePath && fs.existsSync(statePath)) this.localState = JSON.parse(fs.readFileSync(statePath, "utf8"));
    }

    beginRun(): void {
        this.steps = [];
        this.failures = [];
        this.registrations = [];
        this.lastActivity = Date.now();
    }

    onResource(type: string, hook: ResourceHook): void {
        this.hooks.set(type, hook);
    }

    async newResource(args: pulumi.runtime.MockResourceArgs): Promise<{ id: string | undefined; state: Record<string, any> }> {
        return this.busy(() => this.carryOut(args));
    }

    async call(args: pulumi.runtime.MockCallArgs): Promise<Record<string, any>> {
        return this.busy(() => this.invoke(args));
    }

    private async busy<T>(f: () => Promise<T>): Promise<T> {
        this.inFlight++;
        this.lastActivity = Date.now();
        try {
            return await f();
        } finally {
            this.inFlight--;
            this.lastActivity = Date.now();
        }
    }

    private async carryOut(args: pulumi.runtime.MockResourceArgs): Promise<{ id: string | undefined; state: Record<string, any> }> {
        this.registrations.push({ type: args.type, name: args.name });
        const raw = args.inputs ?? {};
        const inputs = unwrap(raw);
        let extra: Record<string, any> = {};
        try {
            const hook = this.hooks.get(args.type);
            if (hook) extra = await hook(inputs, args.name);
            else if (args.type === "pulumi-nodejs:dynamic/exec:RemoteCommand") extra = await this.remoteCommand(args.name, raw, inputs);
            else if (args.type === "pulumi-nodejs:dynamic/exec:CopyToRemote") extra = await this.copyToRemote(args.name, inputs);
            else if (args.type === "pulumi-nodejs:dynamic/exec:LocalCommand") extra = await this.localCommand(args.name, raw, inputs);
        } catch (e) {
            const message = (e as Error).message;
            if (!this.failures.some((f) => f.resource === args.name)) this.failures.push({ resource: args.name, message });
            throw e;
        }
        return { id: args.id || `${args.name}-id`, state: { ...raw, ...extra } };
    }

    private async invoke(args: pulumi.runtime.MockCallArgs): Promise<Record<string, any>> {
        if (args.token === "command:local:run") {
            const inputs = unwrap(args.inputs);
            const r = await this.runLocal(inputs);
            if (r.code !== 0) throw new Error(`command:local:run "${inputs.command}" failed (exit ${r.code}): ${tail(r.stderr)}`);
            return { ...args.inputs, stdout: chomp(r.stdout), stderr: chomp(r.stderr) };
        }
        return args.inputs;
    }

    hostLabel(conn: { host?: string }): string {
        return this.hostByIp.get(conn.host ?? "") ?? conn.host ?? "?";
    }

    private async remoteCommand(name: string, raw: Record<string, any>, inputs: Record<string, any>): Promise<Record<string, any>> {
        const conn = inputs.connection as SshTarget;
        const host = this.hostLabel(conn);
        const secret = inputs.logging === "none" || ["create", "stdin", "environment"].some((k) => containsSecret(raw[k]));
        const t0 = Date.now();
        if (!inputs.create) return { stdout: "", stderr: "" };
        const r = await sshExec(conn, inputs.create, { input: inputs.stdin, env: inputs.environment, timeoutMs: STEP_TIMEOUT_MS, dialWaitMs: DIAL_WAIT_MS });
        const stdout = chomp(r.stdout);
        const stderr = chomp(r.stderr);
        if (r.code !== 0) {
            const reason = r.code === 255 ? "ssh failed" : r.code === -1 ? "timed out" : `exit ${r.code}`;
            // A secret step's stderr may echo its secrets: only the script's own FAILED lines are shown.
            const detail = secret
                ? stderr
                      .split("\n")
                      .filter((l) => l.startsWith("FAILED "))
                      .join("\n") || "(output hidden: secret step)"
                : tail(stderr || stdout);
            throw new Error(`step ${name} on ${host}: ${reason}: ${detail}`);
        }
        const m = STEP_RESULT.exec(stdout);
        this.steps.push({ resource: name, host, result: m ? (m[2] as "changed" | "unchanged") : "other", stdout, stderr, ms: Date.now() - t0 });
        return secret ? { stdout: secretValue(stdout), stderr: secretValue(stderr) } : { stdout, stderr };
    }

    private async copyToRemote(name: string, inputs: Record<string, any>): Promise<Record<string, any>> {
        const conn = inputs.connection as SshTarget;
        const host = this.hostLabel(conn);
        const dest: string = inputs.remotePath;
        const src = inputs.source;
        const t0 = Date.now();
        const q = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;
        let input: Buffer;
        let cmd: string;
        if (src instanceof pulumi.asset.FileAsset || src instanceof pulumi.asset.StringAsset) {
            input = src instanceof pulumi.asset.FileAsset ? fs.readFileSync(await src.path) : Buffer.from(await src.text);
            cmd = `mkdir -p ${q(path.posix.dirname(dest))} && cat > ${q(dest)}`;
        } else if (src instanceof pulumi.asset.FileArchive && fs.statSync(await src.path).isDirectory()) {
            // The directory's contents land in remotePath.
            input = execFileSync("tar", ["-C", await src.path, "-c", "."], { maxBuffer: 1 << 30 });
            cmd = `mkdir -p ${q(dest)} && tar -C ${q(dest)} -x`;
        } else {
            throw new Error(`step ${name} on ${host}: the lab copies FileAsset, StringAsset and directory FileArchive sources only`);
        }
        const r = await sshExec(conn, cmd, { input, timeoutMs: STEP_TIMEOUT_MS, dialWaitMs: DIAL_WAIT_MS });
        if (r.code !== 0) throw new Error(`step ${name} on ${host}: copy to ${dest} failed (exit ${r.code}): ${tail(r.stderr)}`);
        this.steps.push({ resource: name, host, result: "other", stdout: "", stderr: chomp(r.stderr), ms: Date.now() - t0 });
        return {};
    }

    private async localCommand(name: string, raw: Record<string, any>, inputs: Record<string, any>): Promise<Record<string, any>> {
        const key = JSON.stringify(sorted(inputs));
        const prev = this.localState[name];
        const secret = inputs.logging === "none" || ["create", "stdin", "environment"].some((k) => containsSecret(raw[k]));
        let stdout: string;
        let stderr: string;
        if (prev && prev.inputs === key) {
            ({ stdout, stderr } = prev);
        } else {
            const t0 = Date.now();
            const r = await this.runLocal({ ...inputs, command: inputs.create });
            stdout = chomp(r.stdout);
            stderr = chomp(r.stderr);
            if (r.code !== 0) throw new Error(`step ${name} on localhost: exit ${r.code}: ${secret ? "(output hidden: secret step)" : tail(stderr || stdout)}`);
            this.steps.push({
                resource: name,
                host: "localhost",
                result: "other",
                stdout: secret ? "" : stdout,
                stderr: secret ? "" : stderr,
                ms: Date.now() - t0,
            });
            this.localState[name] = { inputs: key, stdout, stderr };
            this.saveState();
        }
        return secret ? { stdout: secretValue(stdout), stderr: secretValue(stderr) } : { stdout, stderr };
    }

    private runLocal(inputs: Record<string, any>) {
        if (!inputs.command) return Promise.resolve({ code: 0, stdout: "", stderr: "" });
        const interpreter: string[] = inputs.interpreter ?? ["/bin/sh", "-c"];
        const [file, ...args] = [...interpreter, inputs.command];
        return runProc(file, args, {
            input: inputs.stdin,
            cwd: inputs.dir,
            env: { ...process.env, ...(inputs.environment ?? {}) },
            timeoutMs: STEP_TIMEOUT_MS,
        });
    }

    private saveState(): void {
        if (!this.statePath) return;
        fs.writeFileSync(this.statePath, JSON.stringify(this.localState), { mode: 0o600 });
    }
}

function sorted(v: any): any {
    if (Array.isArray(v)) return v.map(sorted);
    if (v && typeof v === "object")
        return Object.fromEntries(
            Object.keys(v)
                .sort()
                .map((k) => [k, sorted(v[k])]),
        );
    return v;
}
