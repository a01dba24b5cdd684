import * as crypto from "crypto";
import * as fs from "fs";
import * as path from "path";
import { Connection } from "./connection";
import { ENV_NAME, ProcResult, describeTarget, runProcess, runSsh, shellQuote, tail } from "./ssh";

/**
 * The logic of the exec dynamic providers (RemoteCommand, LocalCommand, CopyToRemote), with the
 * semantics of @pulumi/command 1.2.1. Loaded at run time by the serialized providers
 * (provider.ts), so: node built-ins and ./ssh, ./connection only, no @pulumi/pulumi.
 *
 * The provider host hands over raw property values: no secret wrappers (the dynamic provider
 * declines secrets, so the engine sends plain values; wrappers are still unwrapped here in case),
 * assets and archives as objects tagged with Pulumi's signature key, and, in previews, unknown
 * values as the UNKNOWN string.
 */

export type Kind = "remote" | "local" | "copy";

/** How the Node dynamic provider host passes an unknown value (runtime/rpc.js `unknownValue`). */
export const UNKNOWN = "04da6b54-80e4-46f7-96ec-b56ff0331ba9";
const SIG = "4dabf18193072939515e22adb298388d";
const ASSET_SIG = "c44067f5952c0a294b673a41bacd8c17";
const ARCHIVE_SIG = "0def7320c3a5731c473e5ecbe6d01bc7";
const SECRET_SIG = "1b47061264138c4ac30d75fd1eb44270";

export const LOGGING = ["stdout", "stderr", "stdoutAndStderr", "none"] as const;
export const DEFAULT_INTERPRETER = ["/bin/sh", "-c"];

/** Inputs of each kind, in the order diffs report them. */
export const INPUT_KEYS: Record<Kind, readonly string[]> = {
    remote: ["connection", "create", "update", "delete", "stdin", "environment", "logging", "addPreviousOutputInEnv", "check", "checkStdin", "triggers"],
    local: ["create", "update", "delete", "stdin", "environment", "dir", "interpreter", "logging", "addPreviousOutputInEnv", "triggers"],
    copy: ["connection", "source", "remotePath", "triggers"],
};

const TYPE_NAME: Record<Kind, string> = { remote: "RemoteCommand", local: "LocalCommand", copy: "CopyToRemote" };

/** Property values as the provider host hands them over (checked by `check`, not by this type). */
type Props = Record<string, unknown>;

/** The inputs of a step as `check` lets them through (secrets unwrapped); any may be absent. */
interface Inputs {
    connection?: Connection;
    create?: string;
    update?: string;
    delete?: string;
    stdin?: string;
    check?: string;
    checkStdin?: string;
    environment?: Record<string, unknown>;
    dir?: string;
    interpreter?: string[];
    logging?: string;
    addPreviousOutputInEnv?: boolean;
    source?: Props;
    remotePath?: string;
}

export interface CheckFailure {
    property: string;
    reason: string;
}

export interface DiffOutcome {
    changes: boolean;
    replaces: string[];
    /** The inputs that differ (or may differ: unknown), for messages and tests. */
    changed: string[];
}

/** Hooks for tests: a stand-in ssh program, a shorter pause between dials. */
export interface ExecOptions {
    sshProgram?: string;
    pauseMs?: number;
}

// ---------------------------------------------------------------------------------------------
// values

export function isUnknown(v: unknown): boolean {
    return v === UNKNOWN;
}

/** True when an unknown value occurs anywhere in `v`. */
export function containsUnknown(v: unknown): boolean {
    if (v === UNKNOWN) return true;
    if (Array.isArray(v)) return v.some(containsUnknown);
    if (v && typeof v === "object") return Object.values(v).some(containsUnknown);
    return false;
}

function isSecretWrapper(v: unknown): v is { value: unknown } {
    return !!v && typeof v === "object" && (v as Props)[SIG] === SECRET_SIG;
}

