import * as pulumi from "@pulumi/pulumi";
import { RemoteCommand } from "../exec/command";
import { Host } from "../hosts/host";
import { renderStepCheck } from "./check";
import { Op } from "./ops";
import { RUN_STDIN_AS_ROOT } from "./removal";
import { renderStep, sha256, STEP_RESULT } from "./script";

export interface StepOptions {
    /** Resources (on any host) that must be in place before this step runs. */
    dependsOn?: pulumi.Resource[];
    /** The script contains secrets: hide its output from logs and keep stdout/stderr secret in state. */
    secret?: boolean;
}

/**
 * One provisioning step on one host: a remote command that runs the rendered script, re-run by
 * `pulumi up` exactly when the script's content changes (its sha256 is the trigger: the ops, since
 * the runtime it sources is installed by the host's ready step and hashed there) or the machine
 * behind the host was replaced, and updated (run again) when `pulumi refresh` found the host
 * drifted from what the ops declare (see check.ts).
 */
export function hostStep(parent: pulumi.Resource, prefix: string, host: Host, step: string, ops: pulumi.Input<Op[]>, opts: StepOptions = {}): RemoteCommand {
    const rendered = pulumi.output(ops).apply((o) => renderStep(host.name, step, o as Op[]));
    const checked = pulumi.output(ops).apply((o) => renderStepCheck(host.name, step, o as Op[]));
    // A step declared secret stays secret in state even when none of its ops was a Pulumi secret.
    const script = opts.secret ? pulumi.secret(rendered) : rendered;
    const checkScript = opts.secret ? pulumi.secret(checked) : checked;
    return new RemoteCommand(
        `${prefix}-${host.name}-${step}`,
        {
            connection: host.connection,
            // The script arrives on stdin, so nothing it contains (secrets included) shows on a command line.
            create: RUN_STDIN_AS_ROOT,
            stdin: script,
            // `pulumi refresh` runs the check-only form: what differs on the host is then an update.
            check: RUN_STDIN_AS_ROOT,
            checkStdin: checkScript,
            // A replaced machine gets a new `ready` id: every step then runs again on the new machine.
            triggers: [script.apply(sha256), machineIdentity(host)],
            addPreviousOutputInEnv: false,
            logging: opts.secret ? "none" : "stdoutAndStderr",
        },
        {
            parent,
            dependsOn: [host.ready, ...(opts.dependsOn ?? [])],
            additionalSecretOutputs: opts.secret ? ["stdout", "stderr"] : [],
            deleteBeforeReplace: false,
        },
    );
}

/** What identifies the machine behind a host: a change re-runs every step there. */
export function machineIdentity(host: Host): pulumi.Input<string> {
    return host.machineId ?? (pulumi.CustomResource.isInstance(host.ready) ? host.ready.id : host.name);
}

/** Steps on one host that run in the order they are added. */
export class HostSteps {
    private last: pulumi.Resource[];
    readonly commands: RemoteCommand[] = [];

    constructor(
        private readonly parent: pulumi.Resource,
        private readonly prefix: string,
        readonly host: Host,
        after: pulumi.Resource[] = [],
    ) {
        this.last = after;
    }

    add(step: string, ops: pulumi.Input<Op[]>, opts: StepOptions = {}): RemoteCommand {
        const cmd = hostStep(this.parent, this.prefix, this.host, step, ops, {
            ...opts,
            dependsOn: [...this.last, ...(opts.dependsOn ?? [])],
        });
        this.last = [cmd];
        this.commands.push(cmd);
        return cmd;
    }
}

/**
 * What a step printed before its result line (e.g. a certificate that an `emit` op printed); "" when
 * it printed nothing, as under Pulumi's plain mocks, where a command's stdout is undefined.
 */
export function stepPayload(stdout: string | undefined): string {
    return (stdout ?? "")
        .split("\n")
        .filter((line) => !STEP_RESULT.test(line))
        .join("\n")
        .trim();
}
