import * as pulumi from "@pulumi/pulumi";
import * as command from "@pulumi/command";
import { Connection } from "./host";

export interface WaitForSshOptions {
    /** How long the host may take to answer SSH and finish booting (default 10m). */
    timeout?: string;
    /** Resources the host needs first (its container or instance). */
    dependsOn?: pulumi.Input<pulumi.Resource>[];
    /** Values whose change means a new machine: wait again (e.g. the container or instance id). */
    triggers?: pulumi.Input<unknown>[];
}

/**
 * Waits until the host answers SSH and has finished booting (systemd, and cloud-init where there is
 * one, so that apt is free); bounded by `timeout` on each side: SSH dials retry until the resource
 * times out, then the script waits at most 300 s for boot. Prints the host name.
 */
export function readyScript(): string {
    return [
        "set -u",
        // `--wait` blocks until boot is over; "degraded" (a failed unit) still means booted.
        'if command -v systemctl >/dev/null; then s=$(timeout 300 systemctl is-system-running --wait 2>/dev/null || true); case "$s" in running|degraded) ;; *) echo "systemd is $s after 300 s" >&2; exit 1;; esac; fi',
        "if command -v cloud-init >/dev/null; then timeout 300 cloud-init status --wait >/dev/null || { echo 'cloud-init did not finish within 300 s' >&2; exit 1; }; fi",
        'echo "ready: $(hostname)"',
    ].join("\n");
}

/** The resource every step on the host depends on (Host.ready). */
export function waitForSsh(
    name: string,
    connection: pulumi.Input<Connection>,
    parent: pulumi.Resource,
    opts: WaitForSshOptions = {},
): command.remote.Command {
    // Dial until the resource's create timeout: a booting machine refuses connections for a while.
    const conn = pulumi.output(connection).apply((c) => ({
        ...c,
        dialErrorLimit: -1,
        perDialTimeout: 10,
        ...(c.proxy ? { proxy: { ...c.proxy, dialErrorLimit: -1, perDialTimeout: 10 } } : {}),
    }));
    return new command.remote.Command(
        name,
        {
            connection: pulumi.secret(conn),
            create: readyScript(),
            triggers: opts.triggers,
            addPreviousOutputInEnv: false,
        },
        { parent, dependsOn: opts.dependsOn, customTimeouts: { create: opts.timeout ?? "10m", update: opts.timeout ?? "10m" } },
    );
}