/** `v` without secret wrappers, and whether there were any. */
export function unwrapSecrets(v: unknown): { value: unknown; secret: boolean } {
    let secret = false;
    const walk = (x: unknown): unknown => {
        if (isSecretWrapper(x)) {
            secret = true;
            return walk(x.value);
        }
        if (Array.isArray(x)) return x.map(walk);
        if (x && typeof x === "object") return Object.fromEntries(Object.entries(x).map(([k, y]) => [k, walk(y)]));
        return x;
    };
    return { value: walk(v), secret };
}

/**
 * A canonical text of a value for comparison: JSON with sorted keys, no secret wrappers, absent
 * and null fields dropped, assets and archives reduced to their hash when they carry one (the
 * engine sends old assets with their hash only).
 */
export function canonical(v: unknown): string {
    const norm = (x: unknown): unknown => {
        if (isSecretWrapper(x)) return norm(x.value);
        if (Array.isArray(x)) return x.map((y) => (y === undefined ? null : norm(y)));
        if (x && typeof x === "object") {
            const o = x as Props;
            if ((o[SIG] === ASSET_SIG || o[SIG] === ARCHIVE_SIG) && typeof o.hash === "string" && o.hash !== "") return { [SIG]: o[SIG], hash: o.hash };
            const out: Props = {};
            for (const k of Object.keys(o).sort()) if (o[k] !== undefined && o[k] !== null) out[k] = norm(o[k]);
            return out;
        }
        return x;
    };
    return JSON.stringify(v === undefined || v === null ? null : norm(v));
}

// ---------------------------------------------------------------------------------------------
// check

const isString = (v: unknown): v is string => typeof v === "string";

function checkConnection(prop: string, value: unknown, failures: CheckFailure[]): void {
    if (isUnknown(value)) return;
    if (!value || typeof value !== "object" || Array.isArray(value)) {
        failures.push({ property: prop, reason: "expected a connection object with at least `host`" });
        return;
    }
    const c = value as Props;
    const bad = (field: string, reason: string) => failures.push({ property: `${prop}.${field}`, reason });
    const known = (v: unknown) => v !== undefined && v !== null && !isUnknown(v);
    if (c.host === undefined || c.host === null || c.host === "") bad("host", "required: the address of the host");
    else if (known(c.host) && (!isString(c.host) || !/^[^\s-][^\s]*$/.test(c.host)))
        bad("host", "expected a host name or address (no spaces, not starting with -)");
    const port = c.port as number;
    if (known(port) && !(Number.isInteger(port) && port >= 1 && port <= 65535)) bad("port", "expected an integer from 1 to 65535");
    if (known(c.user) && (!isString(c.user) || !/^[^\s@-][^\s@]*$/.test(c.user))) bad("user", "expected a user name (no spaces or @, not starting with -)");
    for (const f of ["privateKey", "privateKeyPassword", "password", "agentSocketPath"]) if (known(c[f]) && !isString(c[f])) bad(f, "expected a string");
    const dialErrorLimit = c.dialErrorLimit as number;
    if (known(dialErrorLimit) && !(Number.isInteger(dialErrorLimit) && dialErrorLimit >= -1))
        bad("dialErrorLimit", "expected an integer >= 1, or -1 (dial until dialTimeout)");
    for (const f of ["perDialTimeout", "dialTimeout"]) {
        const v = c[f];
        if (known(v) && !(typeof v === "number" && v > 0)) bad(f, "expected a number of seconds > 0");
    }
    if (known(c.hostKey) && (!isString(c.hostKey) || !/^[\w@.+-]+ [A-Za-z0-9+/=]+( .*)?$/.test(c.hostKey.trim())))
        bad("hostKey", 'expected a public key line like "ssh-ed25519 AAAA..."');
    if (known(c.proxy)) checkConnection(`${prop}.proxy`, c.proxy, failures);
}

