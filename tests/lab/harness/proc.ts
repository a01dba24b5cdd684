import { spawn } from "child_process";

export interface ProcResult {
    code: number;
    stdout: string;
    stderr: string;
}

export interface ProcOptions {
    input?: string | Buffer;
    timeoutMs?: number;
    env?: NodeJS.ProcessEnv;
    cwd?: string;
}

/** Runs a program without a shell; never rejects for a non-zero exit (code -1 on timeout). */
export function runProc(file: string, args: string[], opts: ProcOptions = {}): Promise<ProcResult> {
    return new Promise((resolve) => {
        const child = spawn(file, args, { env: opts.env ?? process.env, cwd: opts.cwd, stdio: ["pipe", "pipe", "pipe"] });
        const out: Buffer[] = [];
        const err: Buffer[] = [];
        let timedOut = false;
        const timer = opts.timeoutMs
            ? setTimeout(() => {
                  timedOut = true;
                  child.kill("SIGKILL");
              }, opts.timeoutMs)
            : undefined;
        child.stdout.on("data", (d: Buffer) => out.push(d));
        child.stderr.on("data", (d: Buffer) => err.push(d));
        child.stdin.on("error", () => undefined); // the program may exit before reading all of stdin
        child.on("error", (e) => {
            if (timer) clearTimeout(timer);
            resolve({ code: 127, stdout: "", stderr: String(e) });
        });
        child.on("close", (code) => {
            if (timer) clearTimeout(timer);
            const stderr = Buffer.concat(err).toString();
            resolve({
                code: timedOut ? -1 : (code ?? -1),
                stdout: Buffer.concat(out).toString(),
                stderr: timedOut ? `${stderr}\ntimed out after ${opts.timeoutMs} ms` : stderr,
            });
        });
        if (opts.input !== undefined) child.stdin.end(opts.input);
        else child.stdin.end();
    });
}

/** Like runProc, but throws with the command and its stderr when it fails. */
export async function mustRun(file: string, args: string[], opts: ProcOptions = {}): Promise<string> {
    const r = await runProc(file, args, opts);
    if (r.code !== 0) throw new Error(`${file} ${args.join(" ")} failed (exit ${r.code}): ${tail(r.stderr || r.stdout)}`);
    return r.stdout;
}

export function tail(text: string, lines = 8): string {
    return text.trim().split("\n").slice(-lines).join("\n");
}

/** Polls `check` until it returns true or `timeoutMs` passes (bounded wait, never a fixed sleep). */
export async function pollUntil(what: string, timeoutMs: number, check: () => Promise<boolean>, intervalMs = 500): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
        if (await check()) return;
        if (Date.now() >= deadline) throw new Error(`timed out after ${timeoutMs / 1000} s waiting for ${what}`);
        await new Promise((r) => setTimeout(r, intervalMs));
    }
}
