import type { Issue } from "../../components/hosts/spec";
import { platformPorts, PortsView, PortUse } from "../../components/ports";
import type { HostTarget } from "../../components/hosts/target";

/**
 * No two services on one port of a host: the second would fail to bind only when its step runs,
 * after the stack was built. The ports are components/ports.ts's, the same that AWS opens.
 */

const show = (l: PortUse) => (l.key ? `${l.key.join(".")}, ${l.service}, is ${l.from}` : l.from === l.to ? `${l.service}, ${l.from}` : l.service);

/**
 * `[path, message]` for every configured port that another service on the same host already
 * uses. `nginxHost`: the host nginx runs on (apps.nginx.host, else the first system agent);
 * `target`: what the hosts' target offers (config/sections/hosts.ts hostTarget).
 */
export function portIssues(c: PortsView, nginxHost: string | undefined, target: HostTarget): Issue[] {
    const issues: Issue[] = [];
    const reported = new Set<string>();
    const all = platformPorts(c, nginxHost, target).filter((p) => p.protocol !== "icmp");
    for (const host of c.hosts) {
        const seen: PortUse[] = [];
        for (const l of all.filter((p) => p.host === host.name)) {
            const clash = seen.find((s) => s.protocol === l.protocol && s.from <= l.to && l.from <= s.to);
            // Reported at the later key; at the earlier one when the later port is fixed.
            const [at, other] = clash && !l.key ? [clash, l] : [l, clash];
            if (clash && at.key && !reported.has(at.key.join("."))) {
                reported.add(at.key.join("."));
                issues.push([at.key, `expected a port that no other service on ${host.name} uses (${show(other!)})`]);
            }
            seen.push(l);
        }
    }
    return issues;
}
