import { Lab } from "./harness";

/** What a no-op run must leave as it was on each host: service PIDs and managed files. */
export interface HostSnapshot {
    /** Running service -> MainPID. */
    pids: Record<string, string>;
    /** Path -> "sha256 mode owner:group" of every regular file and symlink target under the managed trees. */
    files: Record<string, string>;
    /** Path -> mtime (a file rewritten with the same bytes is still a change a no-op must not make). */
    mtimes: Record<string, string>;
}

// Where steps write: configuration, units, tools. Runtime state (/var, /run) is not compared.
const TREES = "/etc /usr/local /opt";

const SCRIPT =
    `
set -e
systemctl list-units --type=service --state=running --no-legend --plain | awk '{print $1}' | while read -r u; do
  echo "P $u $(systemctl show -p MainPID --value "$u")"
done
find ${TREES} -xdev \\( -type f -o -type l \\) 2>/dev/null | LC_ALL=C sort | while read -r f; do
  if [ -L "$f" ]; then echo "F $f link:$(readlink "$f")"; else echo "F $f $(sha256sum < "$f" | cut -c1-64) $(stat -c '%a %U:%G' "$f")"; ` +
    `echo "M $f $(stat -c %Y.%y "$f")"; fi
done
`;

export async function snapshot(lab: Lab): Promise<Record<string, HostSnapshot>> {
    const entries = await Promise.all(
        Object.values(lab.hosts).map(async (h) => {
            const r = await h.sh("bash -s", { input: SCRIPT, timeoutMs: 120_000 });
            if (r.code !== 0) throw new Error(`snapshot of ${h.name} failed: ${r.stderr}`);
            const s: HostSnapshot = { pids: {}, files: {}, mtimes: {} };
            for (const line of r.stdout.split("\n")) {
                const m = /^([PFM]) (\S+) (.*)$/.exec(line);
                if (!m) continue;
                (m[1] === "P" ? s.pids : m[1] === "F" ? s.files : s.mtimes)[m[2]] = m[3];
            }
            return [h.name, s] as const;
        }),
    );
    return Object.fromEntries(entries);
}

/** `host: key before -> after` for every key whose value differs (or exists on one side only). */
export function differences(before: Record<string, HostSnapshot>, after: Record<string, HostSnapshot>, field: keyof HostSnapshot): string[] {
    const out: string[] = [];
    for (const host of Object.keys(before)) {
        const a = before[host][field];
        const b = after[host]?.[field] ?? {};
        for (const k of new Set([...Object.keys(a), ...Object.keys(b)])) {
            if (a[k] !== b[k]) out.push(`${host}: ${k} ${a[k] ?? "(none)"} -> ${b[k] ?? "(none)"}`);
        }
    }
    return out;
}
