import { Role } from "../../../components/hosts/host";

/** One lab machine as the stack config describes it (`hosts: [...]`). */
export interface LabHostSpec {
    name: string;
    roles: Role[];
    ip: string;
    zookeeperId?: number;
    agentAttributes?: Record<string, string>;
}

/**
 * The original system's topology (SPEC §3): mgmt, node1 (control + system agent), node2/node3
 * (app agents); ZooKeeper on node1..3 with myid 1..3.
 */
const ROLES: Record<string, { roles: Role[]; zookeeperId?: number; agentAttributes?: Record<string, string> }> = {
    mgmt: { roles: ["mgmt"] },
    node1: { roles: ["zookeeper", "master", "marathon", "registry", "logServer", "agent"], zookeeperId: 1, agentAttributes: { slavetype: "system" } },
    node2: { roles: ["zookeeper", "agent"], zookeeperId: 2, agentAttributes: { slavetype: "app" } },
    node3: { roles: ["zookeeper", "agent"], zookeeperId: 3, agentAttributes: { slavetype: "app" } },
};
export const DEFAULT_HOSTS = Object.keys(ROLES);

/** Names, subnet and addresses of lab number `id` (LAB_ID): parallel labs never share any of them. */
export class LabNames {
    readonly id: number;
    constructor(id: string | number) {
        const n = Number(id);
        if (!Number.isInteger(n) || n < 0 || n > 139) throw new Error(`LAB_ID must be an integer from 0 to 139, got "${id}"`);
        this.id = n;
    }
    get network(): string {
        return `mslab${this.id}`;
    }
    get subnetPrefix(): string {
        return `10.0.${115 + this.id}`;
    }
    get subnet(): string {
        return `${this.subnetPrefix}.0/24`;
    }
    get gateway(): string {
        return `${this.subnetPrefix}.1`;
    }
    container(host: string): string {
        return `mslab${this.id}-${host}`;
    }
    volume(host: string): string {
        return `mslab${this.id}-${host}-docker`;
    }
    /** Where this lab keeps its key and executor state (0700, outside the repo, removed by down()). */
    get dir(): string {
        return `/tmp/mslab${this.id}`;
    }
    /** mgmt .10, nodeN .10+N, any other name after them in list order. */
    ip(host: string, index: number): string {
        const m = /^node(\d+)$/.exec(host);
        const last = host === "mgmt" ? 10 : m ? 10 + Number(m[1]) : 100 + index;
        return `${this.subnetPrefix}.${last}`;
    }
}

export function hostSpecs(names: LabNames, hosts: string[]): LabHostSpec[] {
    return hosts.map((name, i) => {
        const r = ROLES[name] ?? { roles: ["agent"] as Role[], agentAttributes: { slavetype: "app" } };
        return { name, ip: names.ip(name, i), roles: [...r.roles], zookeeperId: r.zookeeperId, agentAttributes: r.agentAttributes };
    });
}
