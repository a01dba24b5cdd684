import { expect } from "chai";
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { agentAttributes, attributesFlag, isAdditiveChange, quorum, slavetype } from "../../../components/mesos/topology";
import * as r from "../../../components/mesos/render";
import { additiveCheck, cgroupOps, cgroupV1CpuProbe, marathonOps } from "../../../components/mesos/ops";
import { mirrored } from "../../../components/mesos/images";
import { durationSeconds } from "../../../components/mesos/settings";
import { renderScript } from "../../../components/provision";
import { expectGolden, stepBody } from "../provision/golden";
import { IMAGES, KEYSTORE_PASSWORD, PASSWORD, SECRETS } from "./fixtures";

const bash = (script: string) => spawnSync("bash", ["-c", script], { encoding: "utf8", timeout: 10000 });

describe("Mesos topology (pure)", () => {
    it("quorum is a strict majority of 1, 3 or 5 masters (the original always wrote 1)", () => {
        expect([1, 3, 5].map(quorum)).to.deep.equal([1, 2, 3]);
    });

    it("rejects even, zero and larger master counts", () => {
        for (const n of [0, 2, 4, 6, 7]) expect(() => quorum(n)).to.throw(`expected an odd count of masters (1, 3 or 5), got ${n}`);
    });

    it("slavetype follows roles: system beside control roles, app elsewhere", () => {
        expect(slavetype(["zookeeper", "master", "marathon", "registry", "logServer", "agent"])).to.equal("system");
        expect(slavetype(["zookeeper", "agent"])).to.equal("app");
        expect(slavetype(["agent"])).to.equal("app");
    });

    it("attributes: roles, then the cluster's, then the host's; sorted", () => {
        expect(attributesFlag(agentAttributes(["agent"], { rack: "r1" }, { disk: "ssd" }))).to.equal("disk:ssd;rack:r1;slavetype:app");
        expect(agentAttributes(["agent", "master"], { slavetype: "x" }, {})).to.deep.equal({ slavetype: "x" });
        expect(agentAttributes(["agent"], { rack: "r1" }, { rack: "r2", slavetype: "db" })).to.deep.equal({ rack: "r2", slavetype: "db" });
    });

    it("an agent keeps its id only after an additive change", () => {
        const was = { hostname: "10.0.15.12", attributes: "rack:r1;slavetype:app" };
        expect(isAdditiveChange(was, { ...was })).to.equal(true);
        expect(isAdditiveChange(was, { ...was, attributes: "disk:ssd;rack:r1;slavetype:app" })).to.equal(true);
        expect(isAdditiveChange(was, { ...was, attributes: "slavetype:app" })).to.equal(false);
        expect(isAdditiveChange(was, { ...was, attributes: "rack:r2;slavetype:app" })).to.equal(false);
        expect(isAdditiveChange(was, { ...was, hostname: "10.0.15.99" })).to.equal(false);
    });

    it("durations", () => {
        expect(["90secs", "10mins", "1hrs"].map(durationSeconds)).to.deep.equal([90, 600, 3600]);
    });
});

