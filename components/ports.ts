import { z } from "zod";
import type { Role } from "./hosts/host";
import { ZOOKEEPER_DEFAULT_ADMIN_PORT, ZOOKEEPER_DEFAULT_CLIENT_PORT, ZOOKEEPER_ELECTION_PORT, ZOOKEEPER_PEER_PORT } from "./zookeeper/settings";
import { SWARM_PORT } from "./mesh/overlay/ops";
import { chooseManager } from "./mesh/overlay/mesh";
import { appsEntryEnabled, HostTarget } from "./hosts/target";

/**
 * Every port each host of the platform listens on and who must reach it, derived from the stack's
 * settings: the one list that the port-conflict rule (config/sections/ports.ts) and the AWS
 * security groups (hosts/aws/security.ts) are made from, and docs/hosts.md's "Ports" table shows.
 */

/**
 * Who must reach a port: the other hosts (their network: the VPC on AWS), the admin network
 * (aws.adminCidr), the clients of the apps' public entry (apps.entry.allowFrom). No reach at all:
 * the host itself only (it listens on loopback).
 */
export const REACH = ["cluster", "admin", "entry"] as const;
export type Reach = (typeof REACH)[number];

export const portUseSchema = z
    .object({
        /** The host that listens. */
        host: z.string().min(1),
        protocol: z.enum(["tcp", "udp", "icmp"]),
        /** A port range (icmp: -1, every type). */
        from: z.number().int().min(-1).max(65535),
        to: z.number().int().min(-1).max(65535),
        /** What listens, e.g. "the Mesos master". */
        service: z.string().min(1),
        /** Where it runs, in words ("every host", "hosts with role master"). */
        on: z.string().min(1),
        reach: z.array(z.enum(REACH)),
        /** The stack config key that sets it; none for a fixed port. */
        key: z.array(z.union([z.string(), z.number()])).optional(),
    })
    .strict();
export type PortUse = z.output<typeof portUseSchema>;

/** What the derivation needs of the stack config (the parsed StackConfig has all of it). */
export interface PortsView {
    hosts: { name: string; roles: readonly Role[] }[];
    /** Target hosts: the hosts' SSH port (HostTarget.sshPortKey names this key). */
    existing: { port: number };
    mesh: { implementation: string; weave?: { scope: { enabled: boolean; port: number } }; overlay: { manager?: string } };
    zookeeper: { clientPort?: number; adminServerPort?: number | false };
    mesos: { masterPort: number; agentPort: number; marathon: { httpPort: number; tls?: boolean; httpsPort?: number } };
    registry: { port: number };
    logging: { port: number; protocol: string; relpPort: number; journalPort: number; localPort: number };
    apps: { enabled: boolean; nginx: { hostPort: number }; entry: { enabled?: boolean; port: number } };
}

/** Mesos agents offer this range to tasks (the agent's default `ports` resource). */
export const MESOS_TASK_PORTS = { from: 31000, to: 32000 };

const CLUSTER: Reach[] = ["cluster"];
const CLUSTER_AND_ADMIN: Reach[] = ["cluster", "admin"];
const LOOPBACK: Reach[] = [];

type Add = (
    port: number,
    service: string,
    on: string,
    reach: Reach[],
    opts?: { key?: (string | number)[]; protocol?: PortUse["protocol"]; to?: number },
) => void;

function collector(host: string, out: PortUse[]): Add {
    return (port, service, on, reach, o = {}) =>
        out.push({ host, protocol: o.protocol ?? "tcp", from: port, to: o.to ?? port, service, on, reach: [...reach], ...(o.key ? { key: o.key } : {}) });
}

/**
 * SSH and ICMP, which every host serves: the nodes are reached through mgmt (the jump host) and by
 * each other (volume replication over SSH); mgmt, the bastion, also from the admin network. ICMP
 * between hosts: ping and path MTU discovery (the mesh's encapsulation lowers the MTU).
 */
