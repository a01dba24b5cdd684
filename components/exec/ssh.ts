import { spawn } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { Connection, DEFAULT_DIAL_ERROR_LIMIT, DEFAULT_DIAL_TIMEOUT, DEFAULT_PER_DIAL_TIMEOUT, DEFAULT_PORT, DEFAULT_USER } from "./connection";

/**
 * Running commands over the OpenSSH client. Node built-ins only: this module is loaded inside the
 * dynamic provider's process.
 *
 * Nothing secret ever goes on a command line, local or remote:
 * - the private key is a 0600 file in a 0700 temp dir (removed after the call), passwords and key
 *   passphrases reach ssh through SSH_ASKPASS from its environment;
 * - the remote command line is always the fixed REMOTE_BOOTSTRAP. The real command, its
 *   environment and its stdin all travel on ssh's stdin (see remotePayload).
 */

export interface ProcResult {
    /** Exit code; 127 when the program could not be started, 128+n when killed by signal n. */
    code: number;
    stdout: string;
    stderr: string;
    /** stdout as bytes (for binary output such as a tar stream). */
    stdoutBytes: Buffer;
}

export interface ProcOptions {
    input?: string | Buffer;
    env?: NodeJS.ProcessEnv;
    cwd?: string;
}

/** Runs a program without a shell and collects its output; never rejects. */
export function runProcess(file: string, args: string[], opts: ProcOptions = {}): Promise<ProcResult> {
    return new Promise((resolve) => {
        let child: ReturnType<typeof spawn>;
        try {
            child = spawn(file, args, { env: opts.env ?? process.env, cwd: opts.cwd, stdio: ["pipe", "pipe", "pipe"] });
        } catch (e) {
            resolve({ code: 127, stdout: "", stderr: `cannot run ${file}: ${(e as Error).message}`, stdoutBytes: Buffer.alloc(0) });
            return;
        }
        const out: Buffer[] = [];
        const err: Buffer[] = [];
        let spawnError: Error | undefined;
        child.stdout!.on("data", (d: Buffer) => out.push(d));
        child.stderr!.on("data", (d: Buffer) => err.push(d));
        child.stdin!.on("error", () => undefined); // the program may exit before reading all of stdin
        child.on("error", (e) => (spawnError = e));
        child.on("close", (code, signal) => {
            const stdoutBytes = Buffer.concat(out);
            const stderr = Buffer.concat(err).toString();
            if (spawnError) {
                resolve({ code: 127, stdout: "", stderr: `cannot run ${file}: ${spawnError.message}`, stdoutBytes });
                return;
            }
            const sig = signal ? ((os.constants.signals as Record<string, number>)[signal] ?? 0) : 0;
            resolve({
                code: code ?? 128 + sig,
                stdout: stdoutBytes.toString(),
                stderr: signal ? `${stderr}${stderr && !stderr.endsWith("\n") ? "\n" : ""}killed by ${signal}` : stderr,
                stdoutBytes,
            });
        });
        if (opts.input !== undefined) child.stdin!.end(opts.input);
        else child.stdin!.end();
    });
}

