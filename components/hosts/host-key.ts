import * as pulumi from "@pulumi/pulumi";
import { LocalCommand } from "../exec/command";
import { keygenScript, parseKeyPair } from "./ssh-key";

/** Where sshd finds the host key the stack pins (Debian and Ubuntu alike). */
export const HOST_KEY_PATH = "/etc/ssh/ssh_host_ed25519_key";

/**
 * One host's SSH identity, made where `pulumi up` runs (ssh-keygen, as StackSshKey) by the stack
 * that makes the host: the target puts the private half on the host before sshd starts, and every
 * connection pins the public half (`hostKey`). Made once: a replaced container or VM gets the same key.
 */
export class SshHostKey extends pulumi.ComponentResource {
    /** Secret: the OpenSSH private key, as sshd reads it from HOST_KEY_PATH. */
    readonly privateKey: pulumi.Output<string>;
    /** "ssh-ed25519 AAAA..." without comment: what a connection's `hostKey` holds. */
    readonly publicKey: pulumi.Output<string>;

    constructor(name: string, args: { host: string }, opts: pulumi.ComponentResourceOptions = {}) {
        const comment = `root@${args.host}`;
        if (!/^[A-Za-z0-9@._-]{1,64}$/.test(comment)) throw new Error(`SshHostKey "${name}": host: expected a host name, got ${JSON.stringify(args.host)}`);
        super("microservice:index:SshHostKey", name, {}, opts);
        const gen = new LocalCommand(
            `${name}-keygen`,
            { create: keygenScript(comment), logging: "none" },
            { parent: this, additionalSecretOutputs: ["stdout"] },
        );
        const pair = gen.stdout.apply((out) => parseKeyPair(out, "SshHostKey"));
        // Secret in code too: the engine applies additionalSecretOutputs, the mock monitor does not.
        this.privateKey = pulumi.secret(pair.apply((p) => p.privateKey));
        this.publicKey = pulumi.unsecret(pair.apply((p) => hostKeyOf(p.publicKey)));
        this.registerOutputs({ privateKey: this.privateKey, publicKey: this.publicKey });
    }
}

/** A public key line reduced to what a known_hosts entry pins: type and key, no comment. */
export function hostKeyOf(publicKeyLine: string): string {
    return publicKeyLine.trim().split(/\s+/).slice(0, 2).join(" ");
}

/** One SshHostKey per host, named `<prefix>-<host>-host`. */
export function hostKeys(prefix: string, hosts: readonly { name: string }[], parent: pulumi.Resource): Record<string, SshHostKey> {
    return Object.fromEntries(hosts.map((h) => [h.name, new SshHostKey(`${prefix}-${h.name}-host`, { host: h.name }, { parent })]));
}

/**
 * cloud-init user data that installs the host key before sshd first starts (AWS): the image's
 * own host keys are deleted and no other type is generated, so the host has exactly one identity.
 * Holds the private key: the user data must stay a Pulumi secret.
 */
export function hostKeyCloudConfig(privateKey: string, publicKey: string): string {
    const pem = privateKey.trim().split("\n");
    if (
        !/^-----BEGIN OPENSSH PRIVATE KEY-----$/.test(pem[0]) ||
        !/^-----END OPENSSH PRIVATE KEY-----$/.test(pem[pem.length - 1]) ||
        pem.some((l) => !/^[A-Za-z0-9+/= -]*$/.test(l))
    ) {
        throw new Error("hostKeyCloudConfig: expected an OpenSSH private key");
    }
    if (!/^ssh-ed25519 [A-Za-z0-9+/=]+$/.test(hostKeyOf(publicKey))) throw new Error("hostKeyCloudConfig: expected an ssh-ed25519 public key");
    return [
        "#cloud-config",
        "ssh_deletekeys: true",
        "ssh_genkeytypes: []",
        "ssh_keys:",
        "  ed25519_private: |",
        ...pem.map((l) => `    ${l}`),
        `  ed25519_public: ${JSON.stringify(hostKeyOf(publicKey))}`,
        "",
    ].join("\n");
}