describe("Mesos renderers (golden)", () => {
    const zk = "zk://10.0.15.11:2181,10.0.15.12:2181,10.0.15.13:2181/mesos";
    const agent = (ip: string, attributes: string, extra: Partial<r.AgentSpec> = {}): r.AgentSpec => ({
        ip,
        port: 5051,
        zk,
        attributes,
        executorRegistrationTimeout: "10mins",
        dockerSocket: "/var/run/docker.sock",
        dockerConfig: "/root/.docker/config.json",
        image: IMAGES.agent,
        ...extra,
    });

    it("master env and unit", () => {
        const env = r.masterEnv({ ip: "10.0.15.11", port: 5050, clusterName: "MesosCluster", quorum: 2, zk });
        expectGolden(__dirname, "master.env", env);
        expect(env).to.contain("MESOS_QUORUM=2\n").and.contain("MESOS_HOSTNAME=10.0.15.11\n").and.contain("MESOS_ADVERTISE_IP=10.0.15.11\n");
        const unit = r.masterUnit(IMAGES.master);
        expectGolden(__dirname, "mesos-master.service", unit);
        expect(unit)
            .to.contain("--registry=replicated_log")
            .and.contain("Restart=always")
            .and.contain("SuccessExitStatus=143")
            .and.contain("-v /var/lib/mesos/master:/var/lib/mesos/master");
    });

    it("master authentication: frameworks, agents and both HTTP classes, one credentials file, ACLs by file; the unit mounts both read-only", () => {
        const env = r.masterEnv({ ip: "10.0.15.11", port: 5050, clusterName: "MesosCluster", quorum: 1, zk });
        for (const flag of ["AUTHENTICATE_FRAMEWORKS", "AUTHENTICATE_AGENTS", "AUTHENTICATE_HTTP_READWRITE", "AUTHENTICATE_HTTP_READONLY"])
            expect(env).to.contain(`MESOS_${flag}=true\n`);
        expect(env).to.contain(`MESOS_CREDENTIALS=${r.MASTER_CREDENTIALS}\n`).and.contain(`MESOS_ACLS=file://${r.MASTER_ACLS}\n`);
        const unit = r.masterUnit(IMAGES.master);
        expect(unit).to.contain(`-v ${r.MASTER_CREDENTIALS}:${r.MASTER_CREDENTIALS}:ro`).and.contain(`-v ${r.MASTER_ACLS}:${r.MASTER_ACLS}:ro`);
        const creds = r.masterCredentials(SECRETS);
        expectGolden(__dirname, "master-credentials.json", creds);
        expect(JSON.parse(creds)).to.deep.equal({
            credentials: [
                { principal: "marathon", secret: SECRETS.framework },
                { principal: "agent", secret: SECRETS.agent },
                { principal: "operator", secret: SECRETS.operator },
            ],
        });
        // Any character a secret may have stays one JSON string.
        expect(JSON.parse(r.masterCredentials({ ...SECRETS, operator: 'a"b\\c$(x)' })).credentials[2].secret).to.equal('a"b\\c$(x)');
    });

    it("master ACLs: only marathon registers frameworks and runs tasks, only agent registers agents, only operator does admin", () => {
        const text = r.masterAcls();
        expectGolden(__dirname, "master-acls.json", text);
        const acls = JSON.parse(text);
        expect(acls.permissive).to.equal(true);
        const only = (action: string, object: string, principal: string) =>
            expect(acls[action], action).to.deep.equal([
                { principals: { values: [principal] }, [object]: { type: "ANY" } },
                { principals: { type: "ANY" }, [object]: { type: "NONE" } },
            ]);
        only("register_frameworks", "roles", "marathon");
        only("run_tasks", "users", "marathon");
        only("register_agents", "agents", "agent");
        only("teardown_frameworks", "framework_principals", "operator");
        for (const a of ["update_quotas", "update_weights"]) only(a, "roles", "operator");
        for (const a of ["update_maintenance_schedules", "start_maintenances", "stop_maintenances"]) only(a, "machines", "operator");
    });

    it("agent authentication: its own credential to register, operator-only HTTP endpoints; files mounted read-only, secrets only in 0600 files", () => {
        const env = r.agentEnv(agent("10.0.15.12", "slavetype:app"));
        expect(env).to.contain(`MESOS_CREDENTIAL=${r.AGENT_CREDENTIAL}\n`).and.contain(`MESOS_HTTP_CREDENTIALS=${r.AGENT_HTTP_CREDENTIALS}\n`);
        expect(env)
            .to.contain("MESOS_AUTHENTICATE_HTTP_READWRITE=true\n")
            .and.contain("MESOS_AUTHENTICATE_HTTP_READONLY=true\n")
            .and.contain("MESOS_SWITCH_USER=false\n");
        for (const s of Object.values(SECRETS)) expect(env).not.to.contain(s);
        expect(JSON.parse(r.agentCredential(SECRETS.agent))).to.deep.equal({ principal: "agent", secret: SECRETS.agent });
        expect(JSON.parse(r.agentHttpCredentials(SECRETS.operator))).to.deep.equal({ credentials: [{ principal: "operator", secret: SECRETS.operator }] });
        expect(r.mesosProbeCurlrc(SECRETS.operator)).to.equal(`user = "operator:${SECRETS.operator}"\n`);
        const unit = r.agentUnit({ image: IMAGES.agent, dockerSocket: "/var/run/docker.sock" });
        expect(unit)
            .to.contain(`-v ${r.AGENT_CREDENTIAL}:${r.AGENT_CREDENTIAL}:ro`)
            .and.contain(`-v ${r.AGENT_HTTP_CREDENTIALS}:${r.AGENT_HTTP_CREDENTIALS}:ro`);
    });

    it("agent env per role: system on node1, app on the others", () => {
        const system = r.agentEnv(agent("10.0.15.11", attributesFlag(agentAttributes(["master", "agent"]))));
        const app = r.agentEnv(agent("10.0.15.12", attributesFlag(agentAttributes(["zookeeper", "agent"]))));
        expectGolden(__dirname, "agent-system.env", system);
        expectGolden(__dirname, "agent-app.env", app);
        expect(system).to.contain("MESOS_ATTRIBUTES=slavetype:system\n");
        expect(app).to.contain("MESOS_ATTRIBUTES=slavetype:app\n").and.contain("MESOS_EXECUTOR_REGISTRATION_TIMEOUT=10mins\n");
        expect(app)
            .to.contain(`MESOS_DOCKER_MESOS_IMAGE=mesosphere/mesos-slave@${IMAGES.agent.split("@")[1]}\n`)
            .and.contain("MESOS_RECONFIGURATION_POLICY=additive\n");
    });

    it("cgroup flags: v1 cgroups isolation, v2 Docker containerizer with posix launcher", () => {
        expectGolden(__dirname, "agent-cgroups-v1.env", r.agentCgroupsEnv("v1"));
        expectGolden(__dirname, "agent-cgroups-v2.env", r.agentCgroupsEnv("v2"));
        expect(r.agentCgroupsEnv("v2")).to.contain("MESOS_CONTAINERIZERS=docker\nMESOS_LAUNCHER=posix\nMESOS_ISOLATION=posix/cpu,posix/mem\n");
    });

    it("agent unit: host pid and cgroups, same-path work dir, Docker socket (Weave's by directory), CLI from the host when given", () => {
        const plain = r.agentUnit({ image: IMAGES.agent, dockerSocket: "/var/run/docker.sock", dockerConfig: "/root/.docker/config.json" });
        expectGolden(__dirname, "mesos-agent.service", plain);
        expect(plain).to.contain("-v /var/run/docker.sock:/var/run/docker.sock").and.contain("-v /root/.docker:/root/.docker:ro");
        const weave = r.agentUnit({ image: IMAGES.agent, dockerSocket: "/var/run/weave/weave.sock", dockerCli: "/opt/docker/docker" });
        expect(weave)
            .to.contain("-v /var/run/weave:/var/run/weave")
            .and.contain("-v /opt/docker/docker:/usr/local/bin/docker:ro")
            .and.not.contain(".docker:/root");
        const env = r.agentEnv(
            agent("10.0.15.12", "slavetype:app", { dockerSocket: "/var/run/weave/weave.sock", dockerCli: "/opt/docker/docker", dockerConfig: undefined }),
        );
        expect(env).to.contain("MESOS_DOCKER_SOCKET=/var/run/weave/weave.sock\n").and.contain("MESOS_DOCKER=/usr/local/bin/docker\n");
        // A mounted CLI is not in the image, so executors cannot run in containers of it.
        expect(env).not.to.contain("MESOS_DOCKER_MESOS_IMAGE").and.not.to.contain("MESOS_DOCKER_CONFIG");
    });

    it("marathon env, credentials (never argv) and unit", () => {
        const env = r.marathonEnv({
            ip: "10.0.15.11",
            httpPort: 8080,
            masterZk: zk,
            zk: zk.replace("/mesos", "/marathon"),
            taskLaunchTimeoutMs: 660000,
            features: [],
        });
        expectGolden(__dirname, "marathon.env", env);
        expect(env)
            .to.contain("LIBPROCESS_IP=10.0.15.11\n")
            .and.contain("MARATHON_HOSTNAME=10.0.15.11\n")
            .and.contain("MARATHON_ZK=zk://10.0.15.11:2181,10.0.15.12:2181,10.0.15.13:2181/marathon\n");
        expect(env).not.to.contain(PASSWORD);
        expect(r.marathonCredentialsEnv("marathon", PASSWORD)).to.equal(`MESOSPHERE_HTTP_CREDENTIALS=marathon:${PASSWORD}\n`);
        const unit = r.marathonUnit(IMAGES.marathon);
        expectGolden(__dirname, "marathon.service", unit);
        expect(unit).to.contain("--env-file /etc/marathon/credentials.env").and.not.contain(PASSWORD);
        // Marathon registers with Mesos as principal marathon; its secret only in a mounted file.
        expect(env)
            .to.contain("MARATHON_MESOS_AUTHENTICATION=\n")
            .and.contain("MARATHON_MESOS_AUTHENTICATION_PRINCIPAL=marathon\n")
            .and.contain(`MARATHON_MESOS_AUTHENTICATION_SECRET_FILE=${r.MARATHON_MESOS_SECRET}\n`);
        expect(unit).to.contain(`-v ${r.MARATHON_MESOS_SECRET}:${r.MARATHON_MESOS_SECRET}:ro`);
        // Exactly the secret's bytes, 0600: Mesos compares secrets byte for byte (a newline would be part of it).
        const ops = marathonOps(
            { ip: "10.0.15.11", httpPort: 8080, masterZk: zk, zk, taskLaunchTimeoutMs: 660000, features: [] },
            IMAGES.marathon,
            "marathon",
            PASSWORD,
            SECRETS.framework,
        );
        expect(ops.find((op) => op.kind === "file" && op.path === r.MARATHON_MESOS_SECRET)).to.deep.include({ content: SECRETS.framework, mode: "0600" });
    });

    it("marathon over HTTPS: the keystore and port in the env file, its password only in the 0600 credentials file (golden)", () => {
        const spec = {
            ip: "10.0.15.11",
            httpPort: 8080,
            httpsPort: 8443,
            masterZk: zk,
            zk: zk.replace("/mesos", "/marathon"),
            taskLaunchTimeoutMs: 660000,
            features: [],
        };
        const env = r.marathonEnv(spec);
        expectGolden(__dirname, "marathon-https.env", env);
        // HTTPS only: no HTTP port, --disable_http as a bare switch.
        expect(env)
            .to.contain("MARATHON_HTTPS_PORT=8443\n")
            .and.contain(`MARATHON_SSL_KEYSTORE_PATH=${r.MARATHON_KEYSTORE}\n`)
            .and.contain("MARATHON_DISABLE_HTTP=\n")
            .and.not.contain("MARATHON_HTTP_PORT");
        // Marathon's start script turns MARATHON_* into flags on the JVM's command line: the password is not one of them.
        expect(env).not.to.contain(KEYSTORE_PASSWORD).and.not.to.contain("KEYSTORE_PASSWORD");
        const credentials = r.marathonCredentialsEnv("marathon", PASSWORD, KEYSTORE_PASSWORD);
        expectGolden(
            __dirname,
            "marathon-https-credentials.env",
            credentials.replace(PASSWORD, "<password>").replace(KEYSTORE_PASSWORD, "<keystore password>"),
        );
        expect(credentials).to.equal(`MESOSPHERE_HTTP_CREDENTIALS=marathon:${PASSWORD}\nMESOSPHERE_KEYSTORE_PASS=${KEYSTORE_PASSWORD}\n`);
        const unit = r.marathonUnit(IMAGES.marathon, true);
        expectGolden(__dirname, "marathon-https.service", unit);
        expect(unit).to.contain(`-v ${r.MARATHON_KEYSTORE}:${r.MARATHON_KEYSTORE}:ro`);
        const tls = {
            certPem: "-----BEGIN CERTIFICATE-----\nQ0VSVAo=\n-----END CERTIFICATE-----",
            caPem: "-----BEGIN CERTIFICATE-----\nQ0EK\n-----END CERTIFICATE-----",
            keyPath: "/etc/microservice/tls/marathon-node1/key.pem",
            keystorePassword: KEYSTORE_PASSWORD,
        };
        const ops = marathonOps(spec, IMAGES.marathon, "marathon", PASSWORD, SECRETS.framework, tls);
        const credentialsOp = ops.find((op) => op.kind === "file" && op.path === r.MARATHON_CREDENTIALS_ENV);
        expect(credentialsOp).to.deep.include({ mode: "0600", content: credentials });
        // Every op but that file is free of the password (commands are visible in the process list).
        expect(
            ops
                .filter((op) => op !== credentialsOp)
                .map((op) => JSON.stringify(op))
                .join("\n"),
        ).not.to.contain(KEYSTORE_PASSWORD);
        // HTTPS and its certificate go together; plain HTTP removes what HTTPS left (the keystore holds the key).
        expect(() => marathonOps(spec, IMAGES.marathon, "marathon", PASSWORD, SECRETS.framework)).to.throw(/httpsPort and tls go together/);
        const plain = marathonOps({ ...spec, httpsPort: undefined }, IMAGES.marathon, "marathon", PASSWORD, SECRETS.framework);
        expect(plain.filter((op) => op.kind === "absent").map((op) => (op as { path: string }).path)).to.deep.equal([
            r.MARATHON_KEYSTORE,
            r.MARATHON_CERT,
            r.MARATHON_CA,
        ]);
    });

    it("mirrored images keep their digest under <registry>/mesos/", () => {
        const m = mirrored(IMAGES, "10.0.15.11:5000");
        expect(m.images.master).to.equal(`10.0.15.11:5000/mesos/mesos-master@${IMAGES.master.split("@")[1]}`);
        expect(m.copies[0]).to.deep.equal({
            source: `mesosphere/mesos-master@${IMAGES.master.split("@")[1]}`,
            destination: "10.0.15.11:5000/mesos/mesos-master:1.7.0",
            pinned: m.images.master,
        });
        expect(mirrored({ ...IMAGES, agent: IMAGES.master }, "r:5000").copies).to.have.length(2);
    });

    it("auto cgroups writes both flag sets and picks one per host at run time (golden)", () => {
        expectGolden(__dirname, "cgroups-auto.sh", stepBody(renderScript("node2", "x", cgroupOps("node2", "auto"))));
    });
});

