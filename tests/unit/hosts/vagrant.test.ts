import { expect } from "chai";
import * as pulumi from "@pulumi/pulumi";
import { VagrantHosts, VagrantHostsArgs } from "../../../components/hosts/vagrant/hosts";
import { mocks } from "../../support/setup";
import { isSecret, settle, valueOf } from "../../support/outputs";
import { changed, hostMocks, OptionsRecorder, PRIVATE_KEY, PUBLIC_KEY, snapshot, topology } from "./support";

function build(extra: Partial<VagrantHostsArgs> = {}, opts: pulumi.ComponentResourceOptions = {}): VagrantHosts {
    hostMocks();
    return new VagrantHosts("vagrant", { hosts: topology("vagrant"), dir: ".vagrant-stacks/test", ...extra }, opts);
}

/** The files a machine's write command puts in its directory, decoded from its stdin. */
function files(name: string): Record<string, { mode: string; content: string }> {
    const stdin: string = mocks.named(`vagrant-vagrant-${name}-files`).inputs.stdin;
    return Object.fromEntries(
        stdin
            .trim()
            .split("\n")
            .map((l) => l.split(" "))
            .map(([f, mode, data]) => [f, { mode, content: Buffer.from(data, "base64").toString() }]),
    );
}

describe("vagrant target (VagrantHosts)", () => {
    it("renders one Vagrantfile per machine: Ubuntu 24.04 box pinned, the original's addresses and sizes, the stack key for root", async () => {
        build();
        await settle();
        const vf = files("node1").Vagrantfile.content;
        expect(vf).to.contain("config.vm.box = 'bento/ubuntu-24.04'");
        expect(vf).to.contain("config.vm.box_version = '202510.26.0'");
        expect(vf).to.contain(`m.vm.network "private_network", ip: '10.0.15.11', netmask: '24'`);
        expect(vf).to.contain("vb.memory = 2560");
        expect(vf).to.contain("vb.cpus = 2");
        expect(vf).to.contain(PUBLIC_KEY);
        expect(vf).to.not.contain("node2");
        expect(files("mgmt").Vagrantfile.content).to.contain("vb.memory = 1024");
        // Besides the Vagrantfile, only the machine's own host key (tests/unit/hosts/host-keys.test.ts).
        expect(Object.keys(files("node1"))).to.deep.equal(["Vagrantfile", "ssh_host_ed25519_key", "ssh_host_ed25519_key.pub"]);
        expect(files("node1").ssh_host_ed25519_key.mode).to.equal("0600");
    });

    it("runs vagrant up / reload / destroy per machine in its own directory, one after another, and reads ssh-config as a secret", async () => {
        const rec = new OptionsRecorder();
        const v = build({}, { transformations: [rec.transformation] });
        await settle();
        const up = mocks.named("vagrant-vagrant-node2");
        expect(up.type).to.equal("command:local:Command");
        expect(up.inputs).to.deep.include({
            dir: ".vagrant-stacks/test/node2",
            create: "vagrant up --provider=virtualbox node2",
            update: "vagrant reload --provision node2",
            delete: "vagrant destroy -f node2",
        });
        expect(up.inputs.environment.VAGRANT_CHECKPOINT_DISABLE).to.equal("1");
        expect(rec.get("vagrant-vagrant-node2").deleteBeforeReplace).to.equal(true);
        expect(rec.get("vagrant-vagrant-node2").dependsOn).to.include(v.machines.machines.node1.up);
        const ssh = mocks.named("vagrant-vagrant-node2-ssh-config");
        expect(ssh.inputs.create).to.contain("vagrant ssh-config node2");
        expect(ssh.inputs.logging).to.equal("none");
        expect(rec.get("vagrant-vagrant-node2-ssh-config").additionalSecretOutputs).to.deep.equal(["stdout"]);
        expect(await isSecret(v.machines.machines.node2.identity)).to.equal(true);
    });

    it("connects as root with the stack key at the address and port ssh-config gives, after the machine is up", async () => {
        const rec = new OptionsRecorder();
        const v = build({}, { transformations: [rec.transformation] });
        await settle();
        const ready = mocks.named("vagrant-node2-ready").inputs;
        expect(ready.connection).to.deep.include({ host: "127.0.0.1", port: 2201, user: "root", privateKey: PRIVATE_KEY, dialErrorLimit: -1 });
        expect(rec.get("vagrant-node2-ready").dependsOn).to.deep.equal([v.machines.machines.node2.up]);
        expect(await isSecret(v.hosts[2].connection)).to.equal(true);
        expect(await valueOf(v.hosts[2].privateIp)).to.equal("10.0.15.12");
        const out = await valueOf(v.outputs);
        expect(out.node2).to.deep.equal({ ip: "10.0.15.12", roles: ["zookeeper", "agent"], ssh: "ssh -i microservice-test.key -p 2201 root@127.0.0.1" });
    });

    it("blast radius: node memory reloads the three nodes and leaves mgmt alone; a new box replaces machines", async () => {
        build();
        await settle();
        const before = snapshot();
        const oldTrigger = mocks.named("vagrant-vagrant-node1").inputs.triggers;
        mocks.reset();
        build({ node: { memory: 4096, cpus: 2 } });
        await settle();
        const diff = changed(before, snapshot());
        expect(diff.filter((n) => n.includes("mgmt"))).to.deep.equal([]);
        for (const n of ["node1", "node2", "node3"]) {
            expect(diff).to.include.members([`command:local:Command::vagrant-vagrant-${n}-files`, `command:local:Command::vagrant-vagrant-${n}`]);
        }
        // Memory is an update (vagrant reload keeps the disk), not a replacement.
        expect(mocks.named("vagrant-vagrant-node1").inputs.triggers).to.deep.equal(oldTrigger);
        mocks.reset();
        build({ boxVersion: "202602.01.0" });
        await settle();
        expect(mocks.named("vagrant-vagrant-mgmt").inputs.triggers).to.not.deep.equal(oldTrigger);
    });

    it("with the docker provider: the node image with the local target's run flags, the stack key as a 0600 file", async () => {
        build({ provider: "docker" });
        await settle();
        const f = files("node3");
        expect(f.stack_key).to.deep.equal({ mode: "0600", content: PRIVATE_KEY });
        expect(f.authorized_keys.content).to.equal(`${PUBLIC_KEY}\n`);
        expect(f.Vagrantfile.content).to.contain("d.image = 'microservice/node:bookworm'");
        expect(f.Vagrantfile.content).to.contain("'--cap-drop=SYS_RESOURCE'");
        expect(f.Vagrantfile.content).to.contain("config.ssh.private_key_path = File.join(__dir__, 'stack_key')");
        expect(f.Vagrantfile.content).to.contain("File.join(__dir__, 'authorized_keys:/etc/ssh/platform_authorized_keys:ro')");
        expect(mocks.named("vagrant-vagrant-node3-files").secretInputs).to.include("stdin");
        expect(mocks.named("vagrant-vagrant-node3").inputs.create).to.equal("vagrant up --provider=docker node3");
    });

    it("rejects bad args before creating anything", () => {
        const cases: [Partial<VagrantHostsArgs>, RegExp][] = [
            [{ provider: "vmware" as any }, /provider: expected virtualbox, libvirt or docker, got "vmware"/],
            [{ node: { memory: 256, cpus: 2 } }, /node\.memory: expected memory in MB, at least 512, got 256/],
            [{ dir: "my machines" }, /dir: expected a directory path without spaces.*got "my machines"/],
            [{ subnet: "192.168.56.0/24" }, /hosts\[0\]\.ip: expected an address inside subnet 192.168.56.0\/24, got "10.0.15.10"/],
            [{ boxUrl: "https://boxes.example.org/ubuntu.box" }, /boxChecksum: required when boxUrl is given: the box file's sha256, got nothing/],
            [
                { boxUrl: "https://boxes.example.org/u.box", boxChecksum: "abc" },
                /boxChecksum: expected the box file's sha256 \(64 lowercase hex digits\), got "abc"/,
            ],
            [{ boxUrl: "http://boxes.example.org/u.box", boxChecksum: "a".repeat(64) }, /boxUrl: expected an https:\/\/ or file:\/\/ URL of a \.box file/],
        ];
        for (const [extra, message] of cases) {
            mocks.reset();
            expect(() => new VagrantHosts("bad", { hosts: topology("vagrant"), dir: ".v", ...extra })).to.throw(message);
            expect(mocks.resources).to.have.length(0);
        }
    });
});