export function hostAccessPorts(
    hosts: readonly { name: string; roles: readonly Role[] }[],
    ssh: { port: number; key?: (string | number)[] } = { port: 22 },
): PortUse[] {
    const out: PortUse[] = [];
    for (const h of hosts) {
        const add = collector(h.name, out);
        const mgmt = h.roles.includes("mgmt");
        add(ssh.port, "SSH", mgmt ? "mgmt (the bastion)" : "every other host", mgmt ? CLUSTER_AND_ADMIN : CLUSTER, { key: ssh.key });
    }
    for (const h of hosts) collector(h.name, out)(-1, "ICMP (ping, path MTU discovery)", "every host", CLUSTER, { protocol: "icmp", to: -1 });
    return out;
}

/** The hosts' SSH port: at the target's config key (hosts that keep their own sshd), else 22. */
function sshPort(c: PortsView, target: Pick<HostTarget, "sshPortKey">): { port: number; key?: string[] } {
    if (!target.sshPortKey) return { port: 22 };
    const key = [...target.sshPortKey];
    const port = key.reduce<unknown>((o, k) => (o as Record<string, unknown> | undefined)?.[k], c);
    if (typeof port !== "number") throw new Error(`the target's SSH port key ${key.join(".")} holds no port in the stack config (got ${JSON.stringify(port)})`);
    return { port, key };
}

/**
 * Every port of the platform, per host, in the order the conflict rule checks them: fixed ports and
 * the platform's own services first, so that a clash is reported at the key that was moved onto
 * another service's port. `nginxHost`: the host nginx runs on (apps.nginx.host, else the first
 * system agent). `target`: what the hosts' target offers (its SSH port, a public entry by default).
 */
