import { expect } from "chai";
import { execFileSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { LocalHosts } from "../../../components/hosts/local/hosts";
import { AwsHosts } from "../../../components/hosts/aws/hosts";
import { VagrantHosts } from "../../../components/hosts/vagrant/hosts";
import { CLUSTER_PORTS } from "../../../config/sections/hosts";
import * as cli from "../../../components/hosts/local/docker-cli";
import { HOST_KEY_PATH, hostKeyCloudConfig } from "../../../components/hosts/host-key";
import { keygenScript, parseKeyPair } from "../../../components/hosts/ssh-key";
import { mocks } from "../../support/setup";
import { settle, valueOf } from "../../support/outputs";
import { hostKeyPair, hostMocks, OptionsRecorder, topology } from "./support";

/** Every connection registered so far (RemoteCommand, CopyToRemote), by resource name. */
export function registeredConnections(): { name: string; connection: any }[] {
    return mocks.resources.filter((r) => r.inputs.connection !== undefined).map((r) => ({ name: r.name, connection: r.inputs.connection }));
}

describe("host keys: local target", () => {
    it("each host gets its own key, made once here; its connection and its ready step pin it", async () => {
        hostMocks();
        const rec = new OptionsRecorder();
        const local = new LocalHosts("local", { hosts: topology("local") }, { transformations: [rec.transformation] });
        await settle();
        for (const h of local.hosts) {
            const keygen = mocks.named(`local-${h.name}-host-keygen`);
            expect(keygen.inputs.logging).to.equal("none");
            expect(keygen.inputs.create).to.contain("ssh-keygen -q -t ed25519");
            expect(rec.get(`local-${h.name}-host-keygen`).additionalSecretOutputs).to.deep.equal(["stdout"]);
            expect((await valueOf(h.connection)).hostKey, h.name).to.equal(hostKeyPair(h.name).hostKey);
            expect(mocks.named(`local-${h.name}-ready`).inputs.connection.hostKey).to.equal(hostKeyPair(h.name).hostKey);
        }
        expect(registeredConnections().length).to.equal(4);
    });

    it("the container gets the private key (secret, never in the script text) and is replaced when its key changes", async () => {
        hostMocks();
        const rec = new OptionsRecorder();
        new LocalHosts("local", { hosts: topology("local") }, { transformations: [rec.transformation] });
        await settle();
        const c = mocks.named("local-node2");
        expect(c.inputs.environment).to.deep.include({ HOST_KEY: hostKeyPair("node2").privateKey.trim(), HOST_KEY_PUB: hostKeyPair("node2").hostKey, HOST_KEY_PATH });
        expect(c.secretInputs).to.include("environment");
        expect(rec.get("local-node2").additionalSecretOutputs).to.deep.equal(["environment"]);
        expect(c.inputs.triggers).to.include(hostKeyPair("node2").hostKey);
        expect(c.inputs.create).to.not.contain("SE9TVEtFWS");
        // create, copy the keys, then start: sshd never starts without its key (nor makes its own).
        const order = ["docker create", 'docker cp "$d/host_key" "$NAME:$HOST_KEY_PATH"', 'docker cp "$d/host_key.pub" "$NAME:$HOST_KEY_PATH.pub"', 'docker start "$NAME"'].map((x) => c.inputs.create.indexOf(x));
        expect(order.every((i: number, k: number) => i >= 0 && (k === 0 || i > order[k - 1])), String(order)).to.equal(true);
    });

    it("the container script (run here against a stand-in docker) copies a 0600 private key and the public line where sshd reads them", () => {
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "hostkey-cli-"));
        try {
            // The stand-in docker keeps what `docker cp` is given, with its mode.
            fs.writeFileSync(
                path.join(dir, "docker"),
                `#!/bin/bash\ncase "$1" in cp) n=$(echo "$3" | tr '/:' '__'); cp -p "$2" "${dir}/got$n";; inspect) echo cid;; esac\nexit 0\n`,
                { mode: 0o755 },
            );
            const pair = parseKeyPair(execFileSync("bash", ["-c", keygenScript("root@node2")], { encoding: "utf8" }));
            const env = { ...process.env, PATH: `${dir}:${process.env.PATH}`, NAME: "c1", HOSTNAME: "node2", NET: "n", IP: "10.0.15.12", IMAGE: "i", VOLUME: "v", STACK: "s", PUBLIC_KEY: "ssh-ed25519 AAAAuser", KEY_PATH: "/etc/ssh/platform_authorized_keys", HOST_KEY: pair.privateKey.trim(), HOST_KEY_PUB: "ssh-ed25519 AAAAhost", HOST_KEY_PATH };
            expect(execFileSync("bash", ["-c", cli.container().create], { env, encoding: "utf8" })).to.equal("cid\n");
            const priv = path.join(dir, "gotc1__etc_ssh_ssh_host_ed25519_key");
            expect(fs.statSync(priv).mode & 0o777).to.equal(0o600);
            // What landed is a key ssh-keygen reads, whose public half is the one printed.
            expect(execFileSync("ssh-keygen", ["-y", "-f", priv], { encoding: "utf8" }).split(" ").slice(0, 2)).to.deep.equal(pair.publicKey.split(" ").slice(0, 2));
            expect(fs.readFileSync(path.join(dir, "gotc1__etc_ssh_ssh_host_ed25519_key.pub"), "utf8")).to.equal("ssh-ed25519 AAAAhost\n");
        } finally {
            fs.rmSync(dir, { recursive: true, force: true });
        }
    });
});

