import * as pulumi from "@pulumi/pulumi";
import { ConnectionArgs } from "../exec/connection";

/** What a host does in the platform. A host may have several roles. */
export const ROLES = ["mgmt", "zookeeper", "master", "marathon", "registry", "logServer", "agent"] as const;
export type Role = (typeof ROLES)[number];

export type Connection = ConnectionArgs;

/**
 * The one shape every host target produces (local containers, Vagrant, AWS, existing machines),
 * so that no component knows where its hosts come from.
 */
export interface Host {
    /** Stable logical name (mgmt, node1, ...): resource names and per-host files are keyed on it. */
    readonly name: string;
    readonly roles: readonly Role[];
    /** Address other hosts use to reach this one (cluster traffic stays on this network). */
    readonly privateIp: pulumi.Output<string>;
    /** SSH connection; `privateKey` is a Pulumi secret. Includes a jump host (`proxy`) where needed. */
    readonly connection: pulumi.Output<Connection>;
    /** Resolves once SSH answers (in the stack: and the host's packages are installed): every step on this host depends on it. */
    readonly ready: pulumi.Resource;
    /** Identifies the machine behind the host (default: the id of `ready`): every step runs again when it changes. */
    readonly machineId?: pulumi.Input<string>;
    /** ZooKeeper `myid` (1-255), from config, never from list order. */
    readonly zookeeperId?: number;
    /** Extra Mesos agent attributes from config (roles add `slavetype`). */
    readonly agentAttributes?: Readonly<Record<string, string>>;
    /** Target aws: the EC2 instance id (EBS volumes attach to it). */
    readonly instanceId?: pulumi.Output<string>;
    /** Target aws: the instance's availability zone (EBS volumes live in one AZ). */
    readonly availabilityZone?: pulumi.Output<string>;
}

export function hasRole(host: Pick<Host, "roles">, role: Role): boolean {
    return host.roles.includes(role);
}

export function hostsWithRole<H extends Pick<Host, "roles">>(hosts: readonly H[], role: Role): H[] {
    return hosts.filter((h) => hasRole(h, role));
}

/**
 * The one host with a role that must be unique (registry, logServer, mgmt). `who` names the caller
 * in the error, e.g. `RsyslogAggregator "logging"`: exactly one host must have role "logServer", found 0: [].
 */
export function singleHostWithRole<H extends Pick<Host, "roles" | "name">>(hosts: readonly H[], role: Role, who?: string): H {
    const found = hostsWithRole(hosts, role);
    if (found.length !== 1) {
        throw new Error(`${who ? `${who}: ` : ""}exactly one host must have role "${role}", found ${found.length}: [${found.map((h) => h.name).join(", ")}]`);
    }
    return found[0];
}