function checkSource(value: unknown, failures: CheckFailure[]): void {
    if (isUnknown(value)) return;
    const fail = (reason: string) => failures.push({ property: "source", reason });
    const s = value && typeof value === "object" ? (value as Props) : undefined;
    if (!s || (s[SIG] !== ASSET_SIG && s[SIG] !== ARCHIVE_SIG)) {
        fail("required: a FileAsset, StringAsset or FileArchive");
        return;
    }
    if (s[SIG] === ASSET_SIG) {
        if (s.uri !== undefined) fail("a RemoteAsset is not supported: use a FileAsset or StringAsset");
        else if (!isString(s.path) && !isString(s.text)) fail("expected a FileAsset or StringAsset");
    } else {
        if (s.uri !== undefined) fail("a RemoteArchive is not supported: use a FileArchive of a directory");
        else if (s.assets !== undefined) fail("an AssetArchive is not supported: use a FileArchive of a directory");
        else if (!isString(s.path)) fail("expected a FileArchive");
    }
}

/** `check`: required fields and well-formed values (unknown values pass); inputs unchanged. */
export async function check(kind: Kind, _olds: Props, news: Props): Promise<{ inputs: Props; failures: CheckFailure[] }> {
    const n = unwrapSecrets(news ?? {}).value as Props;
    const failures: CheckFailure[] = [];
    const known = (v: unknown) => v !== undefined && v !== null && !isUnknown(v);
    if (kind === "remote" || kind === "copy") {
        if (n.connection === undefined || n.connection === null)
            failures.push({ property: "connection", reason: "required: how to reach the host (at least `host`)" });
        else checkConnection("connection", n.connection, failures);
    }
    if (kind === "remote" || kind === "local") {
        if (n.create === undefined || n.create === null || n.create === "")
            failures.push({ property: "create", reason: "required: the command to run on create" });
        for (const f of ["create", "update", "delete", "stdin", "check", "checkStdin"])
            if (known(n[f]) && !isString(n[f])) failures.push({ property: f, reason: "expected a string" });
        if (known(n.environment)) {
            if (typeof n.environment !== "object" || Array.isArray(n.environment))
                failures.push({ property: "environment", reason: "expected a map of variable names to strings" });
            else
                for (const [k, v] of Object.entries(n.environment as Props)) {
                    if (!ENV_NAME.test(k)) failures.push({ property: "environment", reason: `invalid variable name ${JSON.stringify(k)}` });
                    else if (known(v) && !isString(v)) failures.push({ property: `environment.${k}`, reason: "expected a string" });
                }
        }
        if (known(n.logging) && !(LOGGING as readonly string[]).includes(n.logging as string))
            failures.push({ property: "logging", reason: `expected one of ${LOGGING.join(", ")}` });
        if (known(n.addPreviousOutputInEnv) && typeof n.addPreviousOutputInEnv !== "boolean")
            failures.push({ property: "addPreviousOutputInEnv", reason: "expected a boolean" });
    }
    if (kind === "local") {
        if (known(n.dir) && !isString(n.dir)) failures.push({ property: "dir", reason: "expected a directory path" });
        if (
            known(n.interpreter) &&
            !(Array.isArray(n.interpreter) && n.interpreter.length > 0 && n.interpreter.every((w: unknown) => isString(w) || isUnknown(w)))
        )
            failures.push({ property: "interpreter", reason: 'expected a non-empty list of strings, like ["/bin/sh", "-c"]' });
    }
    if (kind === "copy") {
        if (n.remotePath === undefined || n.remotePath === null || n.remotePath === "")
            failures.push({ property: "remotePath", reason: "required: the destination on the remote host" });
        else if (known(n.remotePath) && !isString(n.remotePath)) failures.push({ property: "remotePath", reason: "expected a path" });
        checkSource(n.source, failures);
    }
    if (known(n.triggers) && !Array.isArray(n.triggers)) failures.push({ property: "triggers", reason: "expected a list" });
    return { inputs: news, failures };
}

// ---------------------------------------------------------------------------------------------
// diff

