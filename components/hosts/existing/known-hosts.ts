/**
 * Host keys of machines the stack did not make (target hosts): known_hosts lines from config, or,
 * with the trust-on-first-use opt-in, the key ssh-keyscan reads at the first `pulumi up`, kept in
 * state and pinned from then on. Pure functions (the scan script runs in a command).
 */

const KEY_TYPES = ["ssh-ed25519", "ecdsa-sha2-nistp521", "ecdsa-sha2-nistp384", "ecdsa-sha2-nistp256", "rsa-sha2-512", "rsa-sha2-256", "ssh-rsa"] as const;
/** Strongest first: the key a connection pins when a host has several. */
const PREFERENCE = (type: string) => {
    const i = KEY_TYPES.indexOf(type as (typeof KEY_TYPES)[number]);
    return i < 0 ? KEY_TYPES.length : i;
};

/** `names type key [comment]`: names in clear (host, [host]:port, comma-separated), no hashes, wildcards or @markers. */
export const KNOWN_HOSTS_LINE =
    /^([A-Za-z0-9.:[\]-]+(,[A-Za-z0-9.:[\]-]+)*) (ssh-ed25519|ecdsa-sha2-nistp(256|384|521)|ssh-rsa) ([A-Za-z0-9+/]+={0,3})( [^\n]*)?$/;
export const KNOWN_HOSTS_EXPECTED =
    'expected a known_hosts line like "192.0.2.10 ssh-ed25519 AAAA..." (host names in clear, no hashed names, wildcards or @markers)';

/** How known_hosts names a host: `host` on port 22, `[host]:port` otherwise. */
export function knownHostsName(host: string, port: number): string {
    return port === 22 ? host : `[${host}]:${port}`;
}

/** The key ("type base64") the lines give for host:port, the strongest if several; undefined when none. */
export function hostKeyFor(lines: readonly string[], host: string, port: number): string | undefined {
    const name = knownHostsName(host, port);
    const keys = lines
        .map((l) => KNOWN_HOSTS_LINE.exec(l.trim()))
        .filter((m): m is RegExpExecArray => !!m && m[1].split(",").includes(name))
        .map((m) => ({ type: m[3], key: m[5] }))
        .sort((a, b) => PREFERENCE(a.type) - PREFERENCE(b.type));
    return keys.length ? `${keys[0].type} ${keys[0].key}` : undefined;
}

/** One machine to pin: where it is, and how config and messages name it. */
export interface PinTarget {
    host: string;
    port: number;
    /** e.g. `hosts[3] node3` or `the jump host`. */
    label: string;
}

/** Every machine without a known_hosts line, as the message a config or args check reports (empty when all have one). */
export function missingHostKeys(lines: readonly string[], targets: readonly PinTarget[], optIn: string): string[] {
    return targets
        .filter((t) => hostKeyFor(lines, t.host, t.port) === undefined)
        .map((t) => {
            const name = knownHostsName(t.host, t.port);
            return (
                `expected a known_hosts line for ${t.label} (${name}), like "${name} ssh-ed25519 AAAA..." ` +
                `(ssh-keyscan output, checked against the host's own fingerprint), ` +
                `or ${optIn}: true to pin the key it shows at the first up (docs/hosts.md, "Host keys")`
            );
        });
}

/**
 * Reads the host's keys (HOST, PORT) with ssh-keyscan, dialing again for a bounded while (the host
 * may still be booting): run where `pulumi up` runs, or on the jump host for hosts behind it.
 */
export function keyscanScript(): string {
    return [
        "set -u",
        "i=0",
        "while [ $i -lt 30 ]; do",
        '  out=$(ssh-keyscan -T 5 -p "$PORT" -t ed25519,ecdsa,rsa -- "$HOST" 2>/dev/null || true)',
        '  if printf "%s\\n" "$out" | grep -q "^[^#]"; then printf "%s\\n" "$out"; exit 0; fi',
        "  i=$((i+1)); sleep 2",
        "done",
        'echo "ssh-keyscan: no SSH host key from $HOST:$PORT after 30 attempts (is it up, and is ssh-keyscan installed where this runs?)" >&2',
        "exit 1",
    ].join("\n");
}

/** The strongest key in ssh-keyscan's output ("type base64"); `where` names the host in the error. */
export function parseKeyscan(stdout: string | undefined, where: string): string {
    const keys = String(stdout ?? "")
        .split("\n")
        .map((l) => /^\S+ (ssh-ed25519|ecdsa-sha2-nistp(?:256|384|521)|ssh-rsa) ([A-Za-z0-9+/]+={0,3})\s*$/.exec(l.trim()))
        .filter((m): m is RegExpExecArray => !!m)
        .map((m) => ({ type: m[1], key: m[2] }))
        .sort((a, b) => PREFERENCE(a.type) - PREFERENCE(b.type));
    if (!keys.length) {
        throw new Error(
            `no SSH host key from ${where} in the ssh-keyscan output (under Pulumi's mocks: mock that command's stdout ` +
                `with a line like "<host> ssh-ed25519 AAAA...", as the PlatformMocks of microservice-platform/testing do)`,
        );
    }
    return `${keys[0].type} ${keys[0].key}`;
}
