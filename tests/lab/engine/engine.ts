/**
 * The lab's road to the real Pulumi engine: the CLI from scripts/pulumi-cli.sh (built from the Go
 * modules pinned in tools/pulumi unless PULUMI_CLI_SOURCE says otherwise), driven through the
 * Automation API with a file backend and a passphrase in a temp dir. Nothing is ever downloaded:
 * automatic plugin acquisition is off, so a missing plugin fails at once with its name.
 */
import { execFileSync, spawn } from "child_process";
import * as crypto from "crypto";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { ConfigMap, EngineEvent, LocalWorkspace, OpMap, PulumiCommand, Stack } from "@pulumi/pulumi/automation";

export const ROOT = path.resolve(__dirname, "../../..");

let cli: Promise<PulumiCommand> | undefined;

/** The CLI (built once per pin change; a few minutes the first time on a fresh machine). */
export function engineCli(): Promise<PulumiCommand> {
    cli ??= (async () => {
        const out = execFileSync("bash", [path.join(ROOT, "scripts/pulumi-cli.sh")], {
            env: { ...process.env, PULUMI_CLI_SOURCE: process.env.PULUMI_CLI_SOURCE ?? "go" },
            stdio: ["ignore", "pipe", "inherit"],
            maxBuffer: 1 << 20,
        }).toString();
        const bin = out.trim().split("\n").pop()!;
        return PulumiCommand.get({ root: path.dirname(path.dirname(bin)) });
    })();
    return cli;
}

export interface EngineSummary {
    op: string;
    created: number;
    updated: number;
    replaced: number;
    deleted: number;
    unchanged: number;
    seconds: number;
    /**
     * Per resource: the operation the engine took, how long it ran (up, destroy), and when it began
     * and ended (seconds from the operation's start).
     */
    steps: { urn: string; type: string; op: string; seconds?: number; begin?: number; end?: number }[];
    /** The engine's own text output (with property diffs for `preview(true)`). */
    diff?: string;
}

/**
 * What the engine did other than keep a resource (its own providers left out), as `<op> <name>`, once
 * each: a preview reports a step twice (its pre-event and its outputs event).
 */
export function changedSteps(s: EngineSummary): string[] {
    return [...new Set(s.steps.filter((x) => x.op !== "same" && !x.type.startsWith("pulumi:providers:")).map((x) => `${x.op} ${x.urn.split("::").pop()}`))];
}

/** A stack of this repository's program on a file backend of its own. */
export class EngineStack {
    private constructor(
        readonly stack: Stack,
        readonly dir: string,
        readonly stackName: string,
    ) {}

    /**
     * A new stack (state, passphrase and Pulumi.<stack>.yaml in a temp dir; the program is index.ts of
     * the repo, or of `programRoot`: a copy of the program that a test may change, e.g. an app's source).
     * With `keepDir` (a lab kept with KEEP_LAB=1), the stack lives there and a later run picks it up again.
     */
    static async create(
        stackName: string,
        config: Record<string, unknown>,
        secrets: Record<string, string> = {},
        programRoot = ROOT,
        keepDir?: string,
    ): Promise<EngineStack> {
        const pulumiCommand = await engineCli();
        const dir = keepDir ?? fs.mkdtempSync(path.join(os.tmpdir(), `mslab-engine-${stackName}-`));
        const kept = path.join(dir, "passphrase");
        const existing = keepDir !== undefined && fs.existsSync(kept);
        fs.mkdirSync(path.join(dir, "state"), { recursive: true, mode: 0o700 });
        const passphrase = existing ? fs.readFileSync(kept, "utf8") : crypto.randomBytes(24).toString("base64");
        if (keepDir !== undefined) fs.writeFileSync(kept, passphrase, { mode: 0o600 });
        const ws = await LocalWorkspace.create({
            workDir: dir,
            pulumiCommand,
            pulumiHome: path.join(dir, "home"),
            projectSettings: {
                name: "microservice",
                runtime: { name: "nodejs", options: { typescript: true, tsconfig: path.join(programRoot, "tsconfig.json") } },
                main: path.relative(dir, path.join(programRoot, "index.ts")),
                backend: { url: `file://${path.join(dir, "state")}` },
            },
            envVars: {
                PULUMI_CONFIG_PASSPHRASE: passphrase,
                PULUMI_SKIP_UPDATE_CHECK: "true",
                PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION: "true",
                PULUMI_NODEJS_TRANSPILE_ONLY: "true",
            },
        });
        const stack = existing ? await Stack.select(stackName, ws) : await Stack.create(stackName, ws);
        const cfg: ConfigMap = {};
        for (const [k, v] of Object.entries(config)) cfg[`microservice:${k}`] = { value: typeof v === "string" ? v : JSON.stringify(v) };
        for (const [k, v] of Object.entries(secrets)) cfg[`microservice:${k}`] = { value: v, secret: true };
        await stack.setAllConfig(cfg);
        return new EngineStack(stack, dir, stackName);
    }

