import { expect } from "chai";
import { execFileSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { LocalHosts } from "../../../components/hosts/local/hosts";
import { AwsHosts } from "../../../components/hosts/aws/hosts";
import { VagrantHosts } from "../../../components/hosts/vagrant/hosts";
import { ExistingHosts, ExistingHostsArgs } from "../../../components/hosts/existing/hosts";
import { keyscanScript, parseKeyscan } from "../../../components/hosts/existing/known-hosts";
import { platformConfigSchema } from "../../../config/schema";
import { validate } from "../../../components/validate";
import * as cli from "../../../components/hosts/local/docker-cli";
import { HOST_KEY_PATH, hostKeyCloudConfig } from "../../../components/hosts/host-key";
import { keygenScript, parseKeyPair } from "../../../components/hosts/ssh-key";
import { mocks } from "../../support/setup";
import { settle, valueOf } from "../../support/outputs";
import { hostKeyPair, hostMocks, OptionsRecorder, PRIVATE_KEY, topology } from "./support";
import * as pulumi from "@pulumi/pulumi";
import { mockStdout, MOCK_HOST_KEY } from "../../../components/testing";

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
        expect(c.inputs.environment).to.deep.include({
            HOST_KEY: hostKeyPair("node2").privateKey.trim(),
            HOST_KEY_PUB: hostKeyPair("node2").hostKey,
            HOST_KEY_PATH,
        });
        expect(c.secretInputs).to.include("environment");
        // Not additionalSecretOutputs: a secret around a secret would nest in the state.
        expect(rec.get("local-node2").additionalSecretOutputs).to.equal(undefined);
        expect(c.inputs.triggers).to.include(hostKeyPair("node2").hostKey);
        expect(c.inputs.create).to.not.contain("SE9TVEtFWS");
        // create, copy the keys, then start: sshd never starts without its key (nor makes its own).
        const order = [
            "docker create",
            'docker cp "$d/host_key" "$NAME:$HOST_KEY_PATH"',
            'docker cp "$d/host_key.pub" "$NAME:$HOST_KEY_PATH.pub"',
            'docker start "$NAME"',
        ].map((x) => c.inputs.create.indexOf(x));
        expect(
            order.every((i: number, k: number) => i >= 0 && (k === 0 || i > order[k - 1])),
            String(order),
        ).to.equal(true);
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
            const env = {
                ...process.env,
                PATH: `${dir}:${process.env.PATH}`,
                NAME: "c1",
                HOSTNAME: "node2",
                NET: "n",
                IP: "10.0.15.12",
                IMAGE: "i",
                VOLUME: "v",
                STACK: "s",
                PUBLIC_KEY: "ssh-ed25519 AAAAuser",
                KEY_PATH: "/etc/ssh/platform_authorized_keys",
                HOST_KEY: pair.privateKey.trim(),
                HOST_KEY_PUB: "ssh-ed25519 AAAAhost",
                HOST_KEY_PATH,
            };
            expect(execFileSync("bash", ["-c", cli.container().create], { env, encoding: "utf8" })).to.equal("cid\n");
            const priv = path.join(dir, "gotc1__etc_ssh_ssh_host_ed25519_key");
            expect(fs.statSync(priv).mode & 0o777).to.equal(0o600);
            // What landed is a key ssh-keygen reads, whose public half is the one printed.
            expect(execFileSync("ssh-keygen", ["-y", "-f", priv], { encoding: "utf8" }).split(" ").slice(0, 2)).to.deep.equal(
                pair.publicKey.split(" ").slice(0, 2),
            );
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
        const parsed = JSON.parse(
            execFileSync("python3", ["-c", "import sys, json, yaml; print(json.dumps(yaml.safe_load(sys.stdin)))"], { input: text, encoding: "utf8" }),
        );
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
        mocks.onResource("aws:ec2/instance:Instance", (args) => ({
            privateIp: args.inputs.privateIp,
            publicIp: args.inputs.associatePublicIpAddress ? "203.0.113.10" : "",
            availabilityZone: "us-east-1a",
        }));
        mocks.onResource("aws:ec2/keyPair:KeyPair", (args) => ({ keyName: `${args.name}-name` }));
        return new AwsHosts("aws", { hosts: topology("aws"), adminCidr: "198.51.100.0/24" });
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
                expect(files.Vagrantfile).to.contain(
                    provider === "docker" ? "ssh_host_ed25519_key:/etc/ssh/ssh_host_ed25519_key:ro" : 'name: "host-key", inline:',
                );
                expect((await valueOf(h.connection)).hostKey).to.equal(hostKeyPair(h.name).hostKey);
                expect(mocks.named(`vagrant-${h.name}-ready`).inputs.connection.hostKey).to.equal(hostKeyPair(h.name).hostKey);
            }
        });
    }
});

