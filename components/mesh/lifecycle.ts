import * as pulumi from "@pulumi/pulumi";
import { RemoteCommand } from "../exec/command";
import { Connection } from "../hosts/host";
import { q } from "../provision";

/** Runs a short script as root whether the SSH user is root or a sudoer. */
export function asRoot(script: string): string {
    return `if [ "$(id -u)" -eq 0 ]; then bash -c ${q(script)}; else sudo -n bash -c ${q(script)}; fi`;
}

/**
 * A resource whose only job is its `delete`: it runs when the host it stands for leaves the config
 * (or the stack is destroyed), so that a departing host is taken out of the mesh cleanly instead of
 * leaving a stale peer behind. It never re-runs on its own (no triggers), and its scripts hold no
 * secret (they are on the SSH command line).
 */
export function onRemoval(
    parent: pulumi.Resource,
    name: string,
    args: { connection: pulumi.Input<Connection>; create: string; delete: pulumi.Input<string>; dependsOn: pulumi.Input<pulumi.Resource>[] },
): RemoteCommand {
    return new RemoteCommand(
        name,
        {
            connection: args.connection,
            create: asRoot(args.create),
            delete: pulumi.output(args.delete).apply(asRoot),
            addPreviousOutputInEnv: false,
        },
        { parent, dependsOn: args.dependsOn },
    );
}
