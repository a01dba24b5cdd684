import type { Role } from "../../components/hosts/host";
import type { Issue } from "../../components/hosts/spec";
import { ZOOKEEPER_DEFAULT_ADMIN_PORT, ZOOKEEPER_DEFAULT_CLIENT_PORT, ZOOKEEPER_ELECTION_PORT, ZOOKEEPER_PEER_PORT } from "../../components/zookeeper/settings";

/**
 * Every port a host listens on, from its roles and the stack config, so that two services never
 * share one (the second would fail to bind only when its step runs, after the stack was built).
 */

type Protocol = "tcp" | "udp";

interface Listener {
    from: number;
    to: number;
    protocol: Protocol;
    /** The config key that sets it (the error is reported there), or undefined for a fixed port. */
    key?: (string | number)[];
    what: string;
}

/** What the rule needs of the stack config (the parsed StackConfig has all of it). */
export interface PortsView {
    target: string;
    hosts: { name: string; roles: readonly Role[]; agentAttributes?: Readonly<Record<string, string>> }[];
    existing: { port: number };
    mesh: { implementation: string; weave?: { scope: { enabled: boolean; port: number } } };
    zookeeper: { clientPort?: number; adminServerPort?: number | false };
    mesos: { masterPort: number; agentPort: number; marathon: { httpPort: number } };
    registry: { port: number };
    logging: { port: number; protocol: string; relpPort: number; localPort: number };
    apps: { enabled: boolean; nginx: { hostPort: number; host?: string }; entry: { enabled?: boolean; port: number } };
}

/** Mesos agents offer this range to tasks (the agent's default `ports` resource). */
export const MESOS_TASK_PORTS = { from: 31000, to: 32000 };

/**
 * Listeners in the order they are checked: fixed ports and the platform's own services first, so
 * that a clash is reported at the key that was moved onto another service's port.
 */
function listeners(c: PortsView, host: PortsView["hosts"][number], nginxHost: string | undefined): Listener[] {
    const out: Listener[] = [];
    const add = (port: number, what: string, key?: (string | number)[], protocol: Protocol = "tcp", to = port) => out.push({ from: port, to, protocol, key, what });
    const has = (r: Role) => host.roles.includes(r);
    if (c.target === "hosts") add(c.existing.port, "SSH", ["existing", "port"]);
    else add(22, "SSH");
    if (c.mesh.implementation === "weave") {
        add(6783, "Weave's control port");
        add(6784, "Weave's HTTP API");
        add(6783, "Weave's data port", undefined, "udp", 6784);
        if (c.mesh.weave?.scope.enabled) add(c.mesh.weave.scope.port, "Weave Scope", ["mesh", "weave", "scope", "port"]);
    } else {
        add(2377, "the swarm manager port");
        add(7946, "swarm gossip");
        add(7946, "swarm gossip", undefined, "udp");
        add(4789, "the overlay's VXLAN port", undefined, "udp");
    }
    if (has("zookeeper")) {
        add(ZOOKEEPER_PEER_PORT, "ZooKeeper's peer port");
        add(ZOOKEEPER_ELECTION_PORT, "ZooKeeper's election port");
        add(c.zookeeper.clientPort ?? ZOOKEEPER_DEFAULT_CLIENT_PORT, "ZooKeeper's client port", ["zookeeper", "clientPort"]);
        const admin = c.zookeeper.adminServerPort ?? ZOOKEEPER_DEFAULT_ADMIN_PORT;
        if (admin !== false) add(admin, "ZooKeeper's AdminServer", ["zookeeper", "adminServerPort"]);
    }
    if (has("master")) add(c.mesos.masterPort, "the Mesos master", ["mesos", "masterPort"]);
    if (has("agent")) {
        add(c.mesos.agentPort, "the Mesos agent", ["mesos", "agentPort"]);
        add(MESOS_TASK_PORTS.from, `Mesos task ports ${MESOS_TASK_PORTS.from}-${MESOS_TASK_PORTS.to}`, undefined, "tcp", MESOS_TASK_PORTS.to);
    }
    if (has("registry")) add(c.registry.port, "the Docker registry", ["registry", "port"]);
    if (has("logServer")) {
        add(c.logging.port, "the log server", ["logging", "port"]);
        if (c.logging.protocol === "relp") add(c.logging.relpPort, "the log server's RELP input", ["logging", "relpPort"]);
    }
    add(c.logging.localPort, "rsyslog's local Docker input", ["logging", "localPort"]);
    if (has("marathon")) add(c.mesos.marathon.httpPort, "Marathon", ["mesos", "marathon", "httpPort"]);
    if (c.apps.enabled && host.name === nginxHost) add(c.apps.nginx.hostPort, "nginx", ["apps", "nginx", "hostPort"]);
    if (c.apps.enabled && has("mgmt") && (c.apps.entry.enabled ?? c.target === "aws")) add(c.apps.entry.port, "the apps' public entry (HAProxy)", ["apps", "entry", "port"]);
    return out;
}

const show = (l: Listener) => (l.key ? `${l.key.join(".")}, ${l.what}, is ${l.from}` : l.from === l.to ? `${l.what}, ${l.from}` : l.what);

/**
 * `[path, message]` for every configured port that another service on the same host already
 * uses. `nginxHost`: the host nginx runs on (apps.nginx.host, else the first system agent).
 */
export function portIssues(c: PortsView, nginxHost: string | undefined): Issue[] {
    const issues: Issue[] = [];
    const reported = new Set<string>();
    for (const host of c.hosts) {
        const seen: Listener[] = [];
        for (const l of listeners(c, host, nginxHost)) {
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