export function platformPorts(c: PortsView, nginxHost: string | undefined, target: Pick<HostTarget, "sshPortKey" | "publicEntry">): PortUse[] {
    const access = hostAccessPorts(c.hosts, sshPort(c, target));
    // A manager that is not a host is reported by the mesh's own rule.
    const named = c.mesh.overlay.manager;
    const overlay = c.mesh.implementation === "overlay" && c.hosts.length > 0 && (named === undefined || c.hosts.some((h) => h.name === named));
    const manager = overlay ? chooseManager(c.hosts, c.mesh.overlay).name : undefined;
    const out: PortUse[] = [];
    for (const host of c.hosts) {
        out.push(...access.filter((p) => p.host === host.name && p.protocol !== "icmp"));
        const add = collector(host.name, out);
        const has = (r: Role) => host.roles.includes(r);
        const role = (r: Role) => `hosts with role ${r}`;
        if (c.mesh.implementation === "weave") {
            add(6783, "Weave's control port", "every host (mesh weave)", CLUSTER);
            add(6784, "Weave's HTTP API", "every host (mesh weave)", LOOPBACK);
            add(6783, "Weave's data ports", "every host (mesh weave)", CLUSTER, { protocol: "udp", to: 6784 });
            // Each host runs a Scope app and a probe that reports to every app; the UI is for admins.
            if (c.mesh.weave?.scope.enabled)
                add(c.mesh.weave.scope.port, "Weave Scope", "every host (mesh weave, scope enabled)", CLUSTER_AND_ADMIN, {
                    key: ["mesh", "weave", "scope", "port"],
                });
        } else {
            if (host.name === manager)
                add(SWARM_PORT, "the swarm manager port", "the swarm manager (mesh overlay: overlay.manager, else the first master)", CLUSTER);
            add(7946, "swarm gossip", "every host (mesh overlay)", CLUSTER);
            add(7946, "swarm gossip", "every host (mesh overlay)", CLUSTER, { protocol: "udp" });
            add(4789, "the overlay's VXLAN port", "every host (mesh overlay)", CLUSTER, { protocol: "udp" });
        }
        if (has("zookeeper")) {
            add(ZOOKEEPER_PEER_PORT, "ZooKeeper's peer port", role("zookeeper"), CLUSTER);
            add(ZOOKEEPER_ELECTION_PORT, "ZooKeeper's election port", role("zookeeper"), CLUSTER);
            add(c.zookeeper.clientPort ?? ZOOKEEPER_DEFAULT_CLIENT_PORT, "ZooKeeper's client port", role("zookeeper"), CLUSTER, {
                key: ["zookeeper", "clientPort"],
            });
            const admin = c.zookeeper.adminServerPort ?? ZOOKEEPER_DEFAULT_ADMIN_PORT;
            if (admin !== false) add(admin, "ZooKeeper's AdminServer", role("zookeeper"), LOOPBACK, { key: ["zookeeper", "adminServerPort"] });
        }
        if (has("master")) add(c.mesos.masterPort, "the Mesos master", role("master"), CLUSTER_AND_ADMIN, { key: ["mesos", "masterPort"] });
        if (has("agent")) {
            add(c.mesos.agentPort, "the Mesos agent", role("agent"), CLUSTER, { key: ["mesos", "agentPort"] });
            // A task given host ports is reached at its agent's address.
            add(MESOS_TASK_PORTS.from, `Mesos task ports ${MESOS_TASK_PORTS.from}-${MESOS_TASK_PORTS.to}`, role("agent"), CLUSTER, { to: MESOS_TASK_PORTS.to });
        }
        if (has("registry")) add(c.registry.port, "the Docker registry", role("registry"), CLUSTER, { key: ["registry", "port"] });
        if (has("logServer")) {
            add(c.logging.port, "the log server", role("logServer"), CLUSTER, { key: ["logging", "port"] });
            if (c.logging.protocol === "relp")
                add(c.logging.relpPort, "the log server's RELP input", `${role("logServer")} (logging.protocol relp)`, CLUSTER, {
                    key: ["logging", "relpPort"],
                });
            if (c.logging.protocol === "journal")
                add(c.logging.journalPort, "the log server's journal receiver", `${role("logServer")} (logging.protocol journal)`, CLUSTER, {
                    key: ["logging", "journalPort"],
                });
        }
        add(c.logging.localPort, "rsyslog's local Docker input", "every host", LOOPBACK, { key: ["logging", "localPort"] });
        // The agents' volume hook and `pulumi up` (through mgmt on aws) call Marathon; admins use its UI.
        // HTTPS only by default (mesos.marathon.tls); plain HTTP only when that is off.
        if (has("marathon")) {
            const m = c.mesos.marathon;
            if (m.tls ?? true) add(m.httpsPort ?? 8443, "Marathon (HTTPS)", role("marathon"), CLUSTER_AND_ADMIN, { key: ["mesos", "marathon", "httpsPort"] });
            else
                add(m.httpPort, "Marathon (plain HTTP, mesos.marathon.tls false)", role("marathon"), CLUSTER_AND_ADMIN, {
                    key: ["mesos", "marathon", "httpPort"],
                });
        }
        // The entry on mgmt forwards to nginx; admins reach it directly (the `direct` apps output).
        if (c.apps.enabled && host.name === nginxHost)
            add(c.apps.nginx.hostPort, "nginx", "the nginx host (apps.nginx.host, else the first system agent)", CLUSTER_AND_ADMIN, {
                key: ["apps", "nginx", "hostPort"],
            });
        if (c.apps.enabled && has("mgmt") && appsEntryEnabled(c.apps.entry.enabled, target)) {
            add(c.apps.entry.port, "the apps' public entry (HAProxy)", "mgmt (apps.entry.enabled, default on aws)", ["entry"], {
                key: ["apps", "entry", "port"],
            });
        }
        out.push(...access.filter((p) => p.host === host.name && p.protocol === "icmp"));
    }
    return out;
}

/** "5050/tcp", "31000-32000/tcp", "icmp". */
export function portLabel(p: Pick<PortUse, "protocol" | "from" | "to">): string {
    if (p.protocol === "icmp") return "icmp";
    return `${p.from === p.to ? p.from : `${p.from}-${p.to}`}/${p.protocol}`;
}
