import { expect } from "chai";
import * as fs from "fs";
import { MesosCluster } from "../../../components/mesos";
import * as r from "../../../components/mesos/render";
import * as steps from "../../../components/mesos/ops";
import { mirrored } from "../../../components/mesos/images";
import { CGROUP_MODES } from "../../../components/mesos/settings";
import { Op, STEP_RESULT } from "../../../components/provision";
import { LocalHost } from "../provision/run-local";
import { lostAtReboot, runPathsChecked, tmpfilesEntries } from "../provision/runtime-paths";
import { mocks } from "../../support/setup";
import { settle } from "../../support/outputs";
import { args, IMAGES, layout, SECRETS } from "./fixtures";

const zk = "zk://10.0.15.11:2181/mesos";
const agent: r.AgentSpec = {
    ip: "10.0.15.12",
    port: 5051,
    zk,
    attributes: "slavetype:app",
    executorRegistrationTimeout: "10mins",
    dockerSocket: "/var/run/docker.sock",
    dockerConfig: "/root/.docker/config.json",
    image: IMAGES.agent,
};

/** Every step MesosCluster renders, by generator. */
function everyStep(): [string, Op[]][] {
    return [
        ["master", steps.masterOps({ ip: "10.0.15.11", port: 5050, clusterName: "c", quorum: 1, zk }, IMAGES.master, SECRETS)],
        ...CGROUP_MODES.map((m): [string, Op[]] => [`agent (cgroups ${m})`, steps.agentOps("node2", agent, SECRETS, m)]),
        [
            "agent with Weave's socket",
            steps.agentOps("node2", { ...agent, dockerSocket: "/var/run/weave/weave.sock", dockerCli: "/opt/docker/docker" }, SECRETS, "v2"),
        ],
        [
            "marathon",
            steps.marathonOps(
                { ip: "10.0.15.11", httpPort: 8080, masterZk: zk, zk, taskLaunchTimeoutMs: 660000, features: [] },
                IMAGES.marathon,
                "u",
                "p",
                SECRETS.framework,
            ),
        ],
        ["master ready", steps.masterReadyOps("node1", "10.0.15.11", 5050, ["10.0.15.11"], IMAGES.master, 60)],
        ["agent ready", steps.agentReadyOps("node2", "10.0.15.12", 5051, 5050, 60)],
        ["marathon ready", steps.marathonReadyOps("node1", "10.0.15.11", 8080, 60)],
        [
            "mirror",
            steps.mirrorOps(mirrored(IMAGES, "10.0.15.11:5000").copies, { address: "10.0.15.11:5000", insecure: false, authfile: "/root/.docker/config.json" }),
        ],
    ];
}

describe("MesosCluster after a reboot (/run is a tmpfs)", () => {
    it("no step's check reads anything under /run that the host does not re-create at boot", () => {
        for (const [name, ops] of everyStep()) expect(lostAtReboot(ops), name).to.deep.equal([]);
        // The agent's runtime dir is such a path, declared for systemd-tmpfiles.
        expect(runPathsChecked(steps.agentOps("node2", agent, SECRETS, "v2"))).to.deep.equal(["/run/mesos"]);
    });

    it("declares the agent's runtime dir in /etc/tmpfiles.d: the canonical path of MESOS_RUNTIME_DIR, 0755 root, never aged", () => {
        const ops = steps.agentOps("node2", agent, SECRETS, "v2");
        expect(tmpfilesEntries(ops)).to.deep.equal([
            { conf: "/etc/tmpfiles.d/microservice-mesos-agent.conf", type: "d", path: "/run/mesos", mode: "0755", user: "root", group: "root", age: "-" },
        ]);
        expect(r.AGENT_RUNTIME_DIR.replace(/^\/var\/run\//, "/run/")).to.equal(r.AGENT_RUNTIME_DIR_CANONICAL);
        expect(r.agentEnv(agent)).to.contain(`MESOS_RUNTIME_DIR=${r.AGENT_RUNTIME_DIR}\n`);
        // No directory op under /run is left: that would be re-created, and reported, after each reboot.
        expect(ops.filter((o) => (o.kind === "directory" || o.kind === "file") && /^(\/var)?\/run\//.test(o.path))).to.deep.equal([]);
        // Before the unit and its start: the bind mount finds the directory.
        const at = (p: (o: Op) => boolean) => ops.findIndex(p);
        expect(at((o) => o.kind === "exec" && o.run.startsWith("systemd-tmpfiles --create"))).to.be.lessThan(at((o) => o.kind === "unit"));
    });

    it("renders no step of the component with a file or directory under /run", async () => {
        new MesosCluster("mesos", args(layout()));
        await settle();
        const scripts = mocks
            .byType("pulumi-nodejs:dynamic/exec:RemoteCommand")
            .filter((x) => typeof x.inputs.stdin === "string" && x.name.startsWith("mesos-"));
        expect(scripts.length).to.be.greaterThan(5);
        for (const s of scripts) expect(s.inputs.stdin as string, s.name).not.to.match(/^ensure_(file|dir) '(\/var)?\/run\//m);
    });

    describe("on a fake host", () => {
        let h: LocalHost;
        beforeEach(() => (h = new LocalHost()));
        afterEach(() => h.cleanup());

        it("the agent step as the component renders it: changed, unchanged, and unchanged after a reboot", async () => {
            new MesosCluster("mesos", args(layout(), { settings: { cgroups: "auto" } }));
            await settle();
            const script = h.rooted(mocks.named("mesos-node2-mesos-agent").inputs.stdin as string);
            const result = () => {
                const run = h.run(script);
                expect(run.code, run.stderr).to.equal(0);
                return STEP_RESULT.exec(run.stdout)?.[2];
            };
            expect(result()).to.equal("changed");
            expect(h.takeCalls()).to.include(`systemd-tmpfiles --create ${h.p("etc/tmpfiles.d/microservice-mesos-agent.conf")}`);
            expect(fs.statSync(h.p("var/run/mesos")).isDirectory()).to.equal(true);
            expect(result()).to.equal("unchanged");

            h.reboot();
            expect(fs.existsSync(h.p("run/mesos")), "the boot re-created the runtime dir").to.equal(true);
            expect(result()).to.equal("unchanged");
            // Nothing restarted, nothing re-created.
            expect(h.takeCalls().filter((c) => !/^systemctl is-(active|enabled) /.test(c) && !c.startsWith("dpkg-query "))).to.deep.equal([]);
        });
    });
});
