import { expect } from "chai";
import * as fs from "fs";
import * as path from "path";
import { changed, evaluate } from "../../support/program";
import { Registered } from "../../support/mocks";
import { platformConfigSchema } from "../../../config/schema";
import { validate } from "../../../components/validate";

/**
 * Issue 13.7: on AWS every security group rule comes from the ports the platform's services use
 * (components/ports.ts), evaluated through the whole stack program with the shipped Pulumi.aws.yaml.
 */

// js-yaml: a pinned dev dependency (the Pulumi CLI parses stack files the same way).
// eslint-disable-next-line @typescript-eslint/no-require-imports -- js-yaml has no typings here (no @types/js-yaml)
const yaml = require("js-yaml") as { load(text: string): any };
const ROOT = path.resolve(__dirname, "../../..");
const SG = "aws:ec2/securityGroup:SecurityGroup";
const VPC = "10.0.0.0/16";
const pin = (c: string) => `sha256:${c.repeat(64)}`;

/** The `microservice:*` keys of Pulumi.aws.yaml, with the Mesos images the file leaves to the user. */
function shipped(): Record<string, any> {
    const doc = yaml.load(fs.readFileSync(path.join(ROOT, "Pulumi.aws.yaml"), "utf8"));
    const raw: Record<string, any> = Object.fromEntries(
        Object.entries(doc.config as Record<string, unknown>)
            .filter(([k]) => k.startsWith("microservice:"))
            .map(([k, v]) => [k.slice("microservice:".length), v]),
    );
    raw.mesos = {
        ...raw.mesos,
        images: {
            master: `mesosphere/mesos-master:1.7.0@${pin("0")}`,
            agent: `mesosphere/mesos-slave:1.7.0@${pin("1")}`,
            marathon: `mesosphere/marathon:v1.7.236@${pin("2")}`,
        },
    };
    return raw;
}

const ADMIN: string = shipped().aws.adminCidr;

/** Pulumi.aws.yaml with each top-level section's keys overridden by `change`'s. */
function awsConfig(change: Record<string, Record<string, unknown>> = {}): Record<string, string> {
    const raw = shipped();
    for (const [k, v] of Object.entries(change)) raw[k] = { ...raw[k], ...v };
    return Object.fromEntries(Object.entries(raw).map(([k, v]) => [`microservice:${k}`, JSON.stringify(v)]));
}

const weave = {
    implementation: "weave",
    weave: {
        scriptSha256: "7df817a9537d037639533934fe31f466712f638cb074444c28c5ce8ee7b9f5a9",
        images: {
            weave: `weaveworks/weave:2.8.1@${pin("1")}`,
            weaveexec: `weaveworks/weaveexec:2.8.1@${pin("2")}`,
            weavedb: `weaveworks/weavedb:latest@${pin("3")}`,
        },
        scope: { enabled: true, image: `weaveworks/scope:1.13.2@${pin("4")}`, port: 4040 },
    },
};

type Stack = Map<string, Registered>;

/** The security groups attached to a host's instance. */
function groupsOf(stack: Stack, host: string): Registered[] {
    const inst = stack.get(`aws:ec2/instance:Instance::aws-${host}`);
    if (!inst) throw new Error(`no instance for ${host}`);
    const ids: string[] = inst.inputs.vpcSecurityGroupIds;
    return [...stack.values()].filter((r) => r.type === SG && ids.includes(`${r.name}-id`));
}

/** The networks a host's instance admits on one port (ICMP: any rule). */
function openTo(stack: Stack, host: string, protocol: string, port: number): string[] {
    return groupsOf(stack, host)
        .flatMap((g) => g.inputs.ingress as any[])
        .filter((r) => r.protocol === protocol && r.fromPort <= port && port <= r.toPort)
        .flatMap((r) => r.cidrBlocks as string[]);
}

const HOSTS = ["mgmt", "node1", "node2", "node3"];

