import * as pulumi from "@pulumi/pulumi";
import { RemoteCommand } from "../exec/command";
import { file } from "../provision/ops";
import { RUN_STDIN_AS_ROOT } from "../provision/removal";
import { renderScript, STEP_RUNTIMES } from "../provision/script";
import { Connection } from "./host";

export interface WaitForSshOptions {
    /** How long the host may take to answer SSH (default 3m); booting then gets at most 300 s more. */
    timeout?: string;
    /** Resources the host needs first (its container or instance). */
    dependsOn?: pulumi.Input<pulumi.Resource>[];
    /** The host's logical name (node1), for the runtime installer's result line; default: the resource name. */
    host?: string;
    /** Values whose change means a new machine: wait again (e.g. the container or instance id). */
    triggers?: pulumi.Input<unknown>[];
}

/**
 * Waits until the host answers SSH and has finished booting (systemd, and cloud-init where there is
 * one, so that apt is free); bounded on each side: SSH dials retry for `timeout`, then the script
 * waits at most 300 s for boot. Prints the host name.
 */
export function readyScript(): string {
    return [
        "set -u",
        // `--wait` blocks until boot is over; "degraded" (a failed unit) still means booted.
        // eslint-disable-next-line max-len -- one rendered script line (if ... fi), kept whole as it runs
        'if command -v systemctl >/dev/null; then s=$(timeout 300 systemctl is-system-running --wait 2>/dev/null || true); case "$s" in running|degraded) ;; *) echo "systemd is $s after 300 s" >&2; exit 1;; esac; fi',
        "if command -v cloud-init >/dev/null; then timeout 300 cloud-init status --wait >/dev/null || " +
            "{ echo 'cloud-init did not finish within 300 s' >&2; exit 1; }; fi",
        'echo "ready: $(hostname)"',
    ].join("\n");
}

/**
 * What the ready step runs as root once the host is up (on stdin): installs the step runtimes
 * (host-programs/step-*.sh) that every step and check on this host sources. A self-contained step
 * itself, so a second run changes nothing; a new runtime updates the ready step (its id, which
 * the steps' triggers hold, stays) and re-runs no step.
 */
export function runtimeInstallScript(host: string): string {
    const files = Object.values(STEP_RUNTIMES).map((r) => file(r.path, r.text, { mode: "0644" }));
    return renderScript(host, "step-runtime", files);
}

/** The resource every step on the host depends on (Host.ready). */
export function waitForSsh(name: string, connection: pulumi.Input<Connection>, parent: pulumi.Resource, opts: WaitForSshOptions = {}): RemoteCommand {
    // Dial until the bound: a booting machine refuses connections for a while.
    const dialTimeout = durationSeconds(opts.timeout ?? "3m");
    const conn = pulumi.output(connection).apply((c) => ({
        ...c,
        dialErrorLimit: -1,
        dialTimeout,
        perDialTimeout: 10,
        ...(c.proxy ? { proxy: { ...c.proxy, dialErrorLimit: -1, dialTimeout, perDialTimeout: 10 } } : {}),
    }));
    return new RemoteCommand(
        name,
        {
            connection: pulumi.secret(conn),
            create: `${readyScript()}\n${RUN_STDIN_AS_ROOT}`,
            stdin: runtimeInstallScript(opts.host ?? name),
            triggers: opts.triggers,
        },
        { parent, dependsOn: opts.dependsOn },
    );
}

/** "90s", "3m", "1h" in seconds. */
export function durationSeconds(d: string): number {
    const m = /^(\d+)([smh])$/.exec(d);
    if (!m) throw new Error(`expected a duration like 3m, got ${JSON.stringify(d)}`);
    return Number(m[1]) * { s: 1, m: 60, h: 3600 }[m[2] as "s" | "m" | "h"];
}