/**
 * `diff`: a change of `triggers` replaces the resource; a change of any other input updates it.
 * An unknown value (preview) counts as a change: in `triggers` a replacement, elsewhere an update.
 * Drift that the last refresh found on the host (`drift`, see `read`) is an update too.
 */
export async function diff(kind: Kind, _id: string, olds: Props, news: Props): Promise<DiffOutcome> {
    const changed: string[] = [];
    for (const key of INPUT_KEYS[kind]) {
        const n = news?.[key];
        if (containsUnknown(n) || canonical(olds?.[key]) !== canonical(n)) changed.push(key);
    }
    if (typeof olds?.drift === "string" && olds.drift !== "") changed.push("drift");
    return { changes: changed.length > 0, replaces: changed.includes("triggers") ? ["triggers"] : [], changed };
}

// ---------------------------------------------------------------------------------------------
// running

/** Output as @pulumi/command stores it: one trailing newline dropped. */
export function trimOutput(s: string): string {
    return s.endsWith("\n") ? s.slice(0, -1) : s;
}

/**
 * The message for a failed command: the exit code and the tail of stderr (stdout when stderr is
 * empty). Hidden output (logging "none" or secret inputs) shows only the `FAILED ...` lines the
 * project's scripts print, or "(output hidden)".
 */
export function failureMessage(what: string, r: Pick<ProcResult, "code" | "stdout" | "stderr">, hidden: boolean): string {
    const head = `${what} failed with exit code ${r.code}`;
    if (hidden) {
        const failed = `${r.stderr}\n${r.stdout}`.split("\n").filter((l) => l.startsWith("FAILED "));
        return `${head}: ${failed.length ? tail(failed.join("\n"), 20) : "(output hidden)"}`;
    }
    const text = r.stderr.trim() ? r.stderr : r.stdout;
    return `${head}${text.trim() ? `:\n${tail(text, 20)}` : " (no output)"}`;
}

interface Step {
    kind: Kind;
    /** "create", "update" or "delete". */
    phase: string;
    inputs: Inputs;
    command: string;
    /** Extra environment (PULUMI_COMMAND_STDOUT/STDERR). */
    previous?: Props;
    secret: boolean;
}

function stepEnvironment(s: Step): Record<string, string> {
    const env: Record<string, string> = {};
    for (const [k, v] of Object.entries((s.inputs.environment ?? {}) as Record<string, unknown>)) if (v !== undefined && v !== null) env[k] = String(v);
    if (s.previous && s.inputs.addPreviousOutputInEnv !== false) {
        env.PULUMI_COMMAND_STDOUT = String(s.previous.stdout ?? "");
        env.PULUMI_COMMAND_STDERR = String(s.previous.stderr ?? "");
    }
    return env;
}

async function runStep(s: Step, opts: ExecOptions): Promise<{ stdout: string; stderr: string }> {
    const env = stepEnvironment(s);
    let r: ProcResult;
    let what: string;
    if (s.kind === "local") {
        const interpreter: string[] = Array.isArray(s.inputs.interpreter) && s.inputs.interpreter.length > 0 ? s.inputs.interpreter : DEFAULT_INTERPRETER;
        what = `LocalCommand ${s.phase}`;
        r = await runProcess(interpreter[0], [...interpreter.slice(1), s.command], {
            cwd: s.inputs.dir || undefined,
            env: { ...process.env, ...env },
            input: s.inputs.stdin ?? undefined,
        });
    } else {
        const c = s.inputs.connection as Connection;
        what = `RemoteCommand ${s.phase} on ${describeTarget(c)}`;
        r = await runSsh(c, { command: s.command, env, stdin: s.inputs.stdin ?? undefined, sshProgram: opts.sshProgram, pauseMs: opts.pauseMs });
    }
    if (r.code !== 0) throw new Error(failureMessage(what, r, s.secret || s.inputs.logging === "none"));
    return { stdout: trimOutput(r.stdout), stderr: trimOutput(r.stderr) };
}