describe("aws security groups derived from the ports the services use (issue 13.7)", () => {
    it("the shipped Pulumi.aws.yaml: the app URL's port on mgmt is open from apps.entry.allowFrom (default aws.adminCidr)", async () => {
        const { byName, outputs } = await evaluate(awsConfig());
        expect(outputs.appUrl).to.equal("http://203.0.113.10/");
        expect(openTo(byName, "mgmt", "tcp", 80)).to.deep.equal([ADMIN]);
        for (const h of ["node1", "node2", "node3"]) expect(openTo(byName, h, "tcp", 80), h).to.deep.equal([]);
        // HAProxy on mgmt forwards to nginx's host port on node1: open from inside the VPC.
        expect(openTo(byName, "node1", "tcp", 9080)).to.include(VPC);

        const open = await evaluate(awsConfig({ apps: { entry: { allowFrom: ["0.0.0.0/0"] } } }));
        expect(openTo(open.byName, "mgmt", "tcp", 80)).to.deep.equal(["0.0.0.0/0"]);
        // Nothing else is opened to the internet by it.
        for (const h of HOSTS) for (const p of [22, 5050, 8443, 9080]) expect(openTo(open.byName, h, "tcp", p), `${h} ${p}`).to.not.include("0.0.0.0/0");
    });

    it("unused ports are closed: Scope's 4040 when Scope is off, 4523/4524, Weave with the overlay, a service's port where it does not run", async () => {
        const { byName } = await evaluate(awsConfig());
        for (const h of HOSTS) {
            for (const p of [4040, 4523, 4524, 6783]) expect(openTo(byName, h, "tcp", p), `${h} tcp ${p}`).to.deep.equal([]);
            expect(openTo(byName, h, "udp", 6784), `${h} udp 6784`).to.deep.equal([]);
        }
        // Mesos master, Marathon, registry, log server and the swarm manager run on node1 only.
        for (const h of ["mgmt", "node2", "node3"]) {
            for (const p of [5050, 8443, 5000, 514, 2377]) expect(openTo(byName, h, "tcp", p), `${h} ${p}`).to.deep.equal([]);
        }
        expect(openTo(byName, "mgmt", "tcp", 2181), "no ZooKeeper on mgmt").to.deep.equal([]);
        expect(openTo(byName, "mgmt", "tcp", 5051), "no agent on mgmt").to.deep.equal([]);
        for (const p of [2181, 2888, 3888, 5051, 7946]) expect(openTo(byName, "node2", "tcp", p), `node2 ${p}`).to.deep.equal([VPC]);
        expect(openTo(byName, "node2", "udp", 4789)).to.deep.equal([VPC]);
        for (const [p, h] of [
            [5050, "node1"],
            [8443, "node1"],
            [5000, "node1"],
            [514, "node1"],
            [2377, "node1"],
        ] as const)
            expect(openTo(byName, h, "tcp", p), `${h} ${p}`).to.include(VPC);

        // With Weave and Scope on, their ports open on every host (Scope's probes report to every app).
        const withWeave = await evaluate(awsConfig({ mesh: weave }));
        for (const h of HOSTS) {
            expect(openTo(withWeave.byName, h, "tcp", 6783), h).to.deep.equal([VPC]);
            expect(openTo(withWeave.byName, h, "udp", 6784), h).to.deep.equal([VPC]);
            expect(openTo(withWeave.byName, h, "tcp", 4040), h).to.include(VPC);
            expect(openTo(withWeave.byName, h, "tcp", 2377), h).to.deep.equal([]);
        }
    });

    it("a changed port moves its rule: mesos.masterPort and registry.port", async () => {
        const { byName } = await evaluate(awsConfig({ mesos: { masterPort: 5150 }, registry: { port: 5001 } }));
        expect(openTo(byName, "node1", "tcp", 5150)).to.have.members([VPC, ADMIN]);
        expect(openTo(byName, "node1", "tcp", 5001)).to.deep.equal([VPC]);
        for (const h of HOSTS) {
            expect(openTo(byName, h, "tcp", 5050), h).to.deep.equal([]);
            expect(openTo(byName, h, "tcp", 5000), h).to.deep.equal([]);
        }
        // Blast radius among the security groups: only the group of the host that serves the port.
        const before = await evaluate(awsConfig());
        const after = await evaluate(awsConfig({ registry: { port: 5001 } }));
        expect(changed(before.byName, after.byName).filter((n) => n.startsWith(SG))).to.deep.equal([`${SG}::aws-node1-cluster`]);
    });

    it("the admin group is attached only to instances that serve an admin port", async () => {
        const { byName } = await evaluate(awsConfig());
        const fromAdmin = (h: string) =>
            groupsOf(byName, h)
                .flatMap((g) => g.inputs.ingress as any[])
                .filter((r) => (r.cidrBlocks as string[]).includes(ADMIN))
                .map((r) => `${r.protocol}/${r.fromPort}`);
        // mgmt: SSH (the bastion) and the entry; node1: Mesos, Marathon and nginx's host port.
        expect(fromAdmin("mgmt")).to.have.members(["tcp/22", "tcp/80"]);
        expect(fromAdmin("node1")).to.have.members(["tcp/5050", "tcp/8443", "tcp/9080"]);
        for (const h of ["node2", "node3"]) {
            expect(fromAdmin(h), h).to.deep.equal([]);
            for (const g of groupsOf(byName, h)) for (const r of g.inputs.ingress) expect(r.cidrBlocks, `${h} ${g.name}`).to.deep.equal([VPC]);
        }
        // The nodes' SSH comes through mgmt (and volume replication): from the VPC.
        for (const h of ["node1", "node2", "node3"]) expect(openTo(byName, h, "tcp", 22), h).to.deep.equal([VPC]);
        // A group serves one instance: the rules are exactly what that host runs.
        const attached = HOSTS.flatMap((h) => groupsOf(byName, h).map((g) => g.name));
        expect(new Set(attached).size).to.equal(attached.length);
    });

    it("refuses the old keys aws.adminPorts and aws.clusterPorts: the ports are derived now", () => {
        for (const key of ["adminPorts", "clusterPorts"]) {
            const raw = shipped();
            raw.aws[key] = key === "adminPorts" ? [5050] : [{ protocol: "tcp", from: 22, to: 22 }];
            expect(() => validate(platformConfigSchema, raw, "stack config")).to.throw(new RegExp(`aws\\.${key}: .*derived`));
        }
    });
});
