import * as crypto from "crypto";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { ProcResult, runProc } from "./proc";

/** What a @pulumi/command `connection` holds (secrets already unwrapped). */
export interface SshTarget {
    host: string;
    port?: number;
    user?: string;
    privateKey?: string;
    password?: string;
    dialErrorLimit?: number;
    perDialTimeout?: number;
    proxy?: SshTarget;
}

export interface SshOptions {
    input?: string | Buffer;
    timeoutMs?: number;
    /** Sent with SendEnv (values never on a command line); the server must AcceptEnv them, as for the real provider. */
    env?: Record<string, string>;
    /** Total time to keep dialing when the target does not answer (dialErrorLimit -1). */
    dialWaitMs?: number;
}

// Keys are written once per process, 0600 in a 0700 temp dir, and removed at exit.
let keyDir: string | undefined;
const keyFiles = new Map<string, string>();

export function keyFile(privateKey: string): string {
    const digest = crypto.createHash("sha256").update(privateKey).digest("hex").slice(0, 16);
    const known = keyFiles.get(digest);
    if (known) return known;
    if (!keyDir) {
        keyDir = fs.mkdtempSync(path.join(os.tmpdir(), "mslab-keys-"));
        fs.chmodSync(keyDir, 0o700);
        const dir = keyDir;
        process.once("exit", () => fs.rmSync(dir, { recursive: true, force: true }));
    }
    const file = path.join(keyDir, digest);
    fs.writeFileSync(file, privateKey.endsWith("\n") ? privateKey : `${privateKey}\n`, { mode: 0o600 });
    keyFiles.set(digest, file);
    return file;
}

function baseOptions(t: SshTarget, connectTimeoutS: number): string[] {
    if (t.password !== undefined && t.privateKey === undefined)
        throw new Error(`the lab connects with keys only: connection to ${t.host} has a password and no privateKey`);
    return [
        ...(t.privateKey ? ["-i", keyFile(t.privateKey), "-o", "IdentitiesOnly=yes"] : []),
        "-o",
        "StrictHostKeyChecking=no",
        "-o",
        "UserKnownHostsFile=/dev/null",
        "-o",
        "BatchMode=yes",
        "-o",
        "LogLevel=ERROR",
        "-o",
        `ConnectTimeout=${connectTimeoutS}`,
        "-o",
        "ServerAliveInterval=15",
        "-p",
        String(t.port ?? 22),
    ];
}

export function sshArgs(t: SshTarget, remoteCommand: string, env: string[] = []): string[] {
    const connectTimeout = Math.max(1, Math.min(t.perDialTimeout || 5, 15));
    const args = baseOptions(t, connectTimeout);
    if (t.proxy) {
        const p = t.proxy;
        const inner = ["ssh", ...baseOptions(p, connectTimeout), "-W", "%h:%p", `${p.user ?? "root"}@${p.host}`];
        args.push("-o", `ProxyCommand=${inner.map(shellWord).join(" ")}`);
    }
    for (const name of env) args.push("-o", `SendEnv=${name}`);
    args.push(`${t.user ?? "root"}@${t.host}`, "--", remoteCommand);
    return args;
}

/** ssh's own failures to reach the host (exit 255), as opposed to the remote command's. */
export function isDialError(r: ProcResult): boolean {
    return (
        r.code === 255 &&
        new RegExp(
            /ssh: connect to host|Connection (refused|timed out|closed|reset)|No route to host|kex_exchange_identification|/.source +
                /Could not resolve hostname|Host is unreachable|Permission denied \(publickey/.source,
        ).test(r.stderr)
    );
}

/**
 * Runs a command on a host over the system ssh client. Dials again while the host does not answer:
 * up to `dialErrorLimit` attempts (like the provider; default 3 here to keep failures fast), or
 * until `dialWaitMs` passes when the limit is -1.
 */
export async function sshExec(t: SshTarget, remoteCommand: string, opts: SshOptions = {}): Promise<ProcResult> {
    const envNames = Object.keys(opts.env ?? {});
    const args = sshArgs(t, remoteCommand, envNames);
    const env = { ...process.env, ...(opts.env ?? {}) };
    const limit = t.dialErrorLimit ?? 3;
    const deadline = Date.now() + (opts.dialWaitMs ?? 90_000);
    for (let attempt = 1; ; attempt++) {
        const r = await runProc("ssh", args, { input: opts.input, timeoutMs: opts.timeoutMs, env });
        if (!isDialError(r)) return r;
        const more = limit === -1 ? Date.now() < deadline : attempt < Math.min(limit, 3);
        if (!more) return { ...r, stderr: `${r.stderr.trim()} (after ${attempt} dial attempt${attempt > 1 ? "s" : ""})` };
        await new Promise((res) => setTimeout(res, 1000));
    }
}

function shellWord(s: string): string {
    return /^[\w@%:.,/=+-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`;
}
