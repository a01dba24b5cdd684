/** What `vagrant ssh-config <machine>` says about how to reach a machine. */
export interface SshConfig {
    host: string;
    hostName: string;
    port: number;
    user: string;
    identityFile?: string;
}

/**
 * Parses `vagrant ssh-config` output (one or more `Host` blocks). Values may be quoted; the first
 * IdentityFile is the one Vagrant uses.
 */
export function parseSshConfig(text: string): SshConfig[] {
    const blocks: SshConfig[] = [];
    let cur: Partial<SshConfig> | undefined;
    const finish = () => {
        if (!cur) return;
        if (!cur.hostName || !cur.user) throw new Error(`vagrant ssh-config: Host ${cur.host} has no HostName or User`);
        blocks.push({
            host: cur.host!,
            hostName: cur.hostName,
            port: cur.port ?? 22,
            user: cur.user,
            ...(cur.identityFile ? { identityFile: cur.identityFile } : {}),
        });
    };
    for (const raw of text.split(/\r?\n/)) {
        const line = raw.trim();
        if (line === "" || line.startsWith("#")) continue;
        const m = /^(\S+)\s+(.*)$/.exec(line);
        if (!m) continue;
        const key = m[1].toLowerCase();
        const value = unquote(m[2].trim());
        if (key === "host") {
            finish();
            cur = { host: value };
        } else if (cur) {
            if (key === "hostname") cur.hostName = value;
            else if (key === "user") cur.user = value;
            else if (key === "port") {
                const port = Number(value);
                if (!Number.isInteger(port) || port < 1 || port > 65535)
                    throw new Error(`vagrant ssh-config: Host ${cur.host}: bad Port ${JSON.stringify(value)}`);
                cur.port = port;
            } else if (key === "identityfile" && cur.identityFile === undefined) cur.identityFile = value;
        }
    }
    finish();
    if (blocks.length === 0) throw new Error("vagrant ssh-config printed no Host block (is the machine running?)");
    return blocks;
}

function unquote(v: string): string {
    return v.length >= 2 && v.startsWith('"') && v.endsWith('"') ? v.slice(1, -1) : v;
}

/** Separates the ssh-config text from the identity file the same command printed after it. */
export const IDENTITY_MARK = "----- vagrant-shim identity file -----";

/**
 * Prints `vagrant ssh-config` for one machine, then the machine's identity file (read here, so the
 * key never appears on a command line; the caller keeps stdout secret).
 */
export function sshConfigScript(machine: string): string {
    if (!/^[a-z][a-z0-9-]{0,62}$/.test(machine)) throw new Error(`sshConfigScript: machine: expected a lowercase name, got ${JSON.stringify(machine)}`);
    return [
        "set -eu",
        `cfg=$(vagrant ssh-config ${machine})`,
        "printf '%s\\n' \"$cfg\"",
        `printf '%s\\n' '${IDENTITY_MARK}'`,
        // The first IdentityFile line; quotes around it are Vagrant's when the path has spaces.
        'key=$(printf \'%s\\n\' "$cfg" | awk \'tolower($1)=="identityfile" {sub(/^[ \\t]*[A-Za-z]+[ \\t]+/, ""); gsub(/^"|"$/, ""); print; exit}\')',
        'if [ -n "$key" ] && [ -r "$key" ]; then cat "$key"; fi',
    ].join("\n");
}

/** Splits that script's stdout into the parsed config and the identity file's content ("" if none). */
export function parseSshConfigOutput(stdout: string | undefined): { config: SshConfig; privateKey: string } {
    if (!stdout?.trim()) {
        throw new Error(
            "vagrant ssh-config printed nothing. Under Pulumi's mocks a command's stdout is what the mocks return (undefined with `state: args.inputs`): " +
                "mock it with a Host block (microservice-platform/testing's PlatformMocks do)",
        );
    }
    const i = stdout.indexOf(IDENTITY_MARK);
    const text = i < 0 ? stdout : stdout.slice(0, i);
    const key = i < 0 ? "" : stdout.slice(i + IDENTITY_MARK.length).replace(/^\r?\n/, "");
    return { config: parseSshConfig(text)[0], privateKey: key };
}
