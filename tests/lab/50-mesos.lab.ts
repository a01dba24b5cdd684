import { expect } from "chai";
import * as pulumi from "@pulumi/pulumi";
import { Lab, LabRun, describeFailures } from "./harness";
import { firstRun } from "./shared";
import { labStackExtras } from "./config";
import { hostStep, Op } from "../../components/provision";
import { mesosSteps, mesosRender, mirrored, byDigest } from "../../components/mesos";

/**
 * MesosCluster on real lab hosts. Mesos and Marathon images cannot be had here (no Docker Hub), so
 * the full-stack run is expected to fail at the Mesos readiness step, quickly (the lab config
 * bounds it at 20 s) and with its message. Everything before it is real and checked here: units
 * and env files per role, images by digest, the cgroup check, the agent identity rule, and the
 * mirror into the stack's registry (with an image made here, since upstream ones cannot be pulled).
 */
const T = (labStackExtras as any).mesos.readinessTimeoutSeconds as number;
const IMAGES = (labStackExtras as any).mesos.images as { master: string; agent: string; marathon: string };

class LabParent extends pulumi.ComponentResource {
    constructor(name: string) {
        super("test:index:MesosLab", name);
    }
}

describe("50 mesos: units, files and readiness on lab hosts (Mesos itself: mocks only)", function () {
    this.timeout(15 * 60 * 1000);
    let lab: Lab;
    let run: LabRun;
    let ip: Record<string, string>;
    const sh = async (host: string, cmd: string) => {
        const r = await lab.hosts[host].sh(cmd, { timeoutMs: 120_000 });
        return r;
    };
    const out = async (host: string, cmd: string) => {
        const r = await sh(host, cmd);
        expect(r.code, `${host}: ${cmd}: ${r.stderr}`).to.equal(0);
        return r.stdout;
    };

    before(async () => {
        ({ lab, run } = await firstRun());
        ip = Object.fromEntries(Object.entries(lab.hosts).map(([n, h]) => [n, h.ip]));
    });

    it("fails at the master's readiness step only, with its message, within the bound; nothing else fails because of it", () => {
        const failed = run.failures.map((f) => f.resource);
        expect(failed, describeFailures(run)).to.include("mesos-node1-mesos-master-ready");
        // Only Mesos readiness steps fail: the master's, and (under the lab's mocks) its direct dependents.
        for (const f of failed) expect(f, describeFailures(run)).to.match(/^mesos-node\d+-(mesos-master|mesos-agent|marathon)-ready$/);
        const root = run.failures.find((f) => f.resource === "mesos-node1-mesos-master-ready")!;
        expect(root.message).to.contain(`the Mesos master on node1 (${ip.node1}:5050) did not answer /health within ${T} s`);
        expect(root.message).to.contain("see journalctl -u mesos-master on node1").and.contain(`can the image ${IMAGES.master} be pulled?`);
        const step = run.steps.find((s) => s.resource === "mesos-node1-mesos-master-ready");
        if (step) expect(step.ms, "readiness step duration").to.be.below((T + 15) * 1000);
        // Every configuration step before it ran and succeeded.
        for (const s of ["mesos-node1-mesos-master", "mesos-node1-mesos-agent", "mesos-node2-mesos-agent", "mesos-node3-mesos-agent", "mesos-node1-marathon"]) {
            expect(
                run.steps.map((x) => x.resource),
                s,
            ).to.include(s);
        }
        expect(
            run.failures.filter((f) => /zookeeper/.test(f.resource)),
            "ZooKeeper",
        ).to.deep.equal([]);
    });

    it("writes the master unit and env on node1 only: image by digest, quorum 1, zk /mesos, advertised IP", async () => {
        const unit = await out("node1", "systemctl cat mesos-master.service");
        expect(unit)
            .to.contain(`${mesosRender.CONTAINER_RUN} ${byDigest(IMAGES.master)} --rm --name mesos-master --net=host`)
            .and.contain("--registry=replicated_log");
        const env = await out("node1", `cat ${mesosRender.MASTER_ENV}`);
        // The ZooKeeper credentials (the generated zookeeperPassword, 48 hex digits) in a 0600 file only.
        const zk = `zk://microservice:[0-9a-f]{48}@${ip.node1}:2181,${ip.node2}:2181,${ip.node3}:2181`.replace(/\./g, "\\.");
        expect(env).to.match(new RegExp(`^MESOS_ZK=${zk}/mesos$`, "m"));
        expect(await out("node1", `stat -c '%a %U' ${mesosRender.MASTER_ENV} ${mesosRender.AGENT_ENV} ${mesosRender.MARATHON_ENV}`)).to.equal(
            "600 root\n600 root\n600 root\n",
        );
        expect(env).to.contain("MESOS_QUORUM=1\n").and.contain(`MESOS_HOSTNAME=${ip.node1}\n`).and.contain(`MESOS_ADVERTISE_IP=${ip.node1}\n`);
        expect(await out("node1", "systemctl is-enabled mesos-master.service")).to.contain("enabled");
        for (const h of ["mgmt", "node2", "node3"]) expect((await sh(h, "test -e /etc/systemd/system/mesos-master.service")).code, h).to.equal(1);
    });

    it("writes an agent on node1..3 with role attributes, the registry login, and the cgroup flags the host supports", async () => {
        for (const [h, type] of [
            ["node1", "system"],
            ["node2", "app"],
            ["node3", "app"],
        ]) {
            const env = await out(h, `cat ${mesosRender.AGENT_ENV}`);
            expect(env, h)
                .to.contain(`MESOS_ATTRIBUTES=slavetype:${type}\n`)
                .and.contain(`MESOS_HOSTNAME=${ip[h]}\n`)
                .and.contain("MESOS_EXECUTOR_REGISTRATION_TIMEOUT=10mins\n");
            expect(env, h)
                .to.contain(`MESOS_DOCKER_MESOS_IMAGE=${byDigest(IMAGES.agent)}\n`)
                .and.contain("MESOS_DOCKER_SOCKET=/var/run/docker.sock\n");
            const unit = await out(h, "systemctl cat mesos-agent.service");
            expect(unit, h)
                .to.contain("--pid=host --privileged --cgroupns=host")
                .and.contain("-v /var/run/docker.sock:/var/run/docker.sock")
                .and.contain(byDigest(IMAGES.agent));
            // The lab's hosts share this machine's kernel: cgroup v1 here, so the v1 flags.
            const cg = await out(h, `cat ${mesosRender.AGENT_CGROUPS_ENV}`);
            expect(cg, h).to.contain("MESOS_CONTAINERIZERS=docker,mesos\n");
            expect(await out(h, `cat ${mesosRender.AGENT_IDENTITY}`)).to.equal(mesosRender.agentIdentity(ip[h], `slavetype:${type}`));
        }
        expect((await sh("mgmt", "test -e /etc/systemd/system/mesos-agent.service")).code).to.equal(1);
    });

    it("writes Marathon on node1: zk paths, hostname and LIBPROCESS_IP, credentials in a 0600 file only", async () => {
        const env = await out("node1", `cat ${mesosRender.MARATHON_ENV}`);
        expect(env)
            .to.match(
                new RegExp(
                    `^MARATHON_MASTER=zk://microservice:[0-9a-f]{48}@${ip.node1}:2181,${ip.node2}:2181,${ip.node3}:2181/mesos$`.replace(/\./g, "\\."),
                    "m",
                ),
            )
            .and.contain("/marathon\n");
        expect(env)
            .to.contain(`MARATHON_HOSTNAME=${ip.node1}\n`)
            .and.contain(`LIBPROCESS_IP=${ip.node1}\n`)
            .and.contain("MARATHON_TASK_LAUNCH_TIMEOUT=660000\n");
        expect(await out("node1", `stat -c '%a %U' ${mesosRender.MARATHON_CREDENTIALS_ENV} ${mesosRender.MARATHON_CURLRC}`)).to.equal("600 root\n600 root\n");
        expect(await out("node1", `grep -c '^MESOSPHERE_HTTP_CREDENTIALS=marathon:.\\{48\\}$' ${mesosRender.MARATHON_CREDENTIALS_ENV}`)).to.equal("1\n");
        expect(await out("node1", "systemctl cat marathon.service"))
            .to.contain(byDigest(IMAGES.marathon))
            .and.not.contain("MESOSPHERE_HTTP_CREDENTIALS");
        for (const h of ["node2", "node3"]) expect((await sh(h, "test -e /etc/systemd/system/marathon.service")).code, h).to.equal(1);
    });

    it("keeps the units active while their image cannot be pulled, saying so in the journal (no crash loop)", async () => {
        for (const [h, u] of [
            ["node1", "mesos-master"],
            ["node1", "marathon"],
            ["node2", "mesos-agent"],
        ]) {
            expect((await out(h, `systemctl is-active ${u}.service`)).trim(), `${h} ${u}`).to.equal("active");
        }
        const journal = await out("node1", "journalctl -u mesos-master.service --no-pager -n 50");
        expect(journal).to.contain(`cannot pull ${byDigest(IMAGES.master)} yet`);
    });

    it("an agent keeps its id after an additive attribute change and forgets it after a removal", async () => {
        const latest = `${mesosRender.AGENT_WORK_DIR}/meta/slaves/latest`;
        await out("node2", `mkdir -p ${mesosRender.AGENT_WORK_DIR}/meta/slaves/S0 && ln -sfn S0 ${latest}`);
        const env = await out("node2", `cat ${mesosRender.AGENT_ENV}`);
        const value = (k: string) => new RegExp(`^${k}=(.*)$`, "m").exec(env)![1];
        // Only the identity part of the agent step: no unit or env change, so nothing restarts.
        const identityOps = (attributes: string): Op[] =>
            mesosSteps
                .agentOps(
                    "node2",
                    {
                        ip: ip.node2,
                        port: 5051,
                        zk: value("MESOS_MASTER"),
                        attributes,
                        executorRegistrationTimeout: "10mins",
                        dockerSocket: "/var/run/docker.sock",
                        image: IMAGES.agent,
                    },
                    { agent: "unused-here-identity-ops-only", operator: "unused-here-identity-ops-only" },
                    "v1",
                )
                .filter(
                    (op) =>
                        (op.kind === "exec" && op.description.startsWith("agent forgets")) || (op.kind === "file" && op.path === mesosRender.AGENT_IDENTITY),
                );
        const step = async (n: number, attributes: string) => {
            const r = await lab.run((hosts) => {
                const parent = new LabParent(`mesos-identity-${n}`);
                hostStep(
                    parent,
                    `mesos-identity-${n}`,
                    hosts.find((h) => h.name === "node2")!,
                    "agent-identity",
                    identityOps(attributes),
                );
            }, `agent identity ${n}`);
            expect(r.failures, describeFailures(r)).to.deep.equal([]);
            return r.steps.find((x) => x.resource === `mesos-identity-${n}-node2-agent-identity`)!;
        };
        try {
            let s = await step(1, "rack:r1;slavetype:app");
            expect(s.stdout).to.contain("changed (/etc/mesos/agent-identity)");
            expect((await sh("node2", `test -L ${latest}`)).code, "additive: id kept").to.equal(0);
            s = await step(2, "slavetype:app");
            expect(s.stderr).to.contain("mesos agent on node2: attributes or hostname changed in a non-additive way: it registers under a new id");
            expect((await sh("node2", `test -e ${latest} || test -L ${latest}`)).code, "removal: id forgotten").to.equal(1);
            expect(await out("node2", `cat ${mesosRender.AGENT_IDENTITY}`)).to.equal(mesosRender.agentIdentity(ip.node2, "slavetype:app"));
        } finally {
            await sh("node2", `rm -rf ${latest} ${mesosRender.AGENT_WORK_DIR}/meta`);
        }
    });

    it("mirrors a pinned image into the stack's registry with the same digest, once; agents pull it by that digest", async () => {
        const registry = String((run.outputs as any).platform?.registry ?? "");
        expect(registry, "registry address from the first run").to.match(/^\d+\.\d+\.\d+\.\d+:\d+$/);
        // An "upstream" image made here (no public registry is reachable): pushed under another name first.
        await lab.loadImage("mgmt", "microservice/debian-minbase:bookworm");
        const upstream = `${registry}/upstream/mesos-master:1.7.0`;
        await out("mgmt", `docker tag microservice/debian-minbase:bookworm ${upstream} && docker push -q ${upstream} >/dev/null`);
        const repoDigest = (await out("mgmt", `docker image inspect -f '{{range .RepoDigests}}{{println .}}{{end}}' ${upstream} | grep '/upstream/'`)).trim();
        const digest = repoDigest.slice(repoDigest.indexOf("@") + 1);
        const pinned = `${upstream}@${digest}`;
        const plan = mirrored({ master: pinned, agent: pinned, marathon: pinned }, registry);
        expect(plan.copies).to.have.length(1);
        expect(plan.images.agent).to.equal(`${registry}/mesos/mesos-master@${digest}`);
        const mirror = (n: number) =>
            lab.run((hosts) => {
                const parent = new LabParent(`mesos-mirror-${n}`);
                hostStep(
                    parent,
                    `mesos-mirror-${n}`,
                    hosts.find((h) => h.name === "mgmt")!,
                    "mesos-mirror",
                    mesosSteps.mirrorOps(plan.copies, { address: registry, insecure: false, authfile: "/root/.docker/config.json" }),
                );
            }, `mirror ${n}`);
        const first = await mirror(1);
        expect(first.failures, describeFailures(first)).to.deep.equal([]);
        expect(first.changedSteps().join(" ")).to.contain("mirror");
        // The copy answers by the upstream digest (skopeo --preserve-digests), and an agent host pulls it by that digest.
        await out(
            "mgmt",
            `skopeo inspect --raw --authfile /root/.docker/config.json --cert-dir /etc/docker/certs.d/${registry} docker://${plan.images.master} >/dev/null`,
        );
        await out("node2", `docker pull -q ${plan.images.master} >/dev/null && docker image inspect -f '{{.Id}}' ${plan.images.master}`);
        const second = await mirror(2);
        expect(second.failures, describeFailures(second)).to.deep.equal([]);
        expect(second.changedSteps(), "second mirror run").to.deep.equal([]);
        await sh("node2", `docker image rm ${plan.images.master} >/dev/null 2>&1 || true`);
    });
});
