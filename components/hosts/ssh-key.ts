import * as pulumi from "@pulumi/pulumi";
import { LocalCommand } from "../exec/command";

export interface StackSshKeyArgs {
    /** Comment on the public key (default `microservice-<stack>`). */
    comment?: string;
}

/**
 * The one SSH key of a stack (local, vagrant and aws targets): ed25519, made once by ssh-keygen
 * where `pulumi up` runs, in a private temp dir that is removed at once. The private half lives
 * only in state, as a secret; the command prints nothing to the log.
 */
export class StackSshKey extends pulumi.ComponentResource {
    readonly privateKey: pulumi.Output<string>;
    readonly publicKey: pulumi.Output<string>;

    constructor(name: string, args: StackSshKeyArgs = {}, opts: pulumi.ComponentResourceOptions = {}) {
        const comment = args.comment ?? `microservice-${pulumi.getStack()}`;
        if (!/^[A-Za-z0-9@._-]{1,64}$/.test(comment))
            throw new Error(`StackSshKey "${name}": comment: expected letters, digits, @ . _ -, got ${JSON.stringify(comment)}`);
        super("microservice:index:StackSshKey", name, {}, opts);
        const gen = new LocalCommand(
            `${name}-keygen`,
            { create: keygenScript(comment), logging: "none" },
            { parent: this, additionalSecretOutputs: ["stdout"] },
        );
        const pair = gen.stdout.apply(parseKeyPair);
        // Secret in code too: the engine applies additionalSecretOutputs, the mock monitor does not.
        this.privateKey = pulumi.secret(pair.apply((p) => p.privateKey));
        this.publicKey = pulumi.unsecret(pair.apply((p) => p.publicKey));
        this.registerOutputs({ privateKey: this.privateKey, publicKey: this.publicKey });
    }
}

/**
 * A key command that succeeded without output: ssh-keygen was not run (a missing ssh-keygen fails
 * the command itself). That happens under Pulumi's mocks, which return a command's stdout.
 */
export const PRINTED_NOTHING =
    "the ssh-keygen command printed nothing. Under Pulumi's mocks a command's stdout is what the mocks return (undefined with `state: args.inputs`): " +
    "mock that command's stdout with a key pair, e.g. with the PlatformMocks of microservice-platform/testing";

/** The key pair on stdout: the private key, then the public line. Nothing touches a command line but the comment. */
export function keygenScript(comment: string): string {
    return [
        "set -eu",
        "d=$(mktemp -d)",
        "trap 'rm -rf \"$d\"' EXIT",
        `ssh-keygen -q -t ed25519 -N '' -C '${comment}' -f "$d/id" </dev/null >/dev/null`,
        'cat "$d/id" "$d/id.pub"',
    ].join("\n");
}

/** Splits ssh-keygen's two files; anything else is refused (it would become an unusable key). */
export function parseKeyPair(stdout: string | undefined, who = "StackSshKey"): { privateKey: string; publicKey: string } {
    if (!stdout?.trim()) throw new Error(`${who}: ${PRINTED_NOTHING}`);
    const end = "-----END OPENSSH PRIVATE KEY-----";
    const i = stdout.indexOf(end);
    const begin = stdout.indexOf("-----BEGIN OPENSSH PRIVATE KEY-----");
    const pub = stdout.slice(i + end.length).trim();
    if (begin < 0 || i < begin || !/^ssh-ed25519 [A-Za-z0-9+/=]+( \S+)?$/.test(pub)) {
        throw new Error("ssh-keygen did not print an ed25519 key pair (is openssh-client installed where pulumi runs?)");
    }
    return { privateKey: stdout.slice(begin, i + end.length) + "\n", publicKey: pub };
}