/** A word for sh: quoted unless it is plainly safe. */
export function shellQuote(s: string): string {
    return /^[\w@%:.,/=+-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`;
}

/**
 * A bash ANSI-C string ($'...') that holds any text (no NUL) in pure ASCII: printable ASCII stays,
 * every other byte of the UTF-8 encoding becomes \xHH. Being ASCII, its length in bytes equals its
 * length in characters whatever the remote locale.
 */
export function ansiCQuote(s: string): string {
    if (s.includes("\0")) throw new Error("a NUL character cannot be passed to a remote command");
    let out = "$'";
    for (const b of Buffer.from(s, "utf8")) {
        if (b >= 0x20 && b <= 0x7e && b !== 0x27 && b !== 0x5c) out += String.fromCharCode(b);
        else out += `\\x${b.toString(16).padStart(2, "0")}`;
    }
    return `${out}'`;
}

/**
 * The only remote command line ever sent. Design: ssh's stdin starts with a header: one line with
 * the header's length, then that many bytes of bash (pure ASCII, see ansiCQuote) that export the
 * environment and `eval` the real command; everything after the header is the command's own
 * stdin. bash reads a pipe one byte at a time for `read`, so it never consumes beyond the header
 * and the command (e.g. `bash -s`) reads the rest. Neither the command nor any value shows in
 * `ps` on the remote host (nor locally), unlike `export X=...` on the command line or SendEnv,
 * which sshd rarely accepts anyway. Needs bash >= 4.1 (read -N) on the remote host.
 */
export const REMOTE_BOOTSTRAP = `bash -c 'IFS= read -r n && read -r -N "$n" h && eval "$h"'`;

export const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** The stdin header that makes REMOTE_BOOTSTRAP run `command` with `env`. */
export function remotePayload(command: string, env: Record<string, string> = {}): string {
    const lines = ["unset -v n h"];
    for (const [name, value] of Object.entries(env)) {
        if (!ENV_NAME.test(name)) throw new Error(`environment: invalid variable name ${JSON.stringify(name)}`);
        lines.push(`export ${name}=${ansiCQuote(String(value))}`);
    }
    lines.push(`eval ${ansiCQuote(command)}`);
    const header = lines.join("\n") + "\n";
    return `${header.length}\n${header}`;
}

export interface SshInvocation {
    /** The ssh program. */
    file: string;
    args: string[];
    /** Variables to add to ssh's environment (askpass, agent). Values may be secret: never log them. */
    env: Record<string, string>;
}

/** `user@host:port`, for messages. */
export function describeTarget(c: Connection): string {
    const t = `${c.user ?? DEFAULT_USER}@${c.host}:${c.port ?? DEFAULT_PORT}`;
    return c.proxy ? `${t} (via ${describeTarget(c.proxy)})` : t;
}

/** The known_hosts line for a host key: `host key` on port 22, `[host]:port key` otherwise. */
export function knownHostsLine(host: string, port: number, hostKey: string): string {
    const name = port === DEFAULT_PORT ? host : `[${host}]:${port}`;
    return `${name} ${hostKey.trim()}\n`;
}

/**
 * ssh options for one connection (the target or a jump host); writes the files they refer to
 * (key, known_hosts, askpass) into `dir`, which must be private (0700). `tag` keeps the target's
 * files apart from the proxies'.
 */
function connectionOptions(c: Connection, dir: string, tag: string, env: Record<string, string>): { options: string[]; askpass?: string } {
    const port = c.port ?? DEFAULT_PORT;
    const options: string[] = ["-F", "/dev/null"];
    const interactive = c.password !== undefined || c.privateKeyPassword !== undefined;
    let askpass: string | undefined;
    if (c.privateKey) {
        const key = path.join(dir, `${tag}-key`);
        fs.writeFileSync(key, c.privateKey.endsWith("\n") ? c.privateKey : `${c.privateKey}\n`, { mode: 0o600 });
        options.push("-i", key, "-o", "IdentitiesOnly=yes");
    }
    if (c.agentSocketPath) options.push("-o", `IdentityAgent=${c.agentSocketPath}`);
    if (interactive) {
        // ssh asks the script; the script prints a variable from ssh's environment.
        const pw = `EXEC_SSH_PASSWORD_${tag.toUpperCase()}`;
        const kp = `EXEC_SSH_KEY_PASSPHRASE_${tag.toUpperCase()}`;
        askpass = path.join(dir, `${tag}-askpass`);
        fs.writeFileSync(askpass, `#!/bin/sh\ncase "$1" in *assphrase*) printf '%s\\n' "$${kp}" ;; *) printf '%s\\n' "$${pw}" ;; esac\n`, { mode: 0o700 });
        if (c.password !== undefined) env[pw] = c.password;
        if (c.privateKeyPassword !== undefined) env[kp] = c.privateKeyPassword;
        options.push("-o", "BatchMode=no", "-o", "NumberOfPasswordPrompts=1");
    } else {
        options.push("-o", "BatchMode=yes");
    }
    if (c.hostKey) {
        const known = path.join(dir, `${tag}-known_hosts`);
        fs.writeFileSync(known, knownHostsLine(c.host, port, c.hostKey), { mode: 0o600 });
        options.push("-o", "StrictHostKeyChecking=yes", "-o", `UserKnownHostsFile=${known}`, "-o", "GlobalKnownHostsFile=/dev/null", "-o", "CheckHostIP=no");
    } else {
        // Like @pulumi/command without a host key: accept whatever key the host presents.
        options.push("-o", "StrictHostKeyChecking=no", "-o", "UserKnownHostsFile=/dev/null");
    }
    options.push(
        "-o",
        "LogLevel=ERROR",
        "-o",
        `ConnectTimeout=${Math.max(1, Math.round(c.perDialTimeout ?? DEFAULT_PER_DIAL_TIMEOUT))}`,
        "-o",
        "ServerAliveInterval=15",
        "-p",
        String(port),
    );
    if (c.proxy) options.push("-o", `ProxyCommand=${proxyCommand(c.proxy, dir, `${tag}p`, env)}`);
    return { options, askpass };
}

/** `ssh <options> -W %h:%p user@proxy`, each word shell-quoted and with literal `%` doubled for ssh. */
function proxyCommand(p: Connection, dir: string, tag: string, env: Record<string, string>): string {
    const { options, askpass } = connectionOptions(p, dir, tag, env);
    const pct = (w: string) => w.replace(/%/g, "%%");
    const words = [
        ...(askpass ? ["env", `SSH_ASKPASS=${pct(askpass)}`, "SSH_ASKPASS_REQUIRE=force"] : []),
        "ssh",
        ...options.map(pct),
        "-W",
        "%h:%p",
        "--",
        pct(`${p.user ?? DEFAULT_USER}@${p.host}`),
    ];
    return words.map(shellQuote).join(" ");
}

/**
 * The ssh invocation that runs REMOTE_BOOTSTRAP on `c`'s host. Writes its key, known_hosts and
 * askpass files into `dir` (a private temp dir the caller removes).
 */
export function sshInvocation(c: Connection, dir: string, sshProgram = "ssh"): SshInvocation {
    const env: Record<string, string> = {};
    const { options, askpass } = connectionOptions(c, dir, "t", env);
    if (askpass) {
        env.SSH_ASKPASS = askpass;
        env.SSH_ASKPASS_REQUIRE = "force";
    }
    return { file: sshProgram, args: [...options, "--", `${c.user ?? DEFAULT_USER}@${c.host}`, REMOTE_BOOTSTRAP], env };
}

const DIAL_FAILURE = new RegExp(
    [
        "ssh: connect to host",
        "Connection (refused|timed out|closed|reset)",
        "No route to host",
        "Network is unreachable",
        "Host is unreachable",
        "kex_exchange_identification",
        "banner exchange",
        "Could not resolve hostname",
        "Name or service not known",
        "Temporary failure in name resolution",
        "Permission denied \\(publickey",
    ].join("|"),
);

/**
 * ssh's own failure to reach or log in to the host (exit 255 and one of its connection errors on
 * stderr), as opposed to the remote command's failure. "Permission denied (publickey)" counts: a
 * booting machine may not have its authorized key yet. A command that printed to stdout did run.
 */
export function isDialError(r: { code: number; stdout: string; stderr: string }): boolean {
    return r.code === 255 && r.stdout === "" && DIAL_FAILURE.test(r.stderr);
}

const HOST_KEY_FAILURE = /Host key verification failed|REMOTE HOST IDENTIFICATION HAS CHANGED|host key is known for .* and you have requested strict checking/;

/** ssh refused the host (or its jump host): it did not present the key pinned in `hostKey`. */
export function isHostKeyFailure(r: { code: number; stderr: string }): boolean {
    return r.code === 255 && HOST_KEY_FAILURE.test(r.stderr);
}

/** A host that did not present its pinned key: never dialed again (a wrong key is no boot delay). */
export class HostKeyError extends Error {
    constructor(c: Connection, stderr: string) {
        const pinned = [c, ...(c.proxy ? [c.proxy] : [])]
            .filter((x) => x.hostKey)
            .map((x) => `${x.host}: ${x.hostKey!.trim().split(/\s+/).slice(0, 2).join(" ")}`)
            .join("; ");
        const said = stderr
            .split("\n")
            .filter((l) => /fingerprint|SHA256:|Host key|host key|verification/.test(l))
            .join(" ");
        super(
            `${describeTarget(c)} did not present the pinned host key (${pinned || "none pinned"}): refusing to connect. ` +
                `ssh: ${said || tail(stderr, 3)}. If the host was rebuilt on purpose, give it its new key (docs/hosts.md, "Host keys"); ` +
                "otherwise someone may be intercepting the connection.",
        );
        this.name = "HostKeyError";
    }
}

export class DialError extends Error {
    constructor(
        message: string,
        readonly attempts: number,
        readonly seconds: number,
    ) {
        super(message);
        this.name = "DialError";
    }
}

export interface SshRunOptions {
    /** The command, run by bash on the remote host (never on a command line). */
    command: string;
    /** Exported for the command (sent on stdin; values may be secret). */
    env?: Record<string, string>;
    /** The command's stdin. */
    stdin?: string | Buffer;
    /** The ssh program (default "ssh"; tests use a stand-in). */
    sshProgram?: string;
    /** Pause between dial attempts (default 1000 ms). */
    pauseMs?: number;
}

export interface SshRunResult extends ProcResult {
    /** How many times ssh was started. */
    attempts: number;
}

/**
 * Runs a command on `c`'s host. Dials again after a dial error (isDialError): at most
 * `dialErrorLimit` attempts (default 10), or until `dialTimeout` seconds (default 180) have passed
 * when the limit is -1. The target's limit governs, also for failures of its jump host. A non-zero
 * exit of the command is returned, not thrown; running out of dial attempts throws a DialError, a
 * host (or jump host) that does not present its pinned `hostKey` a HostKeyError at once.
 */
export async function runSsh(c: Connection, opts: SshRunOptions): Promise<SshRunResult> {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "exec-ssh-"));
    try {
        fs.chmodSync(dir, 0o700);
        const inv = sshInvocation(c, dir, opts.sshProgram);
        const payload = Buffer.from(remotePayload(opts.command, opts.env ?? {}));
        const input = opts.stdin === undefined ? payload : Buffer.concat([payload, Buffer.isBuffer(opts.stdin) ? opts.stdin : Buffer.from(opts.stdin)]);
        const env = { ...process.env, ...inv.env };
        const limit = c.dialErrorLimit ?? DEFAULT_DIAL_ERROR_LIMIT;
        const dialTimeoutS = c.dialTimeout ?? DEFAULT_DIAL_TIMEOUT;
        const pauseMs = opts.pauseMs ?? 1000;
        const started = Date.now();
        for (let attempt = 1; ; attempt++) {
            const r = await runProcess(inv.file, inv.args, { input, env });
            // Before the dial check: through a jump host, a refused key also shows as a closed connection.
            if (isHostKeyFailure(r) && r.stdout === "") throw new HostKeyError(c, r.stderr);
            if (!isDialError(r)) return { ...r, attempts: attempt };
            const elapsedS = (Date.now() - started) / 1000;
            const more = limit === -1 ? elapsedS + pauseMs / 1000 < dialTimeoutS : attempt < Math.max(1, limit);
            if (!more) {
                const secs = Math.round(elapsedS);
                const bound = limit === -1 ? `dialTimeout ${dialTimeoutS} s` : `dialErrorLimit ${limit}`;
                throw new DialError(
                    `could not connect to ${describeTarget(c)} over SSH: dialed ${attempt} time${attempt === 1 ? "" : "s"} over ${secs} s (${bound}); ` +
                        `last error: ${tail(r.stderr, 5)}`,
                    attempt,
                    secs,
                );
            }
            await new Promise((res) => setTimeout(res, pauseMs));
        }
    } finally {
        fs.rmSync(dir, { recursive: true, force: true });
    }
}

/** The last `lines` lines of a text, trimmed. */
export function tail(text: string, lines = 20): string {
    const all = text.replace(/\s+$/, "").split("\n");
    return all.slice(-lines).join("\n");
}
