import * as fs from "fs";
import * as os from "os";
import * as path from "path";

/**
 * A stand-in for the ssh program (no sshd here): it records its argv and the secret-bearing
 * environment, fails like an unreachable host for the first FAKE_SSH_FAIL calls, and otherwise
 * runs the remote command line locally with /bin/sh, as sshd would with the login shell.
 */
export interface FakeSsh {
    program: string;
    dir: string;
    /** How many times it was started. */
    calls(): number;
    /** The argv of the last call. */
    lastArgs(): string[];
    /** The ssh-related environment of the last call (askpass variables). */
    lastEnv(): Record<string, string>;
    /** Makes the next `n` calls fail with `message` (exit 255). */
    failNext(n: number, message?: string): void;
    cleanup(): void;
}

export function fakeSsh(): FakeSsh {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "fake-ssh-"));
    const program = path.join(dir, "ssh");
    fs.writeFileSync(
        program,
        `#!/bin/bash
d=${JSON.stringify(dir)}
n=$(cat "$d/count" 2>/dev/null || echo 0); n=$((n+1)); echo "$n" > "$d/count"
printf '%s\\0' "$@" > "$d/args"
env | grep -E '^(SSH_ASKPASS|SSH_ASKPASS_REQUIRE|EXEC_SSH_[A-Z_]+)=' > "$d/env" || true
fail=$(cat "$d/fail" 2>/dev/null || echo 0)
if [ "$fail" -gt 0 ]; then echo $((fail-1)) > "$d/fail"; cat "$d/message" >&2; exit 255; fi
exec /bin/sh -c "\${@: -1}"
`,
        { mode: 0o755 },
    );
    const read = (f: string) => (fs.existsSync(path.join(dir, f)) ? fs.readFileSync(path.join(dir, f), "utf8") : "");
    return {
        program,
        dir,
        calls: () => Number(read("count") || "0"),
        lastArgs: () => read("args").split("\0").slice(0, -1),
        lastEnv: () =>
            Object.fromEntries(
                read("env")
                    .split("\n")
                    .filter(Boolean)
                    .map((l) => [l.slice(0, l.indexOf("=")), l.slice(l.indexOf("=") + 1)]),
            ),
        failNext: (n, message = "ssh: connect to host 10.0.15.11 port 22: Connection refused") => {
            fs.writeFileSync(path.join(dir, "fail"), String(n));
            fs.writeFileSync(path.join(dir, "message"), `${message}\n`);
        },
        cleanup: () => fs.rmSync(dir, { recursive: true, force: true }),
    };
}