describe("Mesos host-side checks, run for real on this machine", () => {
    let dir: string;
    beforeEach(() => (dir = fs.mkdtempSync(path.join(os.tmpdir(), "mesos-"))));
    afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

    it("the cgroup v1 probe finds a 'cpu' hierarchy and nothing on a cgroup2-only host", () => {
        const v1 = path.join(dir, "v1");
        fs.writeFileSync(v1, "tmpfs /sys/fs/cgroup tmpfs ro 0 0\ncgroup /sys/fs/cgroup/cpu,cpuacct cgroup rw,nosuid,relatime,cpu,cpuacct 0 0\n");
        const v2 = path.join(dir, "v2");
        fs.writeFileSync(v2, "cgroup2 /sys/fs/cgroup cgroup2 rw,nosuid,nodev,noexec,relatime,nsdelegate 0 0\n");
        const cpuset = path.join(dir, "cpuset");
        fs.writeFileSync(cpuset, "cgroup /sys/fs/cgroup/cpuset cgroup rw,cpuset 0 0\n");
        expect(bash(cgroupV1CpuProbe(v1)).status).to.equal(0);
        expect(bash(cgroupV1CpuProbe(v2)).status).to.equal(1);
        expect(bash(cgroupV1CpuProbe(cpuset)).status, "cpuset is not cpu").to.equal(1);
    });

    it("a cgroup2-only host fails the v1 agent step at once, naming the host and the fix", () => {
        const v2 = path.join(dir, "v2");
        fs.writeFileSync(v2, "cgroup2 /sys/fs/cgroup cgroup2 rw 0 0\n");
        const script = renderScript("node2", "mesos-agent", cgroupOps("node2", "v1", v2).slice(0, 1));
        const started = Date.now();
        const run = spawnSync("bash", ["-s"], { input: script, encoding: "utf8", env: { ...process.env, MICROSERVICE_STEP_LOCK: path.join(dir, "lock") } });
        expect(run.status).to.equal(1);
        expect(Date.now() - started).to.be.below(3000);
        expect(run.stderr).to.contain("FAILED node2/mesos-agent: node2 has no cgroup v1 'cpu' hierarchy").and.contain("systemd.unified_cgroup_hierarchy=0");
    });

    it("the additive check keeps the agent id for added attributes and not for removed or changed ones", () => {
        const id = path.join(dir, "identity");
        fs.writeFileSync(id, r.agentIdentity("10.0.15.12", "rack:r1;slavetype:app"));
        const check = (ip: string, attrs: string) => bash(additiveCheck(id, ip, attrs)).status;
        expect(check("10.0.15.12", "rack:r1;slavetype:app")).to.equal(0);
        expect(check("10.0.15.12", "disk:ssd;rack:r1;slavetype:app")).to.equal(0);
        expect(check("10.0.15.12", "slavetype:app")).to.equal(1);
        expect(check("10.0.15.12", "rack:r2;slavetype:app")).to.equal(1);
        expect(check("10.0.15.12", "rack:r1;slavetype:application")).to.equal(1);
        expect(check("10.0.15.13", "rack:r1;slavetype:app")).to.equal(1);
    });
});
