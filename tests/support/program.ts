/**
 * The whole stack program evaluated under the project's mocks, for blast-radius tests: the config as
 * `pulumi config` holds it, what the program registered by type and name, and which resources'
 * inputs differ between two evaluations.
 */
import * as pulumi from "@pulumi/pulumi";
import { program } from "../../stack/program";
import { mocks } from "./setup";
import { settle, valueOf } from "./outputs";
import { Registered } from "./mocks";

/** The whole stack's config (original topology, overlay mesh, mongo's volume on node2), as `pulumi config` would hold it. */
export function stackConfig(apps: object = {}, volumesPrimary = "node2", extra: Record<string, unknown> = {}): Record<string, string> {
    const cfg: Record<string, unknown> = {
        // Existing hosts (the lab's way): the original's layout at its addresses, with the stack's SSH key.
        target: "hosts",
        hosts: [
            { name: "mgmt", roles: ["mgmt"], ip: "10.0.15.10" },
            { name: "node1", roles: ["zookeeper", "master", "marathon", "registry", "logServer", "agent"], ip: "10.0.15.11", zookeeperId: 1 },
            { name: "node2", roles: ["zookeeper", "agent"], ip: "10.0.15.12", zookeeperId: 2 },
            { name: "node3", roles: ["zookeeper", "agent"], ip: "10.0.15.13", zookeeperId: 3 },
        ],
        sshUser: "root",
        existing: {
            knownHosts: ["10.0.15.10", "10.0.15.11", "10.0.15.12", "10.0.15.13", "10.0.15.14"].map(
                (ip, i) => `${ip} ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIGhvc3Qt${i}`,
            ),
        },
        sshPrivateKey: "-----BEGIN OPENSSH PRIVATE KEY-----\ndGVzdA==\n-----END OPENSSH PRIVATE KEY-----\n",
        mesh: { implementation: "overlay" },
        volumes: { datasets: [{ name: "mongo", sizeGb: 1, primary: volumesPrimary }] },
        mesos: {
            images: {
                master: `mesosphere/mesos-master:1.7.0@sha256:${"0".repeat(64)}`,
                agent: `mesosphere/mesos-slave:1.7.0@sha256:${"1".repeat(64)}`,
                marathon: `mesosphere/marathon:v1.7.236@sha256:${"2".repeat(64)}`,
            },
        },
        apps,
        ...extra,
    };
    return Object.fromEntries(Object.entries(cfg).map(([k, v]) => [`microservice:${k}`, JSON.stringify(v)]));
}

/**
 * Evaluates the stack program under mocks and returns what it registered, by name, and its outputs.
 * `hooks`: more mock answers, set after the reset (e.g. the vagrant target's `vagrant ssh-config`).
 */
export async function evaluate(config: Record<string, string>, hooks?: () => void): Promise<{ byName: Map<string, Registered>; outputs: Record<string, any> }> {
    mocks.reset();
    hooks?.();
    // Local generators (keys, passwords) answer the same fixed values in every evaluation, as state would.
    mocks.onResource("pulumi-nodejs:dynamic/exec:LocalCommand", (args) => ({
        stdout: /ssh-keygen/.test(String(args.inputs.create))
            ? "-----BEGIN OPENSSH PRIVATE KEY-----\nZml4ZWQ=\n-----END OPENSSH PRIVATE KEY-----\n" +
              "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIFixedFixedFixedFixedFixedFixedFixedFixed0 fixed\n"
            : `fixed-generated-secret-${args.name}`,
        stderr: "",
    }));
    pulumi.runtime.setAllConfig(config, ["microservice:sshPrivateKey"]);
    const out = program();
    await settle();
    const outputs = (await valueOf(pulumi.output(out as any))) as Record<string, any>;
    await settle();
    const byName = new Map<string, Registered>();
    for (const r of mocks.resources) byName.set(`${r.type}::${r.name}`, r);
    return { byName, outputs };
}

/** Names of the resources whose recorded inputs differ between two evaluations (or exist in only one). */
export function changed(a: Map<string, Registered>, b: Map<string, Registered>): string[] {
    const names = new Set([...a.keys(), ...b.keys()]);
    return [...names].filter((n) => JSON.stringify(a.get(n)?.inputs) !== JSON.stringify(b.get(n)?.inputs)).sort();
}
