import { expect } from "chai";
import * as pulumi from "@pulumi/pulumi";
import { execFileSync } from "child_process";
import { LocalHosts, LocalHostsArgs } from "../../../components/hosts/local/hosts";
import { AUTHORIZED_KEYS_PATH, dockerRunFlags } from "../../../components/hosts/local/machine";
import * as cli from "../../../components/hosts/local/docker-cli";
import { mocks } from "../../support/setup";
import { isSecret, settle, valueOf } from "../../support/outputs";
import { changed, hostMocks, OptionsRecorder, PRIVATE_KEY, PUBLIC_KEY, snapshot, topology } from "./support";

function build(extra: Partial<LocalHostsArgs> = {}, opts: pulumi.ComponentResourceOptions = {}): LocalHosts {
    hostMocks();
    return new LocalHosts("local", { hosts: topology("local"), ...extra }, opts);
}

describe("local target (LocalHosts)", () => {
    it("puts every host on one Docker network 10.0.15.0/24 at its fixed address, from the prebuilt node image", async () => {
        const local = build();
        await settle();
        const net = mocks.named("local-network");
        expect(net.type).to.equal("pulumi-nodejs:dynamic/exec:LocalCommand");
        expect(net.inputs.environment).to.deep.include({ NET: "microservice-test", SUBNET: "10.0.15.0/24", GATEWAY: "10.0.15.1", STACK: "test" });
        expect(net.inputs).to.deep.include({ create: cli.network.create, delete: cli.network.delete });
        const image = mocks.named("local-node-image");
        expect(image.inputs).to.deep.include({ create: cli.existingImage });
        expect(image.inputs.environment).to.deep.equal({ IMAGE: "microservice/node:bookworm" });
        const containers = ["mgmt", "node1", "node2", "node3"].map((h) => mocks.named(`local-${h}`));
        expect(containers.map((c) => [c.name, c.inputs.environment.NAME, c.inputs.environment.HOSTNAME, c.inputs.environment.IP])).to.deep.equal([
            ["local-mgmt", "microservice-test-mgmt", "mgmt", "10.0.15.10"],
            ["local-node1", "microservice-test-node1", "node1", "10.0.15.11"],
            ["local-node2", "microservice-test-node2", "node2", "10.0.15.12"],
            ["local-node3", "microservice-test-node3", "node3", "10.0.15.13"],
        ]);
        for (const c of containers) {
            expect(c.inputs.environment).to.deep.include({ IMAGE: `sha256:${"a".repeat(64)}`, NET: "microservice-test", STACK: "test" });
            // Replaced (old one first) exactly when the image, address, network, run flags or key change.
            expect(c.inputs.triggers.slice(0, 3)).to.deep.equal([`sha256:${"a".repeat(64)}`, c.inputs.environment.IP, "net-local-network"]);
        }
        expect(await valueOf(local.hosts[1].privateIp)).to.equal("10.0.15.11");
        expect(local.hosts.map((h) => h.name)).to.deep.equal(["mgmt", "node1", "node2", "node3"]);
        expect(local.hosts[1].zookeeperId).to.equal(1);
        expect(local.hosts[1].agentAttributes).to.deep.equal({ slavetype: "system" });
    });

    it("runs each container with the flags replacing --privileged (lab-proven), its own /var/lib/docker volume, the key in place before starting", async () => {
        build();
        await settle();
        const c = mocks.named("local-node2").inputs;
        expect(c.create).to.equal(cli.container().create);
        for (const flag of dockerRunFlags()) expect(c.create, flag).to.contain(`'${flag}'`);
        expect(c.create).to.not.contain("--privileged");
        expect(c.create).to.match(/docker create [^\n]*\n[^\n]*--restart unless-stopped/);
        // create, copy the key, then start: sshd never runs without it.
        const order = ["docker create", 'docker cp "$d/keys" "$NAME:$KEY_PATH"', 'docker start "$NAME"'].map((x) => c.create.indexOf(x));
        expect(
            order.every((i: number, k: number) => i >= 0 && (k === 0 || i > order[k - 1])),
            String(order),
        ).to.equal(true);
        expect(c.environment).to.deep.include({ VOLUME: "microservice-test-node2-docker", PUBLIC_KEY: PUBLIC_KEY, KEY_PATH: AUTHORIZED_KEYS_PATH });
        expect(mocks.named("local-node2-docker").inputs.environment).to.deep.include({ VOLUME: "microservice-test-node2-docker" });
        // Values reach the scripts through the environment only, never spliced into their text.
        expect(c.create).to.not.contain("10.0.15.12");
        for (const script of [
            cli.network.create,
            cli.network.delete,
            cli.volume.create,
            cli.volume.delete,
            cli.existingImage,
            cli.buildImage("legacy"),
            c.create,
            c.delete,
        ]) {
            execFileSync("bash", ["-n"], { input: script });
        }
    });

    it("waits for SSH on each host before anything runs there: root, the stack key, dialing until the timeout", async () => {
        const rec = new OptionsRecorder();
        const local = build({}, { transformations: [rec.transformation] });
        await settle();
        const ready = mocks.named("local-node3-ready");
        expect(ready.type).to.equal("pulumi-nodejs:dynamic/exec:RemoteCommand");
        expect(ready.inputs.connection).to.deep.include({
            host: "10.0.15.13",
            port: 22,
            user: "root",
            privateKey: PRIVATE_KEY,
            dialErrorLimit: -1,
            dialTimeout: 180,
        });
        expect(ready.inputs.create).to.contain("systemctl is-system-running --wait");
        expect(ready.inputs.triggers).to.deep.equal(["id-local-node3"]);
        const opts = rec.get("local-node3-ready");
        expect(opts.dependsOn).to.deep.equal([local.containers.node3]);
        expect(local.hosts[3].ready).to.be.instanceOf(pulumi.CustomResource);
        // Fixed names and addresses: a replacement must remove the old container first.
        expect(rec.get("local-node3").deleteBeforeReplace).to.equal(true);
    });

    it("keeps the private key secret: key pair command silent with secret stdout, connections and outputs secret", async () => {
        const rec = new OptionsRecorder();
        const local = build({}, { transformations: [rec.transformation] });
        await settle();
        const keygen = mocks.named("local-key-keygen");
        expect(keygen.inputs.logging).to.equal("none");
        expect(keygen.inputs.create).to.contain("ssh-keygen -q -t ed25519");
        expect(rec.get("local-key-keygen").additionalSecretOutputs).to.deep.equal(["stdout"]);
        expect(await isSecret(local.privateKey)).to.equal(true);
        expect(await valueOf(local.privateKey)).to.equal(PRIVATE_KEY);
        expect(await isSecret(local.publicKey)).to.equal(false);
        for (const h of local.hosts) expect(await isSecret(h.connection)).to.equal(true);
        expect(mocks.named("local-mgmt-ready").secretInputs).to.include("connection");
        // Nothing else carries the private key.
        for (const r of mocks.resources)
            if (r.type !== "pulumi-nodejs:dynamic/exec:RemoteCommand") expect(JSON.stringify(r.inputs)).to.not.contain("b3BlbnNzaC1rZXktdjEAAAAA");
    });

    it("outputs each host's address, roles and an ssh command with the stack key file", async () => {
        const local = build();
        const out = await valueOf(local.outputs);
        expect(out.node1).to.deep.equal({
            ip: "10.0.15.11",
            roles: ["zookeeper", "master", "marathon", "registry", "logServer", "agent"],
            ssh: "ssh -i microservice-test.key root@10.0.15.11",
        });
    });

    it("builds the node image from images/node instead when asked (legacy builder, base image as build arg, rebuilt when the sources change)", async () => {
        build({ build: { baseImage: "debian:bookworm" } });
        await settle();
        const image = mocks.named("local-node-image");
        expect(image.inputs.create).to.equal(cli.buildImage("legacy"));
        expect(image.inputs.create).to.contain("DOCKER_BUILDKIT=0 docker build");
        expect(image.inputs.environment).to.deep.include({ IMAGE: "microservice/node:bookworm", BASE_IMAGE: "debian:bookworm" });
        expect(image.inputs.environment.CONTEXT).to.match(/\/images\/node$/);
        expect(image.inputs.triggers[2]).to.match(/^[0-9a-f]{64}$/);
    });

    it("blast radius: a new host adds its own resources and changes no existing container", async () => {
        build();
        await settle();
        const before = snapshot();
        mocks.reset();
        build({ hosts: [...topology("local"), { name: "node4", roles: ["agent"], ip: "10.0.15.14", agentAttributes: { slavetype: "app" } }] });
        await settle();
        expect(changed(before, snapshot())).to.deep.equal([
            "microservice:index:SshHostKey::local-node4-host",
            "pulumi-nodejs:dynamic/exec:LocalCommand::local-node4",
            "pulumi-nodejs:dynamic/exec:LocalCommand::local-node4-docker",
            "pulumi-nodejs:dynamic/exec:LocalCommand::local-node4-host-keygen",
            "pulumi-nodejs:dynamic/exec:RemoteCommand::local-node4-ready",
        ]);
    });

    it("drives another Docker engine when asked: DOCKER_HOST on every Docker command", async () => {
        build({ dockerHost: "ssh://ops@docker-host" });
        await settle();
        const dockerCommands = mocks.byType("pulumi-nodejs:dynamic/exec:LocalCommand").filter((r) => !r.name.endsWith("-keygen"));
        expect(dockerCommands.length).to.equal(10);
        for (const r of dockerCommands) expect(r.inputs.environment.DOCKER_HOST, r.name).to.equal("ssh://ops@docker-host");
    });

    it("rejects bad args before creating anything, naming the key, the value and what is expected", () => {
        const cases: [Partial<LocalHostsArgs>, RegExp][] = [
            [{ subnet: "10.0.15.0/33" }, /subnet: expected an IPv4 CIDR like 10.0.15.0\/24, got "10.0.15.0\/33"/],
            [
                { hosts: [{ name: "mgmt", roles: ["mgmt"], ip: "10.0.16.10" }] },
                /hosts\[0\]\.ip: expected an address inside subnet 10.0.15.0\/24 .*got "10.0.16.10"/,
            ],
            [{ hosts: [{ name: "gw", roles: ["mgmt"], ip: "10.0.15.1" }] }, /hosts\[0\]\.ip: expected an address inside subnet .*gateway.*got "10.0.15.1"/],
            [
                {
                    hosts: [
                        { name: "a", roles: ["mgmt"], ip: "10.0.15.10" },
                        { name: "a", roles: ["agent"], ip: "10.0.15.11" },
                    ],
                },
                /hosts\[1\]\.name: expected a unique host name \(hosts\[0\] has it too\), got "a"/,
            ],
            [{ namePrefix: "Bad Prefix" }, /namePrefix: expected a container name prefix, got "Bad Prefix"/],
            [{ readyTimeout: "soon" } as any, /readyTimeout: expected a duration like 3m, got "soon"/],
        ];
        for (const [extra, message] of cases) {
            mocks.reset();
            expect(() => new LocalHosts("bad", { hosts: topology("local"), ...extra })).to.throw(message);
            expect(mocks.resources, JSON.stringify(extra)).to.have.length(0);
        }
    });
});
