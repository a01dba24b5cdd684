import * as pulumi from "@pulumi/pulumi";
import { Connection, ConnectionInput } from "./connection";
import { providerFor } from "./provider";
import type { Kind } from "./impl";

/**
 * Dynamic-provider stand-ins for @pulumi/command's remote.Command, local.Command and
 * remote.CopyToRemote: the same input names and semantics (see impl.ts), run by the Node dynamic
 * provider host that ships with @pulumi/pulumi instead of the Go provider plugin.
 */

export const REMOTE_COMMAND = "pulumi-nodejs:dynamic/exec:RemoteCommand";
export const LOCAL_COMMAND = "pulumi-nodejs:dynamic/exec:LocalCommand";
export const COPY_TO_REMOTE = "pulumi-nodejs:dynamic/exec:CopyToRemote";

export type Logging = "stdout" | "stderr" | "stdoutAndStderr" | "none";

export interface RemoteCommandArgs {
    /** How to reach the host; kept secret in state as a whole. */
    connection: ConnectionInput;
    /** Run on create (and on update when there is no `update`). */
    create: pulumi.Input<string>;
    update?: pulumi.Input<string>;
    /** Run on delete, with the inputs the resource had. */
    delete?: pulumi.Input<string>;
    stdin?: pulumi.Input<string>;
    /** Exported for the command (sent over stdin, never on a command line). */
    environment?: pulumi.Input<Record<string, pulumi.Input<string>>>;
    /** Any change replaces the resource (runs delete, then create). */
    triggers?: pulumi.Input<unknown[]>;
    /** "none" hides the output from error messages (default "stdoutAndStderr"). */
    logging?: pulumi.Input<Logging>;
    /** Pass the previous stdout/stderr as PULUMI_COMMAND_STDOUT/STDERR to update and delete (default true). */
    addPreviousOutputInEnv?: pulumi.Input<boolean>;
    /**
     * Run by `pulumi refresh` (not a @pulumi/command input): a read-only command that prints one line
     * `DRIFT <what>` per way the host differs from what `create` makes, and nothing when it does
     * not. Drift is kept in the `drift` output, and the next up updates (re-runs) the command.
     */
    check?: pulumi.Input<string>;
    /** Stdin of `check`. */
    checkStdin?: pulumi.Input<string>;
}

export interface LocalCommandArgs {
    create: pulumi.Input<string>;
    update?: pulumi.Input<string>;
    delete?: pulumi.Input<string>;
    stdin?: pulumi.Input<string>;
    /** Added to this process's environment. */
    environment?: pulumi.Input<Record<string, pulumi.Input<string>>>;
    /** Working directory (default: the provider's, i.e. the project directory). */
    dir?: pulumi.Input<string>;
    /** The program and its leading arguments; the command is appended (default ["/bin/sh", "-c"]). */
    interpreter?: pulumi.Input<pulumi.Input<string>[]>;
    triggers?: pulumi.Input<unknown[]>;
    logging?: pulumi.Input<Logging>;
    addPreviousOutputInEnv?: pulumi.Input<boolean>;
}

export interface CopyToRemoteArgs {
    connection: ConnectionInput;
    /**
     * A FileAsset (a file), a StringAsset, or a FileArchive of a directory (or of a .tar/.tar.gz
     * file). Relative paths are resolved against the project directory.
     */
    source: pulumi.Input<pulumi.asset.Asset | pulumi.asset.Archive>;
    /** A file: the destination file (or an existing directory to copy into). An archive: the directory its contents land in. */
    remotePath: pulumi.Input<string>;
    triggers?: pulumi.Input<unknown[]>;
}

// One provider object per kind: the SDK caches its serialization per object.
const providers: Partial<Record<Kind, pulumi.dynamic.ResourceProvider>> = {};
function provider(kind: Kind): pulumi.dynamic.ResourceProvider {
    return (providers[kind] ??= providerFor(kind));
}

function withSecretConnection(opts: pulumi.CustomResourceOptions | undefined): pulumi.CustomResourceOptions {
    return pulumi.mergeOptions(opts, { additionalSecretOutputs: ["connection"] });
}