describe("host keys: AWS cloud-init user data", () => {
    it("installs exactly the given key before sshd starts: image keys deleted, no other type generated", () => {
        const pair = hostKeyPair("node1");
        const text = hostKeyCloudConfig(pair.privateKey, `${pair.hostKey} root@node1`);
        expect(text.startsWith("#cloud-config\n")).to.equal(true);
        const parsed = JSON.parse(execFileSync("python3", ["-c", "import sys, json, yaml; print(json.dumps(yaml.safe_load(sys.stdin)))"], { input: text, encoding: "utf8" }));
        expect(parsed).to.deep.equal({
            ssh_deletekeys: true,
            ssh_genkeytypes: [],
            ssh_keys: { ed25519_private: pair.privateKey, ed25519_public: pair.hostKey },
        });
        expect(() => hostKeyCloudConfig("not a key", pair.hostKey)).to.throw(/expected an OpenSSH private key/);
        expect(() => hostKeyCloudConfig(pair.privateKey, "ssh-rsa AAAA")).to.throw(/expected an ssh-ed25519 public key/);
    });
});

describe("host keys: aws target", () => {
    function build(): AwsHosts {
        hostMocks();
        mocks.onResource("aws:ec2/instance:Instance", (args) => ({ privateIp: args.inputs.privateIp, publicIp: args.inputs.associatePublicIpAddress ? "203.0.113.10" : "", availabilityZone: "us-east-1a" }));
        mocks.onResource("aws:ec2/keyPair:KeyPair", (args) => ({ keyName: `${args.name}-name` }));
        return new AwsHosts("aws", { hosts: topology("aws"), adminCidr: "198.51.100.0/24", clusterPorts: CLUSTER_PORTS });
    }

    it("each instance's secret user data installs its own key; a new key means a new instance", async () => {
        build();
        await settle();
        for (const h of topology("aws")) {
            const inst = mocks.named(`aws-${h.name}`);
            expect(inst.secretInputs, h.name).to.include("userData");
            expect(inst.inputs.userData).to.equal(hostKeyCloudConfig(hostKeyPair(h.name).privateKey, hostKeyPair(h.name).hostKey));
            expect(inst.inputs.userDataReplaceOnChange).to.equal(true);
        }
    });

    it("every connection pins its host's key, and the jump through mgmt pins mgmt's", async () => {
        const aws = build();
        await settle();
        for (const h of aws.hosts) {
            const c = await valueOf(h.connection);
            expect(c.hostKey, h.name).to.equal(hostKeyPair(h.name).hostKey);
            if (h.name !== "mgmt") expect((c.proxy as any).hostKey, h.name).to.equal(hostKeyPair("mgmt").hostKey);
        }
        for (const { name, connection } of registeredConnections()) {
            expect(connection.hostKey, name).to.match(/^ssh-ed25519 /);
            if (connection.proxy) expect(connection.proxy.hostKey, name).to.equal(hostKeyPair("mgmt").hostKey);
        }
    });
});

describe("host keys: vagrant target", () => {
    /** What the shim writes into a machine's directory: file name -> content. */
    const written = (machine: string): Record<string, string> =>
        Object.fromEntries(
            String(mocks.named(`vagrant-vagrant-${machine}-files`).inputs.stdin)
                .trim()
                .split("\n")
                .map((l) => l.split(" "))
                .map(([name, , data]) => [name, Buffer.from(data, "base64").toString()]),
        );

    for (const provider of ["virtualbox", "docker"] as const) {
        it(`${provider}: each machine's directory holds its own key only, the Vagrantfile puts it in place, every connection pins it`, async () => {
            hostMocks();
            const v = new VagrantHosts("vagrant", { hosts: topology("vagrant"), dir: ".vagrant-stacks/test", provider });
            await settle();
            for (const h of v.hosts) {
                const files = written(h.name);
                expect(files.ssh_host_ed25519_key, h.name).to.equal(hostKeyPair(h.name).privateKey);
                expect(files["ssh_host_ed25519_key.pub"]).to.equal(`${hostKeyPair(h.name).hostKey}\n`);
                // Written once per machine: no other machine's key in this directory.
                expect(String(mocks.named(`vagrant-vagrant-${h.name}-files`).inputs.stdin).match(/^ssh_host_ed25519_key /gm)).to.have.length(1);
                expect(files.Vagrantfile).to.contain(provider === "docker" ? "ssh_host_ed25519_key:/etc/ssh/ssh_host_ed25519_key:ro" : 'name: "host-key", inline:');
                expect((await valueOf(h.connection)).hostKey).to.equal(hostKeyPair(h.name).hostKey);
                expect(mocks.named(`vagrant-${h.name}-ready`).inputs.connection.hostKey).to.equal(hostKeyPair(h.name).hostKey);
            }
        });
    }
});
