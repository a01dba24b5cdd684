import * as pulumi from "@pulumi/pulumi";
import { LocalCommand } from "../../exec/command";
import { PRINTED_NOTHING } from "../../hosts/ssh-key";

export interface ReplicationKey {
    /** OpenSSH private key (a Pulumi secret). */
    privateKey: pulumi.Output<string>;
    /** `ssh-ed25519 AAAA... comment`. */
    publicKey: pulumi.Output<string>;
}

/**
 * ed25519 key pair made by ssh-keygen where `pulumi up` runs, once (on create), in a temporary
 * directory removed on exit. Both halves come back on stdout, which is a secret in state and never
 * logged; the key exists nowhere else (never in the repo, never root's login key).
 */
export const KEYGEN_SCRIPT = [
    "set -eu",
    "d=$(mktemp -d)",
    "trap 'rm -rf \"$d\"' EXIT",
    "ssh-keygen -q -t ed25519 -N '' -C microservice-volumes-replication -f \"$d/key\" >/dev/null",
    'cat "$d/key" "$d/key.pub"',
].join("\n");

export function generateReplicationKey(name: string, parent: pulumi.Resource): ReplicationKey {
    const gen = new LocalCommand(
        name,
        { create: KEYGEN_SCRIPT, logging: "none", addPreviousOutputInEnv: false },
        { parent, additionalSecretOutputs: ["stdout", "stderr"] },
    );
    const out = pulumi.secret(gen.stdout);
    return {
        privateKey: out.apply(splitKeyPair).apply((k) => k.privateKey),
        // The public half is no secret: it is printed in authorized_keys files anyway.
        publicKey: pulumi.unsecret(out.apply(splitKeyPair).apply((k) => k.publicKey)),
    };
}

/** Splits ssh-keygen's two files, printed one after the other. */
export function splitKeyPair(stdout: string | undefined): { privateKey: string; publicKey: string } {
    if (!stdout?.trim()) throw new Error(`replication key: ${PRINTED_NOTHING}`);
    const end = stdout.indexOf("-----END OPENSSH PRIVATE KEY-----");
    if (!stdout.startsWith("-----BEGIN OPENSSH PRIVATE KEY-----") || end < 0) throw new Error("replication key: ssh-keygen printed no OpenSSH private key");
    const cut = end + "-----END OPENSSH PRIVATE KEY-----".length;
    const publicKey = stdout.slice(cut).trim();
    if (!/^ssh-ed25519 [A-Za-z0-9+/=]+( .*)?$/.test(publicKey)) throw new Error("replication key: ssh-keygen printed no ed25519 public key");
    return { privateKey: stdout.slice(0, cut) + "\n", publicKey };
}