    async setConfig(key: string, value: unknown): Promise<void> {
        await this.stack.setConfig(`microservice:${key}`, { value: typeof value === "string" ? value : JSON.stringify(value) });
    }

    async preview(diff = false): Promise<EngineSummary> {
        let text = "";
        const s = await this.run("preview", (onEvent) =>
            this.stack.preview({ onEvent, diff }).then((r) => {
                text = r.stdout;
                return r.changeSummary;
            }),
        );
        return { ...s, diff: text };
    }

    /**
     * A preview of another copy of the program (a test's changed copy, see apps.ts programCopy)
     * against this stack's state; the stack's own program is restored afterwards.
     */
    async previewOf(programRoot: string): Promise<EngineSummary> {
        return this.withProgram(programRoot, () => this.preview());
    }

    /** An up of another copy of the program (as previewOf), which then owns the state it leaves. */
    async upOf(programRoot: string): Promise<EngineSummary> {
        return this.withProgram(programRoot, () => this.up());
    }

    private async withProgram(programRoot: string, f: () => Promise<EngineSummary>): Promise<EngineSummary> {
        const ws = this.stack.workspace;
        const own = await ws.projectSettings();
        const runtime = { name: "nodejs" as const, options: { typescript: true, tsconfig: path.join(programRoot, "tsconfig.json") } };
        await ws.saveProjectSettings({ ...own, runtime, main: path.relative(this.dir, path.join(programRoot, "index.ts")) });
        try {
            return await f();
        } finally {
            await ws.saveProjectSettings(own);
        }
    }

    async up(): Promise<EngineSummary> {
        return this.run("up", (onEvent) => this.stack.up({ onEvent }).then((r) => r.summary.resourceChanges));
    }

    async refresh(): Promise<EngineSummary> {
        return this.run("refresh", (onEvent) => this.stack.refresh({ onEvent }).then((r) => r.summary.resourceChanges));
    }

    async destroy(): Promise<EngineSummary> {
        return this.run("destroy", (onEvent) => this.stack.destroy({ onEvent }).then((r) => r.summary.resourceChanges));
    }

    /** The state file as the backend stores it (for secrets checks). */
    stateFile(): string {
        const base = path.join(this.dir, "state", ".pulumi", "stacks");
        const found = findFiles(base).filter((f) => f.endsWith(`${this.stackName}.json`));
        if (!found.length) throw new Error(`no state file under ${base}`);
        return fs.readFileSync(found[0], "utf8");
    }

    /** `pulumi stack export` as a user runs it: secrets encrypted (the Automation API's exportStack shows them). */
    async exportText(): Promise<string> {
        return this.cli(["stack", "export", "--stack", this.stackName]);
    }