/** The resource's outputs: every input as given (no __provider, the host adds it), plus extras. */
function echo(kind: Kind, inputs: Props, extra: Props = {}): Props {
    const outs: Props = {};
    for (const k of INPUT_KEYS[kind]) if (inputs[k] !== undefined) outs[k] = inputs[k];
    return { ...outs, ...extra };
}

/**
 * Inputs without secret wrappers, and whether what the command sees (its text, stdin,
 * environment) was secret: its output is then hidden from errors. (A secret connection, which
 * every RemoteCommand has, does not count.)
 */
function plain(p: Props): { inputs: Inputs; secret: boolean } {
    const { value } = unwrapSecrets(p ?? {});
    const secret = ["create", "update", "delete", "stdin", "environment"].some((k) => unwrapSecrets(p?.[k]).secret);
    return { inputs: value as Inputs, secret };
}

// ---------------------------------------------------------------------------------------------
// copy

type Source = { kind: "bytes"; data: Buffer; name?: string; mode?: number } | { kind: "tar"; data: Buffer; gzip: boolean };

/** The source's bytes: a file or text, or a tar stream of a directory (or of a .tar/.tgz file). */
export async function readSource(source: Props | undefined): Promise<Source> {
    if (source?.[SIG] === ASSET_SIG) {
        if (isString(source.text) && !isString(source.path)) return { kind: "bytes", data: Buffer.from(source.text) };
        if (!isString(source.path)) throw new Error("CopyToRemote: only FileAsset and StringAsset sources are supported");
        const file = path.resolve(source.path);
        const st = fs.statSync(file);
        if (!st.isFile()) throw new Error(`CopyToRemote: the FileAsset ${file} is not a file (use a FileArchive for a directory)`);
        return { kind: "bytes", data: fs.readFileSync(file), name: path.basename(file), mode: st.mode & 0o7777 };
    }
    if (source?.[SIG] === ARCHIVE_SIG && isString(source.path)) {
        const p = path.resolve(source.path);
        const st = fs.statSync(p);
        if (st.isDirectory()) {
            const r = await runProcess("tar", ["-C", p, "-cf", "-", "."]);
            if (r.code !== 0) throw new Error(`CopyToRemote: packing ${p} failed (exit ${r.code}): ${tail(r.stderr, 5)}`);
            return { kind: "tar", data: r.stdoutBytes, gzip: false };
        }
        if (/\.tar$/.test(p)) return { kind: "tar", data: fs.readFileSync(p), gzip: false };
        if (/\.(tgz|tar\.gz)$/.test(p)) return { kind: "tar", data: fs.readFileSync(p), gzip: true };
        throw new Error(`CopyToRemote: the FileArchive ${p} must be a directory, a .tar or a .tar.gz file`);
    }
    throw new Error("CopyToRemote: source must be a FileAsset, StringAsset or FileArchive");
}

/**
 * The remote side of a copy. A file lands at remotePath (inside it, under its own name, when
 * remotePath is an existing directory), written to a temporary name first and then renamed, with
 * the source file's mode. An archive's contents land in remotePath (created if missing, merged
 * into what is there: nothing is deleted).
 */
export function copyCommand(source: Source, remotePath: string): string {
    const dest = shellQuote(remotePath);
    if (source.kind === "tar") return `set -e\nmkdir -p -- ${dest}\ntar -x${source.gzip ? "z" : ""} --no-same-owner -f - -C ${dest}`;
    return [
        "set -e",
        `d=${dest}`,
        source.name
            ? `if [ -d "$d" ]; then d="$d"/${shellQuote(source.name)}; fi`
            : `if [ -d "$d" ]; then echo "CopyToRemote: $d is a directory" >&2; exit 1; fi`,
        't="$d.exec-tmp.$$"',
        `trap 'rm -f "$t"' EXIT`,
        'cat > "$t"',
        ...(source.mode !== undefined ? [`chmod ${(source.mode & 0o7777).toString(8)} "$t"`] : []),
        'mv -f "$t" "$d"',
    ].join("\n");
}

