import { expect } from "chai";
import * as pulumi from "@pulumi/pulumi";
import { ExistingHosts, ExistingHostsArgs } from "../../../components/hosts/existing/hosts";
import { mocks } from "../../support/setup";
import { isSecret, settle, valueOf } from "../../support/outputs";
import { hostKeyPair, OptionsRecorder, PRIVATE_KEY, topology } from "./support";
import { runtimeInstallScript } from "../../../components/hosts/ready";
import { RUN_STDIN_AS_ROOT } from "../../../components/provision/removal";

const hosts = topology("local").map((h, i) => ({ ...h, ip: `192.0.2.${20 + i}` }));
/** Every machine's known_hosts line, on port 22 and 2222, and the bastion's (tests/unit/hosts/host-keys.test.ts covers the keys). */
const knownHosts = [
    ...hosts.flatMap((h) => [`${h.ip} ${hostKeyPair(h.name).hostKey}`, `[${h.ip}]:2222 ${hostKeyPair(h.name).hostKey}`]),
    `bastion.example.org ${hostKeyPair("bastion").hostKey}`,
];

function build(extra: Partial<ExistingHostsArgs> = {}, opts: pulumi.ComponentResourceOptions = {}): ExistingHosts {
    return new ExistingHosts("hosts", { hosts, privateKey: pulumi.secret(PRIVATE_KEY), knownHosts, ...extra }, opts);
}

describe("hosts target (ExistingHosts)", () => {
    it("connects to each listed machine with the given user and key and waits for SSH there; creates nothing else", async () => {
        const rec = new OptionsRecorder();
        const e = build({ user: "admin", port: 2222 }, { transformations: [rec.transformation] });
        await settle();
        expect(mocks.resources.filter((r) => r.type !== "microservice:index:ExistingHosts").map((r) => r.name)).to.have.members([
            "hosts-mgmt-ready",
            "hosts-node1-ready",
            "hosts-node2-ready",
            "hosts-node3-ready",
        ]);
        const ready = mocks.named("hosts-node2-ready");
        expect(ready.inputs.connection).to.deep.include({ host: "192.0.2.22", port: 2222, user: "admin", privateKey: PRIVATE_KEY, dialErrorLimit: -1 });
        expect(ready.secretInputs).to.include("connection");
        expect(ready.inputs.connection.dialTimeout, "dials for 3 minutes").to.equal(180);
        // Once up, it installs the step runtime as root (a sudoer user too), from stdin.
        expect(ready.inputs.stdin).to.equal(runtimeInstallScript("node2"));
        expect(ready.inputs.create.endsWith(`\n${RUN_STDIN_AS_ROOT}`)).to.equal(true);
        expect(await valueOf(e.hosts[2].connection)).to.deep.equal({
            host: "192.0.2.22",
            port: 2222,
            user: "admin",
            privateKey: PRIVATE_KEY,
            hostKey: hostKeyPair("node2").hostKey,
        });
        expect(await isSecret(e.hosts[2].connection)).to.equal(true);
        expect(e.hosts[2].zookeeperId).to.equal(2);
        expect((await valueOf(e.outputs)).node2).to.deep.equal({
            ip: "192.0.2.22",
            roles: ["zookeeper", "agent"],
            ssh: "ssh -i <your key> -p 2222 admin@192.0.2.22",
        });
    });

    it("goes through a jump host with the same key when one is configured", async () => {
        const e = build({ jumpHost: { host: "bastion.example.org" } });
        await settle();
        const c = await valueOf(e.hosts[1].connection);
        expect(c.proxy).to.deep.equal({
            host: "bastion.example.org",
            port: 22,
            user: "root",
            privateKey: PRIVATE_KEY,
            hostKey: hostKeyPair("bastion").hostKey,
        });
        expect(mocks.named("hosts-node1-ready").inputs.connection.proxy).to.deep.include({ host: "bastion.example.org", dialErrorLimit: -1 });
        expect((await valueOf(e.outputs)).node1.ssh).to.equal(
            'ssh -i <your key> -o ProxyCommand="ssh -i <your key> -W %h:%p root@bastion.example.org" root@192.0.2.21',
        );
    });

    it("rejects bad args before creating anything, never echoing the key", () => {
        const cases: [Partial<ExistingHostsArgs>, RegExp][] = [
            [{ privateKey: "hunter2" }, /privateKey: expected a PEM\/OpenSSH private key, got \(hidden\)/],
            [{ user: "Root User" }, /user: expected a Unix user name, got "Root User"/],
            [{ port: 0 }, /port: .*got 0/],
            [{ hosts: [] }, /hosts: expected at least one host, got \[\]/],
            [{ hosts: [hosts[0], { ...hosts[1], ip: hosts[0].ip }] }, /hosts\[1\]\.ip: expected a unique address \(hosts\[0\] has it too\), got "192.0.2.20"/],
            [
                { hosts: [{ ...hosts[1], zookeeperId: undefined }] },
                /hosts\[0\]\.zookeeperId: required on a host with role zookeeper \(its myid, 1-255\), got nothing/,
            ],
        ];
        for (const [extra, message] of cases) {
            mocks.reset();
            let err: Error | undefined;
            try {
                build(extra);
            } catch (e) {
                err = e as Error;
            }
            expect(err?.message, JSON.stringify(extra)).to.match(message);
            expect(err!.message).to.not.contain("hunter2");
            expect(mocks.resources).to.have.length(0);
        }
    });
});
