import * as pulumi from "@pulumi/pulumi";
import { RemoteCommand } from "../exec/command";
import { Connection } from "../hosts/host";
import { q } from "./script";

/** Runs the script arriving on stdin as root, whether the SSH user is root or a sudoer (every step). */
export const RUN_STDIN_AS_ROOT = `if [ "$(id -u)" -eq 0 ]; then exec bash -s; else exec sudo -n bash -s; fi`;

/** Runs a short script as root, whether the SSH user is root or a sudoer. The script is on the command line: no secrets. */
export function asRoot(script: string): string {
    return `if [ "$(id -u)" -eq 0 ]; then bash -c ${q(script)}; else sudo -n bash -c ${q(script)}; fi`;
}

export interface RemovalArgs {
    /** The host that runs `delete` (a daemon's own host, or a peer that cleans up after it). */
    connection: pulumi.Input<Connection>;
    /** Run once when the resource is created (default: nothing); as root. Never the resource's name: renames must change nothing. */
    create?: string;
    /** What removal does on the host, as root. */
    delete: pulumi.Input<string>;
    dependsOn: pulumi.Input<pulumi.Resource>[];
}

/**
 * A resource whose only job is its `delete`: when a host leaves a role or the config (or the stack
 * is destroyed), the daemon it ran is stopped and its unit removed, or the host is taken out of a
 * mesh cleanly, instead of running on unmanaged or leaving a stale peer behind. It never re-runs on
 * its own (no triggers); its scripts are on the SSH command line, so they hold no secret.
 */
export function onRemoval(parent: pulumi.Resource, name: string, args: RemovalArgs): RemoteCommand {
    return new RemoteCommand(
        name,
        {
            connection: args.connection,
            create: asRoot(args.create ?? "true"),
            delete: pulumi.output(args.delete).apply(asRoot),
            addPreviousOutputInEnv: false,
        },
        { parent, dependsOn: args.dependsOn },
    );
}