async function copy(inputs: Inputs, phase: string, opts: ExecOptions): Promise<void> {
    const source = await readSource(inputs.source);
    const c = inputs.connection as Connection;
    const r = await runSsh(c, {
        command: copyCommand(source, inputs.remotePath as string),
        stdin: source.data,
        sshProgram: opts.sshProgram,
        pauseMs: opts.pauseMs,
    });
    if (r.code !== 0) throw new Error(failureMessage(`CopyToRemote ${phase} to ${describeTarget(c)}:${inputs.remotePath}`, r, false));
}

// ---------------------------------------------------------------------------------------------
// CRUD

/** `create`: runs `create` (or copies the source) and returns every input plus stdout/stderr. */
export async function create(kind: Kind, news: Props, opts: ExecOptions = {}): Promise<{ id: string; outs: Props }> {
    const { inputs, secret } = plain(news);
    const id = `${TYPE_NAME[kind]}-${crypto.randomBytes(8).toString("hex")}`;
    if (kind === "copy") {
        await copy(inputs, "create", opts);
        return { id, outs: echo(kind, news) };
    }
    const out = await runStep({ kind, phase: "create", inputs, command: inputs.create as string, secret }, opts);
    return { id, outs: echo(kind, news, out) };
}

/** `update`: runs `update`, or `create` when there is none (or copies again). */
export async function update(kind: Kind, _id: string, olds: Props, news: Props, opts: ExecOptions = {}): Promise<{ outs: Props }> {
    const { inputs, secret } = plain(news);
    if (kind === "copy") {
        await copy(inputs, "update", opts);
        return { outs: echo(kind, news) };
    }
    const command = (inputs.update !== undefined && inputs.update !== null && inputs.update !== "" ? inputs.update : inputs.create) as string;
    const out = await runStep({ kind, phase: "update", inputs, command, previous: plain(olds).inputs as Props, secret }, opts);
    return { outs: echo(kind, news, out) };
}

/** `delete`: runs the stored `delete` with the stored inputs, if there is one. Copies are left in place. */
async function del(kind: Kind, _id: string, props: Props, opts: ExecOptions = {}): Promise<void> {
    if (kind === "copy") return;
    const { inputs, secret } = plain(props);
    if (inputs.delete === undefined || inputs.delete === null || inputs.delete === "") return;
    await runStep({ kind, phase: "delete", inputs, command: inputs.delete, previous: inputs as Props, secret }, opts);
}
export { del as delete };

/** The `DRIFT ...` lines of a check's stdout, without the prefix. */
export function driftLines(stdout: string): string[] {
    return stdout
        .split("\n")
        .filter((l) => l.startsWith("DRIFT "))
        .map((l) => l.slice("DRIFT ".length));
}

/**
 * `read` (refresh): a RemoteCommand with a `check` runs it on its host and stores what it reports
 * as `drift` ("" when the host is as the command left it); the next diff then reports an update.
 * A check that cannot run fails the refresh, naming the host: "no drift" is never a guess.
 * Other resources: the stored state as it is.
 */
export async function read(kind: Kind, id: string, props: Props, opts: ExecOptions = {}): Promise<{ id: string; props: Props }> {
    const { inputs, secret } = plain(props);
    if (kind !== "remote" || !isString(inputs.check) || inputs.check === "") return { id, props };
    const c = inputs.connection as Connection;
    const r = await runSsh(c, { command: inputs.check, stdin: inputs.checkStdin ?? undefined, sshProgram: opts.sshProgram, pauseMs: opts.pauseMs });
    const hidden = secret || unwrapSecrets(props.checkStdin).secret || inputs.logging === "none";
    if (r.code !== 0) throw new Error(failureMessage(`RemoteCommand check on ${describeTarget(c)}`, r, hidden));
    return { id, props: { ...props, drift: driftLines(r.stdout).join("\n") } };
}
