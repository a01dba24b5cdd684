import * as pulumi from "@pulumi/pulumi";
import { RemoteCommand } from "../exec/command";
import { Host } from "../hosts/host";
import { q } from "../provision";

const asRoot = (script: string) => `if [ "$(id -u)" -eq 0 ]; then bash -c ${q(script)}; else sudo -n bash -c ${q(script)}; fi`;

/**
 * A resource whose only job is its `delete`: when a host leaves a role (or the stack is
 * destroyed) the daemon it ran is stopped and its unit removed, instead of running on unmanaged.
 * No triggers: it never re-runs by itself. Its script holds no secret (it is on the SSH command line).
 */
export function onRemoval(parent: pulumi.Resource, name: string, host: Host, script: string, dependsOn: pulumi.Resource[]): RemoteCommand {
    return new RemoteCommand(
        name,
        {
            connection: host.connection,
            // Nothing here may carry the resource's name: a renamed (aliased) component must change nothing.
            create: "true",
            delete: asRoot(script),
            addPreviousOutputInEnv: false,
        },
        { parent, dependsOn },
    );
}