    /**
     * Starts `pulumi up` as a user would, and sends `signal` to the CLI as soon as the engine has begun
     * changing a resource (its event log says so). Resolves with the CLI's exit code and output.
     */
    async interruptedUp(signal: NodeJS.Signals): Promise<{ code: number | null; output: string }> {
        const ws = this.stack.workspace as LocalWorkspace;
        const cmd = await engineCli();
        const events = path.join(this.dir, `events-${Date.now()}.json`);
        const child = spawn(cmd.command, ["up", "--yes", "--non-interactive", "--skip-preview", "--stack", this.stackName, "--event-log", events], {
            cwd: this.dir,
            // --event-log exists only with PULUMI_DEBUG_COMMANDS (the Automation API sets it too).
            env: { ...process.env, ...(ws.envVars ?? {}), PULUMI_HOME: ws.pulumiHome ?? "", PULUMI_DEBUG_COMMANDS: "true" },
        });
        let output = "";
        child.stdout.on("data", (d) => (output += d));
        child.stderr.on("data", (d) => (output += d));
        const exited = new Promise<number | null>((r) => child.on("exit", (code) => r(code)));
        const started = () =>
            fs.existsSync(events) && /"resourcePreEvent":\{"metadata":\{"op":"(update|replace|create-replacement)"/.test(fs.readFileSync(events, "utf8"));
        for (let i = 0; i < 6000 && !started() && child.exitCode === null; i++) await new Promise((r) => setTimeout(r, 100));
        if (child.exitCode !== null) throw new Error(`pulumi up ended (exit ${child.exitCode}) before it changed a resource:\n${output}`);
        child.kill(signal);
        return { code: await exited, output };
    }

    /** Runs the CLI on this stack's workspace (same backend, passphrase and PULUMI_HOME). */
    async cli(args: string[]): Promise<string> {
        const ws = this.stack.workspace as LocalWorkspace;
        const cmd = await engineCli();
        return execFileSync(cmd.command, args, {
            cwd: this.dir,
            env: { ...process.env, ...(ws.envVars ?? {}), PULUMI_HOME: ws.pulumiHome ?? "" },
            maxBuffer: 1 << 28,
        }).toString();
    }

    async outputs(): Promise<Record<string, unknown>> {
        const o = await this.stack.outputs();
        return Object.fromEntries(Object.entries(o).map(([k, v]) => [k, v.value]));
    }

    /** Removes the stack's temp dir (the caller destroys first). */
    dispose(): void {
        fs.rmSync(this.dir, { recursive: true, force: true });
    }

    private async run(op: string, f: (onEvent: (e: EngineEvent) => void) => Promise<OpMap | Record<string, number> | undefined>): Promise<EngineSummary> {
        const steps: EngineSummary["steps"] = [];
        const started = new Map<string, number>();
        const t0 = Date.now();
        const onEvent = (e: EngineEvent) => {
            if (op !== "preview" && e.resourcePreEvent) started.set(e.resourcePreEvent.metadata.urn, Date.now());
            const m = e.resOutputsEvent?.metadata ?? (op === "preview" ? e.resourcePreEvent?.metadata : undefined);
            const t = m && started.get(m.urn);
            const now = Date.now();
            if (m && m.type !== "pulumi:pulumi:Stack")
                steps.push({ urn: m.urn, type: m.type, op: m.op, ...(t ? { seconds: (now - t) / 1000, begin: (t - t0) / 1000, end: (now - t0) / 1000 } : {}) });
        };
        const counts = ((await f(onEvent)) ?? {}) as Record<string, number>;
        const s: EngineSummary = {
            op,
            created: counts.create ?? 0,
            updated: counts.update ?? 0,
            replaced: counts.replace ?? 0,
            deleted: counts.delete ?? 0,
            unchanged: counts.same ?? 0,
            seconds: (Date.now() - t0) / 1000,
            steps,
        };
        console.log(
            `    [engine] ${op} ${this.stackName}: ${s.created} created, ${s.updated} updated, ${s.replaced} replaced, ${s.deleted} deleted, ${s.unchanged} ` +
                `unchanged, ${s.seconds.toFixed(1)} s`,
        );
        if (op !== "preview" && s.created + s.updated + s.replaced > 10) console.log(timings(steps)); // a preview runs no step
        return s;
    }
}

/** The host a resource belongs to, from its name ("mesos-node1-agent" -> node1), or "(stack)". */
function hostOf(urn: string): string {
    return (urn.split("::").pop() ?? urn).split("-").find((w) => /^(mgmt|node\d+)$/.test(w)) ?? "(stack)";
}

/** The layer a resource belongs to: the type of its outermost component under the stack. */
function layerOf(urn: string): string {
    const chain = urn.split("::")[2]?.split("$") ?? [];
    const top = chain[0] === "pulumi:pulumi:Stack" ? chain[1] : chain[0];
    return (top ?? "(stack)").split(":").pop()!;
}

/** Per key: when its first resource began and its last ended (s from the start), and its command time summed. */
function spans(
    timed: EngineSummary["steps"],
    key: (urn: string) => string,
    commandsOnly: boolean,
): { key: string; begin: number; end: number; commands: number }[] {
    const m = new Map<string, { key: string; begin: number; end: number; commands: number }>();
    for (const x of timed) {
        const k = key(x.urn);
        const e = m.get(k) ?? { key: k, begin: Infinity, end: 0, commands: 0 };
        const command = x.type.startsWith("pulumi-nodejs:dynamic/exec:");
        // Components register at the program's start: their own span says nothing about their work.
        if (commandsOnly ? !command : x.type.startsWith("microservice:index:")) continue;
        e.begin = Math.min(e.begin, x.begin!);
        e.end = Math.max(e.end, x.end!);
        if (command) e.commands += x.seconds!;
        m.set(k, e);
    }
    return [...m.values()].sort((a, b) => a.begin - b.begin);
}

/**
 * Where an up's time went (docs/lab.md), from the engine's events: per layer (outermost component)
 * and per host, when its first resource began and its last ended, and the time its host commands
 * ran, summed (steps of one host wait for each other's lock; hosts run side by side).
 */
export function breakdown(steps: EngineSummary["steps"]): { layers: ReturnType<typeof spans>; hosts: ReturnType<typeof spans> } {
    const timed = steps.filter((x) => x.seconds !== undefined && x.begin !== undefined && x.op !== "same");
    return { layers: spans(timed, layerOf, false), hosts: spans(timed, hostOf, true) };
}

/** The same as log lines: the slowest resources, then the layers and hosts. */
export function timings(steps: EngineSummary["steps"]): string {
    const timed = steps.filter((x) => x.seconds !== undefined && x.op !== "same");
    const name = (urn: string) => urn.split("::").pop() ?? urn;
    const slow = [...timed].sort((a, b) => b.seconds! - a.seconds!).slice(0, 10);
    const { layers, hosts } = breakdown(steps);
    const span = (x: ReturnType<typeof spans>[number]) => `${x.key} ${x.begin.toFixed(0)}-${x.end.toFixed(0)} s (commands ${x.commands.toFixed(0)} s)`;
    return [
        `    [engine] slowest: ${slow.map((x) => `${name(x.urn)} ${x.seconds!.toFixed(1)} s`).join(", ")}`,
        `    [engine] layers: ${layers.map(span).join(", ")}`,
        `    [engine] hosts: ${hosts.map(span).join(", ")}`,
    ].join("\n");
}

function findFiles(dir: string): string[] {
    if (!fs.existsSync(dir)) return [];
    return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? findFiles(path.join(dir, e.name)) : [path.join(dir, e.name)]));
}