describe("host keys: hosts target (machines that exist)", () => {
    const machines = topology("local").map((h, i) => ({ ...h, ip: `192.0.2.${20 + i}` }));
    const line = (name: string, host: string) => `${name} ${hostKeyPair(host).hostKey} from-keyscan`;
    const allLines = machines.map((h) => line(h.ip, h.name));
    const build = (extra: Partial<ExistingHostsArgs>) => new ExistingHosts("hosts", { hosts: machines, privateKey: pulumi.secret(PRIVATE_KEY), ...extra });
    const thrown = (f: () => unknown): string => {
        try {
            f();
        } catch (e) {
            return (e as Error).message;
        }
        return "";
    };

    it("each connection pins the key of its known_hosts line ([ip]:port off port 22; the jump host's line too)", async () => {
        const e = build({
            port: 2222,
            knownHosts: [...machines.map((h) => line(`[${h.ip}]:2222`, h.name)), `bastion.example.org,198.51.100.7 ${hostKeyPair("bastion").hostKey}`],
            jumpHost: { host: "bastion.example.org" },
        });
        await settle();
        for (const h of e.hosts) {
            const c = await valueOf(h.connection);
            expect(c.hostKey, h.name).to.equal(hostKeyPair(h.name).hostKey);
            expect((c.proxy as any).hostKey).to.equal(hostKeyPair("bastion").hostKey);
        }
        for (const { name, connection } of registeredConnections())
            expect([connection.hostKey, connection.proxy.hostKey], name).to.deep.equal([
                hostKeyPair(name.split("-")[1]).hostKey,
                hostKeyPair("bastion").hostKey,
            ]);
        // Nothing is scanned when every key is given.
        expect(mocks.resources.filter((r) => r.name.endsWith("-host-key-scan"))).to.deep.equal([]);
    });

    it("a host without a known_hosts line, and without the opt-in, is refused before anything is registered", () => {
        const message = thrown(() => build({ knownHosts: allLines.slice(0, 3) }));
        expect(message).to.contain('knownHosts: expected a known_hosts line for hosts[3] node3 (192.0.2.23), like "192.0.2.23 ssh-ed25519 AAAA..."');
        expect(message).to.contain("or trustOnFirstUse: true");
        expect(thrown(() => build({ knownHosts: allLines, port: 2222 }))).to.contain("expected a known_hosts line for hosts[0] mgmt ([192.0.2.20]:2222)");
        expect(thrown(() => build({ knownHosts: allLines, jumpHost: { host: "bastion.example.org" } }))).to.contain(
            "expected a known_hosts line for the jump host (bastion.example.org)",
        );
        expect(thrown(() => build({ knownHosts: ["|1|hashed= ssh-ed25519 AAAA"] }))).to.match(
            new RegExp(
                /knownHosts\[0\]: expected a known_hosts line like "192.0.2.10 ssh-ed25519 AAAA\.\.\." \(host names in clear, no hashed names, /.source +
                    /wildcards or @markers\)/.source,
            ),
        );
        expect(mocks.resources).to.have.length(0);
    });

    it("the stack config refuses target hosts without a line per host (naming existing.knownHosts) unless trustOnFirstUse is set", () => {
        const raw = { target: "hosts", hosts: machines, sshPrivateKey: PRIVATE_KEY };
        // Only this layer's lines: the rest of the platform is configured elsewhere.
        const errors = (r: Record<string, unknown>) =>
            thrown(() => validate(platformConfigSchema, r, "stack config"))
                .split("\n")
                .filter((l) => l.includes("existing."))
                .join("\n");
        expect(errors(raw)).to.contain(
            'existing.knownHosts: expected a known_hosts line for hosts[0] mgmt (192.0.2.20), like "192.0.2.20 ssh-ed25519 AAAA..."',
        );
        expect(errors({ ...raw, existing: { knownHosts: allLines } })).to.equal("");
        expect(errors({ ...raw, existing: { trustOnFirstUse: true } })).to.equal("");
        expect(errors({ ...raw, existing: { knownHosts: allLines, jumpHost: { host: "bastion.example.org" } } })).to.contain(
            "existing.knownHosts: expected a known_hosts line for the jump host (bastion.example.org)",
        );
        expect(errors({ ...raw, existing: { knownHosts: ["192.0.2.20 ssh-ed25519 AAAA$(id)"] } })).to.contain(
            "existing.knownHosts[0]: expected a known_hosts line",
        );
    });

    it("trustOnFirstUse: the key each host shows at the first up is scanned once and pinned from then on", async () => {
        hostMocks();
        const e = build({ trustOnFirstUse: true, knownHosts: [line(machines[0].ip, "mgmt")] });
        await settle();
        expect(mocks.resources.filter((r) => r.name.endsWith("-host-key-scan")).map((r) => r.name)).to.have.members([
            "hosts-node1-host-key-scan",
            "hosts-node2-host-key-scan",
            "hosts-node3-host-key-scan",
        ]);
        const scan = mocks.named("hosts-node2-host-key-scan");
        expect(scan.type).to.equal("pulumi-nodejs:dynamic/exec:LocalCommand");
        expect(scan.inputs.environment).to.deep.equal({ HOST: "192.0.2.22", PORT: "22" });
        // Made once: nothing but the address changes it, so later ups keep the first key.
        expect(scan.inputs.triggers).to.deep.equal(["192.0.2.22", 22]);
        expect((await valueOf(e.hosts[0].connection)).hostKey).to.equal(hostKeyPair("mgmt").hostKey);
        expect((await valueOf(e.hosts[2].connection)).hostKey).to.equal(hostKeyPair("scanned-192.0.2.22").hostKey);
        expect(mocks.named("hosts-node2-ready").inputs.connection.hostKey).to.equal(hostKeyPair("scanned-192.0.2.22").hostKey);
    });

    it("trustOnFirstUse behind a jump host: the jump host is scanned from here, the hosts from the jump host (over the pinned connection)", async () => {
        hostMocks();
        mocks.onResource("pulumi-nodejs:dynamic/exec:RemoteCommand", (args) =>
            args.name.endsWith("-host-key-scan")
                ? {
                      stdout:
                          `# ${args.inputs.environment.HOST}:22 SSH-2.0-OpenSSH_9.6\n` +
                          `${args.inputs.environment.HOST} ${hostKeyPair(`behind-${args.inputs.environment.HOST}`).hostKey}`,
                      stderr: "",
                  }
                : undefined,
        );
        const e = build({ trustOnFirstUse: true, jumpHost: { host: "bastion.example.org" } });
        await settle();
        expect(mocks.named("hosts-jump-host-key-scan").type).to.equal("pulumi-nodejs:dynamic/exec:LocalCommand");
        const remote = mocks.named("hosts-node1-host-key-scan");
        expect(remote.type).to.equal("pulumi-nodejs:dynamic/exec:RemoteCommand");
        expect(remote.inputs.connection).to.deep.include({ host: "bastion.example.org", hostKey: hostKeyPair("scanned-bastion.example.org").hostKey });
        const c = await valueOf(e.hosts[1].connection);
        expect([c.hostKey, (c.proxy as any).hostKey]).to.deep.equal([
            hostKeyPair("behind-192.0.2.21").hostKey,
            hostKeyPair("scanned-bastion.example.org").hostKey,
        ]);
        for (const { name, connection } of registeredConnections()) expect(connection.hostKey, name).to.match(/^ssh-ed25519 /);
    });

    it("microservice-platform/testing's PlatformMocks answer the scans as ssh-keyscan would", () => {
        const local = mockStdout("pulumi-nodejs:dynamic/exec:LocalCommand", "m-node1-host-key-scan", {
            create: keyscanScript(),
            environment: { HOST: "192.0.2.21", PORT: "22" },
        });
        expect(parseKeyscan(local, "192.0.2.21:22")).to.equal(MOCK_HOST_KEY);
        const remote = mockStdout("pulumi-nodejs:dynamic/exec:RemoteCommand", "m-node1-host-key-scan", {
            create: keyscanScript(),
            environment: { HOST: "192.0.2.21", PORT: "22" },
        });
        expect(parseKeyscan(remote, "192.0.2.21:22")).to.equal(MOCK_HOST_KEY);
    });

    it("the scan script (run here against a stand-in ssh-keyscan) retries until the host answers; the parser takes the strongest key", () => {
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "keyscan-"));
        try {
            fs.writeFileSync(
                path.join(dir, "ssh-keyscan"),
                `#!/bin/bash\nn=$(cat ${dir}/n 2>/dev/null || echo 0); echo $((n+1)) > ${dir}/n\n[ "$n" -ge 2 ] && printf '%s\\n' "$*" "# h:22 SSH-2.0" ` +
                    `"$HOSTARG ssh-rsa AAAArsa" "$HOSTARG ssh-ed25519 AAAAed"\nexit 0\n`,
                { mode: 0o755 },
            );
            fs.writeFileSync(path.join(dir, "sleep"), "#!/bin/sh\nexit 0\n", { mode: 0o755 });
            const out = execFileSync("bash", ["-c", keyscanScript()], {
                env: { ...process.env, PATH: `${dir}:${process.env.PATH}`, HOST: "192.0.2.9", PORT: "2222", HOSTARG: "[192.0.2.9]:2222" },
                encoding: "utf8",
            });
            expect(out.split("\n")[0]).to.equal("-T 5 -p 2222 -t ed25519,ecdsa,rsa -- 192.0.2.9");
            expect(parseKeyscan(out, "192.0.2.9:2222")).to.equal("ssh-ed25519 AAAAed");
            expect(parseKeyscan("[h]:22 ssh-rsa AAAArsa\nh ecdsa-sha2-nistp256 AAAAec", "h")).to.equal("ecdsa-sha2-nistp256 AAAAec");
            expect(() => parseKeyscan("STEP x: changed (mock)", "192.0.2.9:22")).to.throw(/no SSH host key from 192\.0\.2\.9:22/);
        } finally {
            fs.rmSync(dir, { recursive: true, force: true });
        }
    });
});
