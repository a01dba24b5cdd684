import type * as pulumi from "@pulumi/pulumi";

/**
 * How to reach a host over SSH, as the exec providers receive it (plain values; the resources keep
 * the whole connection secret in state). Field names and defaults follow @pulumi/command's
 * `remote.Connection`, plus `dialTimeout` and a known_hosts-style `hostKey`.
 */
export interface Connection {
    /** Address of the host (name or IP). */
    host: string;
    /** SSH port (default 22). */
    port?: number;
    /** User to log in as (default "root"). */
    user?: string;
    /** An OpenSSH or PEM private key (the text, not a path). */
    privateKey?: string;
    /** Passphrase of `privateKey` (given to ssh through SSH_ASKPASS, never on a command line). */
    privateKeyPassword?: string;
    /** Password authentication (given to ssh through SSH_ASKPASS, never on a command line). */
    password?: string;
    /** SSH agent socket to use instead of $SSH_AUTH_SOCK. */
    agentSocketPath?: string;
    /** Dial attempts before giving up (default 10); -1: keep dialing for `dialTimeout` seconds. */
    dialErrorLimit?: number;
    /** Seconds each dial may take (ssh ConnectTimeout; default 15). */
    perDialTimeout?: number;
    /** Seconds to keep dialing in total when `dialErrorLimit` is -1 (default 180). */
    dialTimeout?: number;
    /** The host's public key as a known_hosts line without host ("ssh-ed25519 AAAA..."): checked strictly when given. */
    hostKey?: string;
    /** A jump host to reach `host` through (ssh -W). */
    proxy?: Connection;
}

/** A Connection as resource arguments take it (any field may be an Output). */
export interface ConnectionArgs {
    host: pulumi.Input<string>;
    port?: pulumi.Input<number>;
    user?: pulumi.Input<string>;
    privateKey?: pulumi.Input<string>;
    privateKeyPassword?: pulumi.Input<string>;
    password?: pulumi.Input<string>;
    agentSocketPath?: pulumi.Input<string>;
    dialErrorLimit?: pulumi.Input<number>;
    perDialTimeout?: pulumi.Input<number>;
    dialTimeout?: pulumi.Input<number>;
    hostKey?: pulumi.Input<string>;
    proxy?: pulumi.Input<ConnectionArgs>;
}

/** The `connection` argument of the exec resources. */
export type ConnectionInput = pulumi.Input<ConnectionArgs>;

export const DEFAULT_PORT = 22;
export const DEFAULT_USER = "root";
export const DEFAULT_DIAL_ERROR_LIMIT = 10;
export const DEFAULT_PER_DIAL_TIMEOUT = 15;
export const DEFAULT_DIAL_TIMEOUT = 180;
