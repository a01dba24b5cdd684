import * as pulumi from "@pulumi/pulumi";
import { z } from "zod";
import { ROLES, Connection, Host } from "./host";
import { hostName, input, ipv4 } from "../validate";

/** A target's `sshKey` arg: the stack's SSH key pair when it is not generated (Pulumi inputs; the private half a secret). */
export const sshKeyArgSchema = z
    .object({ privateKey: input(z.string()), publicKey: input(z.string()) })
    .strict()
    .optional();

/** A target's `readyTimeout` arg: how long its hosts may take to answer SSH (waitForSsh), e.g. "3m". */
export function readyTimeoutSchema(defaultDuration: string) {
    return z
        .string()
        .regex(/^\d+[smh]$/, `expected a duration like ${defaultDuration}`)
        .default(defaultDuration);
}

/** One host as config describes it: what every target gets for each host it makes. */
export const hostSpecSchema = z
    .object({
        name: hostName,
        roles: z.array(z.enum(ROLES, { message: `expected one of ${ROLES.join(", ")}` })).min(1, "expected at least one role"),
        /** Private address (local, vagrant, aws: fixed address in the cluster network; hosts: the machine's address). */
        ip: ipv4,
        zookeeperId: z.number().int().min(1).max(255, "expected a ZooKeeper myid from 1 to 255").optional(),
        agentAttributes: z
            .record(
                z.string().regex(/^[a-z][a-z0-9_]*$/, "expected an attribute name"),
                z.string().regex(/^[A-Za-z0-9._-]+$/, "expected an attribute value of letters, digits, . _ -"),
            )
            .optional(),
    })
    .strict();

export type HostSpec = z.output<typeof hostSpecSchema>;
export type HostSpecInput = z.input<typeof hostSpecSchema>;

export type Issue = [(string | number)[], string];

function duplicates<T>(values: T[]): [number, number][] {
    const first = new Map<T, number>();
    const dup: [number, number][] = [];
    values.forEach((v, i) => (first.has(v) ? dup.push([i, first.get(v)!]) : first.set(v, i)));
    return dup;
}

/** Rules over a list of hosts that hold for every target; paths are relative to the list. */
export function hostListIssues(hosts: readonly HostSpec[]): Issue[] {
    const issues: Issue[] = [];
    for (const [i, j] of duplicates(hosts.map((h) => h.name))) issues.push([[i, "name"], `expected a unique host name (hosts[${j}] has it too)`]);
    for (const [i, j] of duplicates(hosts.map((h) => h.ip))) issues.push([[i, "ip"], `expected a unique address (hosts[${j}] has it too)`]);
    hosts.forEach((h, i) => {
        if (new Set(h.roles).size !== h.roles.length) issues.push([[i, "roles"], "expected each role once"]);
        const zk = h.roles.includes("zookeeper");
        if (zk && h.zookeeperId === undefined) issues.push([[i, "zookeeperId"], "required on a host with role zookeeper (its myid, 1-255)"]);
        if (!zk && h.zookeeperId !== undefined) issues.push([[i, "zookeeperId"], "expected only on a host with role zookeeper"]);
        if (!h.roles.includes("agent") && h.agentAttributes !== undefined) issues.push([[i, "agentAttributes"], "expected only on a host with role agent"]);
    });
    const ids = hosts.map((h) => h.zookeeperId);
    for (const [i, j] of duplicates(ids))
        if (ids[i] !== undefined) issues.push([[i, "zookeeperId"], `expected a unique ZooKeeper myid (hosts[${j}] has it too)`]);
    return issues;
}

/** A host list for component args: each host valid, and the list rules above. */
export const hostListSchema = z
    .array(hostSpecSchema)
    .min(1, "expected at least one host")
    .superRefine((hosts, ctx) => {
        for (const [path, message] of hostListIssues(hosts)) ctx.addIssue({ code: "custom", path, message });
    });

/** The Host shape from a spec and what the target made for it. */
export function toHost(
    spec: HostSpec,
    made: {
        privateIp: pulumi.Input<string>;
        connection: pulumi.Input<Connection>;
        ready: pulumi.Resource;
        instanceId?: pulumi.Output<string>;
        availabilityZone?: pulumi.Output<string>;
    },
): Host {
    return {
        name: spec.name,
        roles: [...spec.roles],
        privateIp: pulumi.output(made.privateIp),
        // The connection carries the private key: secret as a whole. Every target pins the host's key.
        connection: pulumi.secret(
            pulumi.output(made.connection).apply((c) => {
                if (!c.hostKey) throw new Error(`host ${spec.name}: its SSH connection pins no host key (hostKey): every target must give one`);
                return c;
            }),
        ) as pulumi.Output<Connection>,
        ready: made.ready,
        ...(spec.zookeeperId !== undefined ? { zookeeperId: spec.zookeeperId } : {}),
        ...(spec.agentAttributes ? { agentAttributes: { ...spec.agentAttributes } } : {}),
        ...(made.instanceId ? { instanceId: made.instanceId } : {}),
        ...(made.availabilityZone ? { availabilityZone: made.availabilityZone } : {}),
    };
}

/** An `ssh` command line a person can paste (the key file is theirs to write; see docs/hosts.md). */
export function sshCommand(c: { user: string; host: string; port?: number; keyFile: string; jump?: { user: string; host: string; port?: number } }): string {
    const port = c.port && c.port !== 22 ? ` -p ${c.port}` : "";
    // ProxyJump would not pass -i to the jump host: ProxyCommand does.
    const jump = c.jump
        ? ` -o ProxyCommand="ssh -i ${c.keyFile}${c.jump.port && c.jump.port !== 22 ? ` -p ${c.jump.port}` : ""} -W %h:%p ${c.jump.user}@${c.jump.host}"`
        : "";
    return `ssh -i ${c.keyFile}${port}${jump} ${c.user}@${c.host}`;
}

/** Where the outputs tell people to put the stack's private key. */
export function stackKeyFile(stack: string): string {
    return `microservice-${stack}.key`;
}
