import { expect } from "chai";
import * as pulumi from "@pulumi/pulumi";
import { MesosCluster } from "../../../components/mesos";
import { byDigest } from "../../../components/mesos/images";
import { expectGolden, stepBody } from "../provision/golden";
import { fakeHost, realisticStepOutputs } from "../provision/fake-host";
import { directDeps, runsAfter } from "../provision/deps";
import { mocks } from "../../support/setup";
import { settle, valueOf, isSecret } from "../../support/outputs";
import { args, haLayout, IMAGES, KEYSTORE_PASSWORD, layout, PASSWORD, registry, SECRETS, ZK_PASSWORD } from "./fixtures";

const stdin = (name: string) => mocks.named(name).inputs.stdin as string;
/** Every remote step's script by resource name. */
const scripts = async () => {
    await settle();
    return Object.fromEntries(
        mocks
            .byType("pulumi-nodejs:dynamic/exec:RemoteCommand")
            .filter((r) => typeof r.inputs.stdin === "string")
            .map((r) => [r.name, r.inputs.stdin as string]),
    );
};
const names = () => mocks.resources.map((r) => r.name);

describe("MesosCluster", () => {
    it("puts masters, agents and Marathon on the hosts of their roles, with readiness steps per host", async () => {
        new MesosCluster("mesos", args(layout()));
        await settle();
        const steps = mocks
            .byType("pulumi-nodejs:dynamic/exec:RemoteCommand")
            .map((r) => r.name)
            .filter((n) => n.startsWith("mesos-") && !n.includes("zookeeper"));
        expect(steps).to.have.members([
            // Each host's images first, pulled before its daemons' steps (imageOps).
            "mesos-node1-mesos-images",
            "mesos-node2-mesos-images",
            "mesos-node3-mesos-images",
            "mesos-node1-mesos-master",
            "mesos-node1-mesos-agent",
            "mesos-node1-marathon",
            "mesos-node2-mesos-agent",
            "mesos-node3-mesos-agent",
            "mesos-node1-mesos-master-ready",
            "mesos-node1-marathon-ready",
            "mesos-node1-mesos-agent-ready",
            "mesos-node2-mesos-agent-ready",
            "mesos-node3-mesos-agent-ready",
            "mesos-node1-mesos-master-removal",
            "mesos-node1-mesos-agent-removal",
            "mesos-node1-marathon-removal",
            "mesos-node2-mesos-agent-removal",
            "mesos-node3-mesos-agent-removal",
            // Marathon's HTTPS certificate: key made on node1, signed on the CA's host (mgmt).
            "mesos-marathon-node1-node1-tls-key",
            "mesos-marathon-node1-mgmt-tls-sign",
        ]);
        // ZooKeeper is composed: the hosts with role zookeeper, Debian's package.
        expect(names()).to.include.members(["mesos-zookeeper-node1-zookeeper", "mesos-zookeeper-node2-zookeeper", "mesos-zookeeper-node3-zookeeper"]);
        expect(mocks.byType("microservice:index:MesosCluster")).to.have.length(1);
        expect(mocks.byType("microservice:index:ZooKeeperEnsemble")).to.have.length(1);
    });

    it("renders every step per role (golden): master, system and app agents, marathon, readiness", async () => {
        realisticStepOutputs(); // the PKI steps print their PEM: Marathon's certificate and CA land in its step
        new MesosCluster("mesos", args(layout()));
        await settle();
        for (const [file, step] of [
            ["step-master-node1.sh", "mesos-node1-mesos-master"],
            ["step-agent-node1.sh", "mesos-node1-mesos-agent"],
            ["step-agent-node2.sh", "mesos-node2-mesos-agent"],
            ["step-marathon-node1.sh", "mesos-node1-marathon"],
            ["step-master-ready-node1.sh", "mesos-node1-mesos-master-ready"],
            ["step-agent-ready-node2.sh", "mesos-node2-mesos-agent-ready"],
            ["step-marathon-ready-node1.sh", "mesos-node1-marathon-ready"],
        ]) {
            expectGolden(__dirname, file, stepBody(stdin(step)));
        }
        expect(stdin("mesos-node1-mesos-agent")).to.contain("MESOS_ATTRIBUTES=slavetype:system\n");
        expect(stdin("mesos-node2-mesos-agent")).to.contain("MESOS_ATTRIBUTES=slavetype:app\n");
        expect(stdin("mesos-node1-mesos-master"))
            .to.contain("MESOS_QUORUM=1\n")
            .and.contain(`MESOS_ZK=zk://microservice:${ZK_PASSWORD}@10.0.15.11:2181,10.0.15.12:2181,10.0.15.13:2181/mesos\n`);
        // The ZooKeeper credentials reach the hosts only in 0600 env files, through secret steps.
        for (const [step, file] of [
            ["mesos-node1-mesos-master", "master.env"],
            ["mesos-node2-mesos-agent", "agent.env"],
            ["mesos-node1-marathon", "marathon.env"],
        ]) {
            expect(stdin(step), step).to.contain(`ensure_file '/etc/${step.endsWith("marathon") ? "marathon" : "mesos"}/${file}' '0600' 'root' 'root'`);
            expect(mocks.named(step).secretInputs, step).to.include("stdin");
        }
    });

    it("keeps Marathon's keystore password in the secret Marathon steps only, never in a command line, trigger in clear or log", async () => {
        new MesosCluster("mesos", args(haLayout()));
        await settle();
        const holders = mocks.resources.filter((r) => JSON.stringify(r.inputs).includes(KEYSTORE_PASSWORD));
        expect(holders.map((r) => r.name)).to.have.members(["mesos-node1-marathon", "mesos-node2-marathon", "mesos-node3-marathon"]);
        for (const r of holders) {
            expect(r.secretInputs, r.name).to.include.members(["stdin", "triggers"]);
            expect(r.inputs.logging, r.name).to.equal("none");
            expect(JSON.stringify(r.inputs.create ?? ""), r.name).not.to.contain(KEYSTORE_PASSWORD);
            // In the script, only as the content of the 0600 credentials file (openssl reads it on fd 3).
            const lines = (r.inputs.stdin as string).split("\n").filter((l) => l.includes(KEYSTORE_PASSWORD));
            expect(lines, r.name).to.deep.equal([`MESOSPHERE_KEYSTORE_PASS=${KEYSTORE_PASSWORD}`]);
            expect(r.inputs.stdin as string).to.contain(`ensure_file '/etc/marathon/credentials.env' '0600' 'root' 'root'`);
        }
        // Generated once per stack when not given, kept as a secret output of its generator.
        mocks.reset();
        new MesosCluster("gen", args(haLayout(), { marathonKeystorePassword: undefined }));
        await settle();
        const gen = mocks.named("gen-marathon-keystore-password");
        expect(gen.inputs.create).to.equal("openssl rand -hex 24");
        expect(gen.inputs.logging).to.equal("none");
    });

    it("marathon.tls false: plain HTTP on httpPort, no certificate, no keystore, no CA needed; tls without a CA is refused naming the way out", async () => {
        const c = new MesosCluster("mesos", args(layout(), { settings: { marathon: { tls: false } } }));
        await settle();
        expect(await valueOf(c.marathonUrl)).to.equal("http://10.0.15.11:8080");
        expect(await valueOf(c.marathonCaCert)).to.equal("");
        expect(mocks.resources.map((r) => r.name).filter((n) => /tls|keystore|stack-ca/.test(n))).to.deep.equal([]);
        const marathon = stdin("mesos-node1-marathon");
        expect(marathon).to.contain("MARATHON_HTTP_PORT=8080\n").and.not.contain("MARATHON_HTTPS_PORT").and.not.contain("MESOSPHERE_KEYSTORE_PASS");
        expect(marathon).to.contain("ensure_absent '/etc/marathon/tls/keystore.p12'");
        expect(stdin("mesos-node1-marathon-ready")).to.contain("http://10.0.15.11:8080/ping").and.not.contain("--cacert");
        const { ca: _ca, ...withoutCa } = args(layout());
        expect(() => new MesosCluster("bad", withoutCa)).to.throw(
            new RegExp(
                /MesosCluster "bad": invalid input\n\s+ca: required while marathon.tls is true \(the default\)[^\n]*or set settings: \{ marathon: \{ /.source +
                    /tls: false \} \} to serve plain HTTP/.source,
            ),
        );
    });

    it("three masters: quorum 2 on each, Marathon on each, one zk string", async () => {
        const c = new MesosCluster("mesos", args(haLayout()));
        expect(c.quorum).to.equal(2);
        await settle();
        for (const n of ["node1", "node2", "node3"]) {
            expect(stdin(`mesos-${n}-mesos-master`)).to.contain("MESOS_QUORUM=2\n");
            expect(stdin(`mesos-${n}-marathon`)).to.contain(
                `MARATHON_MASTER=zk://microservice:${ZK_PASSWORD}@10.0.15.11:2181,10.0.15.12:2181,10.0.15.13:2181/mesos\n`,
            );
        }
        expect(await valueOf(c.mesosUrls)).to.deep.equal(["http://10.0.15.11:5050", "http://10.0.15.12:5050", "http://10.0.15.13:5050"]);
        expect(await valueOf(c.marathonUrls)).to.deep.equal(["https://10.0.15.11:8443", "https://10.0.15.12:8443", "https://10.0.15.13:8443"]);
        expect(await valueOf(c.marathonUrl)).to.equal("https://10.0.15.11:8443");
        expect(stdin("mesos-node2-mesos-master-ready")).to.contain("for m in 10.0.15.11 10.0.15.12 10.0.15.13; do");
    });

    it("orders steps: Docker before the daemons, masters before their readiness, leader before agents' and Marathon's readiness", async () => {
        const h = layout();
        const docker = Object.fromEntries(h.map((x) => [x.name, [fakeHost(`${x.name}-docker`, "10.0.0.1").ready]]));
        new MesosCluster("mesos", args(h, { hostReady: docker }));
        await settle();
        expect(runsAfter("mesos-node2-mesos-agent", "node2-docker-ready")).to.equal(true);
        expect(directDeps("mesos-node1-mesos-master-ready")).to.include.members(["mesos-node1-mesos-master", "mesos-zookeeper-node1-zookeeper-ready"]);
        expect(directDeps("mesos-node2-mesos-agent-ready")).to.include.members(["mesos-node2-mesos-agent", "mesos-node1-mesos-master-ready"]);
        expect(directDeps("mesos-node1-marathon-ready")).to.include.members(["mesos-node1-marathon", "mesos-node1-mesos-master-ready"]);
    });

    it("keeps the Marathon password secret: only in secret step inputs, never in plain ones", async () => {
        const c = new MesosCluster("mesos", args(layout()));
        await settle();
        const holders = mocks.resources.filter((r) => JSON.stringify(r.inputs).includes(PASSWORD));
        expect(holders.map((r) => r.name)).to.deep.equal(["mesos-node1-marathon"]);
        expect(holders[0].secretInputs).to.include("stdin");
        expect(holders[0].inputs.logging).to.equal("none");
        expect(stdin("mesos-node1-marathon")).to.contain("ensure_file '/etc/marathon/credentials.env' '0600'");
        expect(await isSecret(c.marathonPassword)).to.equal(true);
        expect(await valueOf(c.marathonUsername)).to.equal("marathon");
    });

    it("keeps each Mesos secret in the secret steps that need it, in 0600 files only, never in a plain input", async () => {
        new MesosCluster("mesos", args(layout()));
        await settle();
        // As written, or base64 (a file without a final newline travels so: Marathon's secret file).
        const holders = (secret: string) =>
            mocks.resources.filter((r) => [secret, Buffer.from(secret).toString("base64")].some((f) => JSON.stringify(r.inputs).includes(f)));
        const agents = ["mesos-node1-mesos-agent", "mesos-node2-mesos-agent", "mesos-node3-mesos-agent"];
        expect(holders(SECRETS.framework).map((r) => r.name)).to.have.members(["mesos-node1-mesos-master", "mesos-node1-marathon"]);
        expect(holders(SECRETS.agent).map((r) => r.name)).to.have.members(["mesos-node1-mesos-master", ...agents]);
        expect(holders(SECRETS.operator).map((r) => r.name)).to.have.members(["mesos-node1-mesos-master", ...agents]);
        for (const r of [...holders(SECRETS.framework), ...holders(SECRETS.agent), ...holders(SECRETS.operator)]) {
            expect(r.secretInputs, r.name).to.include("stdin");
            expect(r.inputs.logging, r.name).to.equal("none");
        }
        expect(stdin("mesos-node1-mesos-master"))
            .to.contain("ensure_file '/etc/mesos/credentials.json' '0600'")
            .and.contain("ensure_file '/etc/mesos/probe.curlrc' '0600'");
        expect(stdin("mesos-node2-mesos-agent"))
            .to.contain("ensure_file '/etc/mesos/agent-credential.json' '0600'")
            .and.contain("ensure_file '/etc/mesos/agent-http-credentials.json' '0600'");
        expect(stdin("mesos-node1-marathon")).to.contain("ensure_file '/etc/marathon/mesos-secret' '0600'");
        // The readiness steps (plain) only name the curl config.
        expect(stdin("mesos-node2-mesos-agent-ready")).to.contain("-K /etc/mesos/probe.curlrc").and.not.contain(SECRETS.operator);
    });

    it("generates each Mesos secret left out, once, as a secret (openssl rand where pulumi up runs, output hidden)", async () => {
        const a = args(layout());
        delete a.mesosFrameworkSecret;
        delete a.mesosOperatorSecret;
        new MesosCluster("mesos", a);
        await settle();
        for (const n of ["mesos-framework-secret", "mesos-operator-secret"]) {
            const gen = mocks.named(n);
            expect(gen.type).to.equal("pulumi-nodejs:dynamic/exec:LocalCommand");
            expect(gen.inputs.create).to.equal("openssl rand -hex 24");
            expect(gen.inputs.logging).to.equal("none");
        }
        expect(names()).not.to.include("mesos-agent-secret");
        // A generated secret still only reaches secret steps.
        for (const n of ["mesos-node1-mesos-master", "mesos-node1-marathon", "mesos-node2-mesos-agent"])
            expect(mocks.named(n).secretInputs, n).to.include("stdin");
    });

    it("mirrors each image once from mgmt into the registry and runs it from there by the same digest", async () => {
        const c = new MesosCluster("mesos", args(layout(), { settings: { mirrorToRegistry: true }, registry: registry() }));
        await settle();
        const mirror = stdin("mesos-mgmt-mesos-mirror");
        expectGolden(__dirname, "step-mirror-mgmt.sh", stepBody(mirror));
        expect(mirror).to.contain("skopeo copy --all --preserve-digests").and.contain("--dest-cert-dir /etc/docker/certs.d/10.0.15.11:5000");
        const digest = IMAGES.agent.split("@")[1];
        expect(stdin("mesos-node2-mesos-agent")).to.contain(`10.0.15.11:5000/mesos/mesos-slave@${digest}`).and.not.contain("mesosphere/mesos-slave");
        expect(runsAfter("mesos-node2-mesos-agent", "mesos-mgmt-mesos-mirror")).to.equal(true);
        expect((await valueOf(c.images)).master).to.equal(`10.0.15.11:5000/mesos/mesos-master@${IMAGES.master.split("@")[1]}`);
    });

    it("hands agents the mesh's Docker endpoint; each agent waits for the mesh on its own host only", async () => {
        const mesh = fakeHost("mesh", "10.0.0.2").ready;
        new MesosCluster("mesos", args(layout(), { network: { agentDockerSocket: "/var/run/weave/weave.sock", hostReady: { node2: [mesh] } } }));
        await settle();
        expect(stdin("mesos-node2-mesos-agent")).to.contain("MESOS_DOCKER_SOCKET=/var/run/weave/weave.sock\n").and.contain("-v /var/run/weave:/var/run/weave");
        expect(runsAfter("mesos-node2-mesos-agent", "mesh-ready")).to.equal(true);
        expect(runsAfter("mesos-node3-mesos-agent", "mesh-ready")).to.equal(false);
    });

    it("task launch timeout follows the executor registration timeout; attributes from config", async () => {
        new MesosCluster("mesos", args(layout(), { settings: { executorRegistrationTimeout: "20mins", agentAttributes: { rack: "r1" } } }));
        await settle();
        expect(stdin("mesos-node1-marathon")).to.contain("MARATHON_TASK_LAUNCH_TIMEOUT=1260000\n");
        expect(stdin("mesos-node2-mesos-agent"))
            .to.contain("MESOS_EXECUTOR_REGISTRATION_TIMEOUT=20mins\n")
            .and.contain("MESOS_ATTRIBUTES=rack:r1;slavetype:app\n");
    });

    it("blast radius: adding node4 as an agent creates only node4's resources and changes no step", async () => {
        new MesosCluster("mesos", args(layout()));
        const before = await scripts();
        const namesBefore = names();
        mocks.reset();
        new MesosCluster("mesos", args(layout([fakeHost("node4", "10.0.15.14", ["agent"])])));
        const after = await scripts();
        expect(Object.keys(before).filter((k) => before[k] !== after[k])).to.deep.equal([]);
        const added = names().filter((n) => !namesBefore.includes(n));
        expect(added).to.have.members([
            "node4-fake",
            "node4-ready",
            "mesos-node4-mesos-images",
            "mesos-node4-mesos-agent",
            "mesos-node4-mesos-agent-ready",
            "mesos-node4-mesos-agent-removal",
        ]);
    });

    it("blast radius: going from 3 masters to 1 changes node1's quorum and master list, and the former masters' slavetype", async () => {
        new MesosCluster("mesos", args(haLayout()));
        const three = await scripts();
        mocks.reset();
        new MesosCluster("mesos", args(haLayout(["node1"])));
        const one = await scripts();
        const changed = Object.keys(one).filter((k) => k in three && three[k] !== one[k]);
        // node2 and node3 were "system" agents because of their control roles; now they are "app" agents,
        // and they no longer pull the master's and Marathon's images.
        expect(changed).to.have.members([
            "mesos-node1-mesos-master",
            "mesos-node1-mesos-master-ready",
            "mesos-node2-mesos-agent",
            "mesos-node3-mesos-agent",
            "mesos-node2-mesos-images",
            "mesos-node3-mesos-images",
        ]);
        expect(one["mesos-node2-mesos-images"]).to.contain(byDigest(IMAGES.agent)).and.not.contain(byDigest(IMAGES.marathon));
        expect(one["mesos-node2-mesos-agent"]).to.contain("MESOS_ATTRIBUTES=slavetype:app\n");
        expect(one["mesos-node1-marathon"]).to.equal(three["mesos-node1-marathon"]);
        const gone = Object.keys(three).filter((k) => !(k in one));
        expect(gone).to.have.members([
            "mesos-node2-mesos-master",
            "mesos-node3-mesos-master",
            "mesos-node2-mesos-master-ready",
            "mesos-node3-mesos-master-ready",
            "mesos-node2-marathon",
            "mesos-node3-marathon",
            "mesos-node2-marathon-ready",
            "mesos-node3-marathon-ready",
            // Their Marathon certificates too (keys made there, signed on the CA's host).
            "mesos-marathon-node2-node2-tls-key",
            "mesos-marathon-node3-node3-tls-key",
            "mesos-marathon-node2-node1-tls-sign",
            "mesos-marathon-node3-node1-tls-sign",
        ]);
        // The removed masters' removal resources go too: their delete stops the daemons on those hosts.
        expect(mocks.resources.map((r) => r.name)).not.to.include("mesos-node2-mesos-master-removal");
    });

    it("changing an agent's attributes changes that agent's step only", async () => {
        const withAttrs = (attrs?: Record<string, string>) => [
            fakeHost("node1", "10.0.15.11", ["zookeeper", "master", "marathon", "agent"], { zookeeperId: 1 }),
            fakeHost("node2", "10.0.15.12", ["agent"], { agentAttributes: attrs }),
        ];
        new MesosCluster("mesos", args(withAttrs()));
        const before = await scripts();
        mocks.reset();
        new MesosCluster("mesos", args(withAttrs({ disk: "ssd" })));
        const after = await scripts();
        expect(Object.keys(after).filter((k) => before[k] !== after[k])).to.deep.equal(["mesos-node2-mesos-agent"]);
        expect(after["mesos-node2-mesos-agent"]).to.contain("agent forgets its id after a non-additive change");
    });

    it("uses an existing ZooKeeper endpoint instead of creating an ensemble", async () => {
        const zk = { servers: pulumi.output("10.9.9.9:2181"), zkUrl: (p: string) => pulumi.output(`zk://10.9.9.9:2181${p}`), ready: [] };
        new MesosCluster("mesos", args(layout(), { zookeeper: zk }));
        await settle();
        expect(mocks.byType("microservice:index:ZooKeeperEnsemble")).to.have.length(0);
        expect(stdin("mesos-node1-mesos-master")).to.contain("MESOS_ZK=zk://10.9.9.9:2181/mesos\n");
    });

    describe("validation (fails before anything is created, naming the key)", () => {
        const mastersOn = (n: number) =>
            ["node1", "node2", "node3", "node4", "node5", "node6"].slice(0, 6).map((name, i) =>
                fakeHost(name, `10.0.15.${11 + i}`, ["zookeeper", "agent", ...(i < n ? (["master", "marathon"] as const) : [])] as any, {
                    zookeeperId: i + 1,
                }),
            );
        const fails = (a: any, re: RegExp) => {
            mocks.reset();
            expect(() => new MesosCluster("bad", a)).to.throw(re);
            expect(mocks.resources.filter((r) => /^(command:|pulumi-nodejs:dynamic\/exec:)/.test(r.type))).to.have.length(0);
        };

        it("rejects an even or zero master count", () => {
            for (const n of [0, 2, 4, 6])
                fails(
                    args(mastersOn(n)),
                    new RegExp(`MesosCluster "bad"[\\s\\S]*hosts: expected an odd count of hosts with role master \\(1, 3 or 5\\), got ${n}`),
                );
        });

        it("rejects a short Mesos secret without echoing it", () => {
            fails(args(layout(), { mesosOperatorSecret: "op secret" }), /mesosOperatorSecret: expected at least 16 characters, got \(hidden\)/);
            fails(
                args(layout(), { mesosAgentSecret: "with a space in the middle" }),
                /mesosAgentSecret: expected printable ASCII characters without spaces, got \(hidden\)/,
            );
        });

        it("rejects images that are not pinned, names missing ones, and a bad password without echoing it", () => {
            fails(
                args(layout(), { images: { ...IMAGES, master: "mesosphere/mesos-master:1.7.0" } }),
                /images.master: expected an image reference pinned by digest[\s\S]*got "mesosphere\/mesos-master:1.7.0"/,
            );
            fails(
                args(layout(), { images: { master: IMAGES.master } as any }),
                /images.agent: required: the agent image pinned by digest, e.g. mesosphere\/mesos-slave:1.7.0@sha256:<digest>/,
            );
            let msg = "";
            try {
                new MesosCluster("bad", args(layout(), { marathonPassword: "short pw" }));
            } catch (e) {
                msg = (e as Error).message;
            }
            expect(msg).to.contain("marathonPassword: expected at least 16 characters, got (hidden)").and.not.contain("short pw");
        });

        it("rejects a launch timeout below the registration timeout, mirroring without a registry, unknown keys", () => {
            fails(
                args(layout(), { settings: { marathon: { taskLaunchTimeoutSeconds: 300 } } }),
                /settings.marathon.taskLaunchTimeoutSeconds: expected at least mesos.executorRegistrationTimeout \(10mins = 600 s\)/,
            );
            fails(args(layout(), { settings: { mirrorToRegistry: true } }), /registry: required when mirrorToRegistry is true/);
            fails(
                args(layout(), { settings: { executorRegistrationTimeout: "10m" } }),
                /settings.executorRegistrationTimeout: expected a Mesos duration like 90secs, 10mins or 1hrs, got "10m"/,
            );
            fails(args(layout(), { settings: { cgroups: "v3" as any } }), /settings.cgroups: expected one of v1, v2, auto, got "v3"/);
            fails({ ...args(layout()), quorum: 2 }, /quorum: unknown key/);
            fails(
                args(
                    layout()
                        .filter((h) => h.name !== "node2" && h.name !== "node3")
                        .map((h) => ({ ...h, roles: h.roles.filter((r) => r !== "agent") })),
                ),
                /hosts: expected at least one host with role agent/,
            );
        });
    });
});