/** `pulumi stack export --show-secrets` of the stack, through the same CLI and backend. */
export async function exportWithSecrets(s: EngineStack): Promise<unknown> {
    return JSON.parse(await s.cli(["stack", "export", "--show-secrets", "--stack", s.stackName]));
}

/** An SSH public key line ("ssh-ed25519 AAAA..."): public, though a secret connection carries it as its `hostKey`. */
const PUBLIC_KEY_LINE = /^(ssh-ed25519|ecdsa-sha2-nistp(256|384|521)|ssh-rsa) [A-Za-z0-9+/]+={0,3}( \S+)?$/;

/**
 * Every plaintext string inside a secret of a `--show-secrets` export (secrets' leaves), SSH public keys
 * left out, and a command's `stdout`/`stderr`: those are secret by contagion (a step with any secret
 * input returns them as secrets) and hold the host's own output (apt's "debconf: delaying package
 * configuration ..." is in many steps' stderr, secret in some, plain in others). A secret input that
 * reached a plain stdout is still caught: the check looks for every leaf in the whole state.
 */
export function secretLeaves(exported: unknown): string[] {
    const SIG = "4dabf18193072939515e22adb298388d";
    const out: string[] = [];
    const leaves = (v: unknown): void => {
        if (typeof v === "string") {
            if (!PUBLIC_KEY_LINE.test(v)) out.push(v);
        } else if (Array.isArray(v)) v.forEach(leaves);
        else if (v && typeof v === "object") Object.values(v).forEach(leaves);
    };
    const walk = (v: unknown): void => {
        if (Array.isArray(v)) return v.forEach(walk);
        if (!v || typeof v !== "object") return;
        const o = v as Record<string, unknown>;
        if (o[SIG] !== undefined && "plaintext" in o) {
            const p = o.plaintext as string;
            try {
                leaves(JSON.parse(p));
            } catch {
                out.push(p);
            }
            return;
        }
        for (const [k, x] of Object.entries(o)) if (!(k === "stdout" || k === "stderr")) walk(x);
    };
    walk(exported);
    return out;
}