/** A command run on a host over SSH (like @pulumi/command's remote.Command). */
export class RemoteCommand extends pulumi.dynamic.Resource {
    declare readonly connection: pulumi.Output<Connection>;
    declare readonly create: pulumi.Output<string>;
    declare readonly update: pulumi.Output<string | undefined>;
    declare readonly delete: pulumi.Output<string | undefined>;
    declare readonly stdin: pulumi.Output<string | undefined>;
    declare readonly environment: pulumi.Output<Record<string, string> | undefined>;
    declare readonly triggers: pulumi.Output<unknown[] | undefined>;
    declare readonly logging: pulumi.Output<Logging | undefined>;
    declare readonly addPreviousOutputInEnv: pulumi.Output<boolean | undefined>;
    declare readonly check: pulumi.Output<string | undefined>;
    declare readonly checkStdin: pulumi.Output<string | undefined>;
    declare readonly stdout: pulumi.Output<string>;
    declare readonly stderr: pulumi.Output<string>;
    /** What the last refresh's check found different on the host ("" or absent: nothing). */
    declare readonly drift: pulumi.Output<string | undefined>;

    constructor(name: string, args: RemoteCommandArgs, opts?: pulumi.CustomResourceOptions) {
        super(
            provider("remote"),
            name,
            {
                connection: pulumi.secret(args.connection),
                create: args.create,
                update: args.update,
                delete: args.delete,
                stdin: args.stdin,
                environment: args.environment,
                triggers: args.triggers,
                logging: args.logging,
                addPreviousOutputInEnv: args.addPreviousOutputInEnv,
                check: args.check,
                checkStdin: args.checkStdin,
                stdout: undefined,
                stderr: undefined,
                drift: undefined,
            },
            withSecretConnection(opts),
            "exec",
            "RemoteCommand",
        );
    }
}

/** A command run on the machine running Pulumi (like @pulumi/command's local.Command). */
export class LocalCommand extends pulumi.dynamic.Resource {
    declare readonly create: pulumi.Output<string>;
    declare readonly update: pulumi.Output<string | undefined>;
    declare readonly delete: pulumi.Output<string | undefined>;
    declare readonly stdin: pulumi.Output<string | undefined>;
    declare readonly environment: pulumi.Output<Record<string, string> | undefined>;
    declare readonly dir: pulumi.Output<string | undefined>;
    declare readonly interpreter: pulumi.Output<string[] | undefined>;
    declare readonly triggers: pulumi.Output<unknown[] | undefined>;
    declare readonly logging: pulumi.Output<Logging | undefined>;
    declare readonly addPreviousOutputInEnv: pulumi.Output<boolean | undefined>;
    declare readonly stdout: pulumi.Output<string>;
    declare readonly stderr: pulumi.Output<string>;

    constructor(name: string, args: LocalCommandArgs, opts?: pulumi.CustomResourceOptions) {
        super(
            provider("local"),
            name,
            {
                create: args.create,
                update: args.update,
                delete: args.delete,
                stdin: args.stdin,
                environment: args.environment,
                dir: args.dir,
                interpreter: args.interpreter,
                triggers: args.triggers,
                logging: args.logging,
                addPreviousOutputInEnv: args.addPreviousOutputInEnv,
                stdout: undefined,
                stderr: undefined,
            },
            opts,
            "exec",
            "LocalCommand",
        );
    }
}

/** Copies a file, text or directory to a host over SSH (like @pulumi/command's remote.CopyToRemote). */
export class CopyToRemote extends pulumi.dynamic.Resource {
    declare readonly connection: pulumi.Output<Connection>;
    declare readonly source: pulumi.Output<pulumi.asset.Asset | pulumi.asset.Archive>;
    declare readonly remotePath: pulumi.Output<string>;
    declare readonly triggers: pulumi.Output<unknown[] | undefined>;

    constructor(name: string, args: CopyToRemoteArgs, opts?: pulumi.CustomResourceOptions) {
        super(
            provider("copy"),
            name,
            {
                connection: pulumi.secret(args.connection),
                source: args.source,
                remotePath: args.remotePath,
                triggers: args.triggers,
            },
            withSecretConnection(opts),
            "exec",
            "CopyToRemote",
        );
    }
}
