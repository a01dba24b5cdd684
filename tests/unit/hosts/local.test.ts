import { expect } from "chai";
import * as pulumi from "@pulumi/pulumi";
import * as docker from "@pulumi/docker";
import { LocalHosts, LocalHostsArgs } from "../../../components/hosts/local/hosts";
import { AUTHORIZED_KEYS_PATH, dockerRunFlags } from "../../../components/hosts/local/machine";
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
        expect(net.type).to.equal("docker:index/network:Network");
        expect(net.inputs).to.deep.include({ name: "microservice-test", driver: "bridge" });
        expect(net.inputs.ipamConfigs).to.deep.equal([{ subnet: "10.0.15.0/24", gateway: "10.0.15.1" }]);
        const image = mocks.named("local-node-image");
        expect(image.type).to.equal("docker:index/remoteImage:RemoteImage");
        expect(image.inputs).to.deep.include({ name: "microservice/node:bookworm", keepLocally: true });
        const containers = mocks.byType("docker:index/container:Container");
        expect(containers.map((c) => [c.name, c.inputs.name, c.inputs.hostname, c.inputs.networksAdvanced[0].ipv4Address])).to.deep.equal([
            ["local-mgmt", "microservice-test-mgmt", "mgmt", "10.0.15.10"],
            ["local-node1", "microservice-test-node1", "node1", "10.0.15.11"],
            ["local-node2", "microservice-test-node2", "node2", "10.0.15.12"],
            ["local-node3", "microservice-test-node3", "node3", "10.0.15.13"],
        ]);
        for (const c of containers) {
            expect(c.inputs.image).to.equal(`sha256:${"a".repeat(64)}`);
            expect(c.inputs.networksAdvanced[0]).to.deep.include({ name: "microservice-test", aliases: [c.inputs.hostname] });
        }
        expect(await valueOf(local.hosts[1].privateIp)).to.equal("10.0.15.11");
        expect(local.hosts.map((h) => h.name)).to.deep.equal(["mgmt", "node1", "node2", "node3"]);
        expect(local.hosts[1].zookeeperId).to.equal(1);
        expect(local.hosts[1].agentAttributes).to.deep.equal({ slavetype: "system" });
    });

    it("runs each container with the flags that replace --privileged (the ones the lab proves), its own /var/lib/docker volume and the key in place", async () => {
        build();
        await settle();
        const c = mocks.named("local-node2").inputs;
        expect(c.capabilities).to.deep.equal({ adds: ["ALL"], drops: ["SYS_RESOURCE"] });
        expect(c.privileged).to.equal(undefined);
        expect(c.securityOpts).to.deep.equal(["seccomp=unconfined", "systempaths=unconfined"]);
        expect(c.cgroupnsMode).to.equal("host");
        expect(c.tmpfs).to.deep.equal({ "/run": "", "/run/lock": "" });
        expect(c.devices).to.deep.equal([{ hostPath: "/dev/fuse", containerPath: "/dev/fuse", permissions: "rwm" }]);
        expect(c.volumes).to.deep.equal([
            { hostPath: "/sys/fs/cgroup", containerPath: "/sys/fs/cgroup", readOnly: false },
            { volumeName: "microservice-test-node2-docker", containerPath: "/var/lib/docker" },
        ]);
        expect(mocks.named("local-node2-docker").inputs.name).to.equal("microservice-test-node2-docker");
        expect(c.uploads).to.deep.equal([{ file: AUTHORIZED_KEYS_PATH, content: `${PUBLIC_KEY}\n`, permissions: "0644" }]);
        expect(c).to.deep.include({ restart: "unless-stopped", mustRun: true });
        // The same flags, as the docker CLI (lab, bring-up script) spells them.
        expect(dockerRunFlags()).to.include.members(["--cap-add=ALL", "--cap-drop=SYS_RESOURCE", "--cgroupns=host", "--security-opt=systempaths=unconfined", "--device=/dev/fuse"]);
    });

    it("waits for SSH on each host before anything runs there: root, the stack key, dialing until the timeout", async () => {
        const rec = new OptionsRecorder();
        const local = build({}, { transformations: [rec.transformation] });
        await settle();
        const ready = mocks.named("local-node3-ready");
        expect(ready.type).to.equal("command:remote:Command");
        expect(ready.inputs.connection).to.deep.include({ host: "10.0.15.13", port: 22, user: "root", privateKey: PRIVATE_KEY, dialErrorLimit: -1 });
        expect(ready.inputs.create).to.contain("systemctl is-system-running --wait");
        expect(ready.inputs.triggers).to.deep.equal(["local-node3-id"]);
        const opts = rec.get("local-node3-ready");
        expect(opts.customTimeouts).to.deep.equal({ create: "3m", update: "3m" });
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
        for (const r of mocks.resources) if (r.type !== "command:remote:Command") expect(JSON.stringify(r.inputs)).to.not.contain("b3BlbnNzaC1rZXktdjEAAAAA");
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

    it("builds the node image from images/node instead when asked (legacy builder, base image as build arg, never pushed)", async () => {
        build({ build: { baseImage: "debian:bookworm" } });
        await settle();
        const image = mocks.named("local-node-image");
        expect(image.type).to.equal("docker:index/image:Image");
        expect(image.inputs).to.deep.include({ imageName: "microservice/node:bookworm", skipPush: true });
        expect(image.inputs.build.args).to.deep.equal({ BASE_IMAGE: "debian:bookworm" });
        expect(image.inputs.build.builderVersion).to.equal("BuilderV1");
        expect(image.inputs.build.context).to.match(/\/images\/node$/);
    });

    it("blast radius: a new host adds its own resources and changes no existing container", async () => {
        build();
        await settle();
        const before = snapshot();
        mocks.reset();
        build({ hosts: [...topology("local"), { name: "node4", roles: ["agent"], ip: "10.0.15.14", agentAttributes: { slavetype: "app" } }] });
        await settle();
        expect(changed(before, snapshot())).to.deep.equal([
            "command:remote:Command::local-node4-ready",
            "docker:index/container:Container::local-node4",
            "docker:index/volume:Volume::local-node4-docker",
        ]);
    });

    it("passes a Docker provider through to every child", async () => {
        hostMocks();
        const provider = new docker.Provider("remote-docker", { host: "ssh://ops@docker-host" });
        new LocalHosts("local", { hosts: topology("local") }, { providers: [provider] });
        await settle();
        for (const r of mocks.resources.filter((x) => x.type.startsWith("docker:index/") && x.type !== "pulumi:providers:docker")) {
            expect(r.provider, r.name).to.match(/::remote-docker::/);
        }
    });

    it("rejects bad args before creating anything, naming the key, the value and what is expected", () => {
        const cases: [Partial<LocalHostsArgs>, RegExp][] = [
            [{ subnet: "10.0.15.0/33" }, /subnet: expected an IPv4 CIDR like 10.0.15.0\/24, got "10.0.15.0\/33"/],
            [{ hosts: [{ name: "mgmt", roles: ["mgmt"], ip: "10.0.16.10" }] }, /hosts\[0\]\.ip: expected an address inside subnet 10.0.15.0\/24 .*got "10.0.16.10"/],
            [{ hosts: [{ name: "gw", roles: ["mgmt"], ip: "10.0.15.1" }] }, /hosts\[0\]\.ip: expected an address inside subnet .*gateway.*got "10.0.15.1"/],
            [{ hosts: [{ name: "a", roles: ["mgmt"], ip: "10.0.15.10" }, { name: "a", roles: ["agent"], ip: "10.0.15.11" }] }, /hosts\[1\]\.name: expected a unique host name \(hosts\[0\] has it too\), got "a"/],
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
