import * as crypto from "crypto";
import { hostProgram } from "./host-program";
import { Op } from "./ops";

/**
 * Renders a step as one idempotent bash script. The script changes the host only where it differs
 * from the desired state, restarts a service only when its configuration changed, and ends with
 * one line: `STEP <host>/<step>: changed (<what>)` or `STEP <host>/<step>: unchanged`.
 *
 * Stdout carries only what `emit` ops print and the result line (so `stepPayload` can parse it);
 * everything else the ops print goes to stderr. The ops run from a function with stdin on
 * /dev/null: the script itself arrives on stdin, and a command that read stdin would eat the rest.
 */
export function renderScript(host: string, step: string, ops: readonly Op[]): string {
    return `${STEP_RUNTIMES.run.text}${renderMain(host, step, ops, false)}`;
}

/** Where each host keeps the step runtimes: its ready step installs them (components/hosts/ready.ts). */
export const STEP_RUNTIME_DIR = "/usr/local/lib/microservice";

/**
 * The shipped runtime files (host-programs/), read once at load time, and their paths on the hosts:
 * `run` holds the functions every step calls, `check` the same functions as reports (check.ts).
 */
export const STEP_RUNTIMES = {
    run: { text: hostProgram("step-runtime.sh"), path: `${STEP_RUNTIME_DIR}/step-runtime.sh` },
    check: { text: hostProgram("step-check.sh"), path: `${STEP_RUNTIME_DIR}/step-check.sh` },
} as const;

/**
 * The step as a host runs it: renderScript's script with the runtime sourced from the host instead
 * of inlined, so that the step's text (and the hash that re-runs it) is its ops alone: a change of
 * the runtime updates each host's ready step once and re-runs no step.
 */
export function renderStep(host: string, step: string, ops: readonly Op[]): string {
    const missing = `FAILED ${host}/${step}: ${STEP_RUNTIMES.run.path} is missing (the host's ready step installs it: run pulumi up)`;
    return `#!/bin/bash\nsource ${STEP_RUNTIMES.run.path} || { echo ${q(missing)} >&2; exit 1; }\n${renderMain(host, step, ops, false)}`;
}

/**
 * The step's name and its ops as calls of the prelude's functions. `forCheck`: the ops that only
 * print (`emit`) are left out, for the check-only prelude of check.ts, which defines the same
 * functions as reports of what differs.
 */
export function renderMain(host: string, step: string, ops: readonly Op[], forCheck: boolean): string {
    const body = ops
        .filter((op) => !(forCheck && op.kind === "emit"))
        .map(renderOp)
        .join("\n");
    return `__step=${q(`${host}/${step}`)}\n__main() {\n${body}\n__finish\n}\n__main </dev/null 3>&1 1>&2; exit $?\n`;
}

export function sha256(text: string): string {
    return crypto.createHash("sha256").update(text).digest("hex");
}

/**
 * Single-quote a string for bash: THE quoting helper of every script the stack renders. Any value
 * that comes from config (or from another resource) and reaches shell code goes through it, at
 * every level: a command string that is itself run by `bash -c` (exec's guard and command,
 * waitFor's check) is q()'d as a whole by renderOp, and the values inside it were q()'d when it was
 * built. Inside single quotes bash interprets nothing; a `'` in the value becomes `'\''`.
 * Numbers are rendered by JavaScript (digits, `.`, `e`, `-`) and need no quoting. Values in files of
 * other formats (systemd units, rsyslog, YAML) cannot be made safe by shell quoting: the stack
 * schema restricts those (components/validate.ts), and tests/unit/security/injection.test.ts checks both.
 */
export function q(s: string): string {
    return `'${s.replace(/'/g, `'\\''`)}'`;
}

/** The stdout line that reports a step's result (parsed by the lab and by humans). */
export const STEP_RESULT = /^STEP (\S+): (changed|unchanged)(?: \((.*)\))?$/m;

function renderOp(op: Op): string {
    switch (op.kind) {
        case "packages":
            return `ensure_packages ${op.names.map(q).join(" ")}`;
        case "file":
            return pipeInto(
                op.content,
                `ensure_file ${q(op.path)} ${q(op.mode ?? "0644")} ${q(op.owner ?? "root")} ${q(op.group ?? op.owner ?? "root")} ${q(op.tag ?? op.path)}`,
            );
        case "directory":
            return `ensure_dir ${q(op.path)} ${q(op.mode ?? "0755")} ${q(op.owner ?? "root")} ${q(op.group ?? op.owner ?? "root")}`;
        case "absent":
            return `ensure_absent ${q(op.path)} ${q(op.tag ?? op.path)}`;
        case "unit":
            return pipeInto(op.content, `ensure_file ${q(`/etc/systemd/system/${op.name}`)} 0644 root root ${q(`unit:${op.name}`)}`);
        case "service":
            return `ensure_service ${q(op.name)} ${op.enable === false ? "0" : "1"} ${(op.restartOn ?? []).map(q).join(" ")}`.trimEnd();
        case "exec":
            return `ensure_exec ${q(op.description)} ${q(op.unless)} ${q(op.run)} ${q(op.tag ?? op.description)}`;
        case "waitFor":
            if (!Number.isFinite(op.timeoutSeconds))
                throw new Error(`waitFor ${JSON.stringify(op.description)}: expected a finite timeout, got ${op.timeoutSeconds}`);
            return `wait_for ${q(op.description)} ${Math.max(0, Math.floor(op.timeoutSeconds))} ${q(op.check)} ${q(op.message)}`;
        case "emit":
            return `{\n${op.command}\n} >&3`;
        case "remember":
            if (!/^[A-Z][A-Z0-9_]*$/.test(op.name))
                throw new Error(`remember ${JSON.stringify(op.description)}: expected a variable name like MS_SERVED, got ${JSON.stringify(op.name)}`);
            return `remember ${op.name} ${q(op.description)} ${q(op.check)}`;
        case "masked":
            if (!/^[A-Za-z0-9_.@:\\][A-Za-z0-9_.@:\\-]*\.[a-z]+$/.test(op.name))
                throw new Error(`masked: expected a systemd unit name like zfs-fuse.service, got ${JSON.stringify(op.name)}`);
            return `ensure_masked ${q(op.name)}${op.when === undefined ? "" : ` ${q(op.when)}`}`;
        case "user":
            if (!/^[a-z_][a-z0-9_-]*$/.test(op.name)) throw new Error(`user: expected a user name like flocker, got ${JSON.stringify(op.name)}`);
            for (const [key, p] of [
                ["home", op.home],
                ["shell", op.shell],
            ])
                if (!/^\/[^:\n]*$/.test(p)) throw new Error(`user ${op.name}: expected ${key} to be an absolute path without ':', got ${JSON.stringify(p)}`);
            return `ensure_user ${q(op.name)} ${q(op.home)} ${q(op.shell)}`;
        case "image":
            for (const ref of [op.ref, ...op.tags])
                if (!/^[^\s]+$/.test(ref)) throw new Error(`image: expected an image reference without spaces, got ${JSON.stringify(ref)}`);
            return `ensure_image ${[op.ref, ...op.tags].map(q).join(" ")}`;
        case "assert":
            return `assert_that ${q(op.description)} ${q(op.check)} ${q(op.message)}`;
    }
}

/**
 * Feed file content to a command's stdin: a readable quoted heredoc where possible, base64 otherwise.
 * Never a pipeline: the command must run in this shell so that its change records survive.
 */
function pipeInto(content: string, cmd: string): string {
    const marker = `__EOF_${sha256(content).slice(0, 12)}__`;
    if (content.endsWith("\n") && !content.includes(marker)) {
        return `${cmd} <<'${marker}'\n${content}${marker}`;
    }
    return `${cmd} < <(printf '%s' ${q(Buffer.from(content).toString("base64"))} | base64 -d)`;
}
