import { expect } from "chai";
import * as fs from "fs";
import * as net from "net";
import { ZooKeeperEnsemble } from "../../../components/zookeeper";
import { memberOps, quorumKeptCheck, ZooMember, ZooSettings } from "../../../components/zookeeper/ops";
import { MesosCluster } from "../../../components/mesos";
import { RsyslogAggregator } from "../../../components/logging";
import { renderScript, STEP_RESULT } from "../../../components/provision";
import { fakeHost, labLayout } from "../provision/fake-host";
import { directDeps, runsAfter } from "../provision/deps";
import { LocalHost } from "../provision/run-local";
import { settle } from "../../support/outputs";
import { args, haLayout } from "../mesos/fixtures";

/**
 * Issue 16.1: a change reaches the quorum services one member at a time, never before every
 * member's host answered, and a change that would lose the quorum is refused before it touches one.
 */

const zk = (name: string, ip: string, id: number) => fakeHost(name, ip, ["zookeeper"], { zookeeperId: id });

describe("rolling changes of quorum services: the resource graph", () => {
    const members = ["a", "b", "c"];
    const build = (cIp = "10.0.15.13") => new ZooKeeperEnsemble("zk", { hosts: [zk("a", "10.0.15.11", 1), zk("b", "10.0.15.12", 2), zk("c", cIp, 3)] });

    for (const [what, cIp] of [
        ["as first configured", "10.0.15.13"],
        ["after one host's address changed", "10.0.15.23"],
    ]) {
        it(`${what}: no member step runs before every member's host answered`, async () => {
            build(cIp);
            await settle();
            for (const m of members) {
                expect(directDeps(`zk-${m}-zookeeper`), `zk-${m}-zookeeper`).to.include.members(members.map((h) => `${h}-ready`));
            }
        });
    }

    it("members change one after another (each after the previous one's step, which waits until it serves); installs run at once", async () => {
        build();
        await settle();
        expect(directDeps("zk-b-zookeeper")).to.include("zk-a-zookeeper");
        expect(directDeps("zk-c-zookeeper")).to.include("zk-b-zookeeper");
        expect(runsAfter("zk-a-zookeeper", "zk-b-zookeeper")).to.equal(false);
        expect(runsAfter("zk-a-zookeeper", "zk-c-zookeeper")).to.equal(false);
        for (const m of members) {
            expect(runsAfter(`zk-${m}-zookeeper`, `zk-${m}-zookeeper-install`)).to.equal(true);
            for (const o of members)
                if (o !== m) expect(runsAfter(`zk-${m}-zookeeper-install`, `zk-${o}-zookeeper`), `${m}'s install waits for ${o}`).to.equal(false);
            // The quorum waits come after the last member's change (a member alone never reaches it).
            expect(directDeps(`zk-${m}-zookeeper-ready`)).to.include.members(members.map((h) => `zk-${h}-zookeeper`));
        }
    });

    it("Mesos masters change after ZooKeeper's roll, one master at a time; agents and Marathon not before every ZooKeeper host answered", async () => {
        new MesosCluster("mesos", args(haLayout()));
        await settle();
        for (const n of ["node1", "node2", "node3"]) {
            expect(runsAfter(`mesos-${n}-mesos-master`, "mesos-zookeeper-node3-zookeeper"), `${n}'s master after the roll`).to.equal(true);
            for (const h of ["node1", "node2", "node3"]) {
                expect(runsAfter(`mesos-${n}-mesos-master`, `${h}-ready`)).to.equal(true);
                expect(directDeps(`mesos-${n}-mesos-agent`), `${n}'s agent`).to.include(`${h}-ready`);
                expect(directDeps(`mesos-${n}-marathon`), `${n}'s Marathon`).to.include(`${h}-ready`);
            }
        }
        expect(directDeps("mesos-node2-mesos-master")).to.include("mesos-node1-mesos-master");
        expect(directDeps("mesos-node3-mesos-master")).to.include("mesos-node2-mesos-master");
        expect(runsAfter("mesos-node1-mesos-master", "mesos-node2-mesos-master")).to.equal(false);
    });

    it("the log server's allow-list changes only after every sender's host answered; each sender is then checked", async () => {
        new RsyslogAggregator("logging", { hosts: labLayout() });
        await settle();
        expect(directDeps("logging-node1-logging-server")).to.include.members(["mgmt-ready", "node1-ready", "node2-ready", "node3-ready"]);
        for (const h of ["mgmt", "node1", "node2", "node3"]) {
            expect(directDeps(`logging-${h}-logging-sender`)).to.include("logging-node1-logging-server");
            // A forwarder follows the server to a new address only once that address answers.
            expect(directDeps(`logging-${h}-logging-client`)).to.include("node1-ready");
        }
    });
});

describe("quorum check (run locally on a zoo.cfg)", () => {
    let h: LocalHost;
    beforeEach(() => (h = new LocalHost()));
    afterEach(() => h.cleanup());
    const three: ZooMember[] = [1, 2, 3].map((id) => ({ id, ip: `10.0.15.${10 + id}` }));
    const cfg = (ms: ZooMember[]) => ms.map((m) => `server.${m.id}=${m.ip}:2888:3888`).join("\n") + "\n";
    const check = (current: ZooMember[] | undefined, next: ZooMember[]) => {
        const f = h.p("zoo.cfg");
        if (current) fs.writeFileSync(f, `tickTime=2000\n${cfg(current)}`);
        else fs.rmSync(f, { force: true });
        return h.run(quorumKeptCheck(f, next)).code === 0;
    };
    const moved = (ms: ZooMember[], ids: number[]) => ms.map((m) => (ids.includes(m.id) ? { id: m.id, ip: m.ip.replace("10.0.15.", "10.0.16.") } : m));

    it("passes: a new host, the same members, one member moved, one added or removed in a five", () => {
        expect(check(undefined, three)).to.equal(true);
        expect(check(three, three)).to.equal(true);
        expect(check(three, moved(three, [3]))).to.equal(true);
        const five: ZooMember[] = [1, 2, 3, 4, 5].map((id) => ({ id, ip: `10.0.15.${10 + id}` }));
        expect(check(three, five), "3 -> 5").to.equal(true);
        expect(check(five, three), "5 -> 3").to.equal(true);
        expect(check(five, moved(five, [4, 5])), "2 of 5 moved").to.equal(true);
        expect(check([three[0]], three), "a single server grows (it has no quorum to keep)").to.equal(true);
    });

    it("fails: two of three moved or replaced, three of five moved", () => {
        expect(check(three, moved(three, [2, 3]))).to.equal(false);
        expect(check(three, [three[0], { id: 4, ip: "10.0.15.14" }, { id: 5, ip: "10.0.15.15" }])).to.equal(false);
        const five: ZooMember[] = [1, 2, 3, 4, 5].map((id) => ({ id, ip: `10.0.15.${10 + id}` }));
        expect(check(five, moved(five, [1, 2, 3]))).to.equal(false);
    });
});

describe("a member's step on a host (fake systemctl, fake ZooKeeper answering srvr)", () => {
    let h: LocalHost;
    let server: net.Server;
    let port: number;
    let modeFile: string;
    const settings = (p: number): ZooSettings => ({
        clientPort: p,
        peerPort: 2888,
        electionPort: 3888,
        tickTime: 2000,
        initLimit: 5,
        syncLimit: 2,
        dataDir: "/var/lib/zookeeper",
        autopurgeIntervalHours: 24,
        autopurgeSnapRetainCount: 3,
        fourLetterWords: ["srvr", "ruok", "mntr"],
        admin: { port: 8181, address: "127.0.0.1" },
    });

    beforeEach(async () => {
        h = new LocalHost();
        modeFile = h.p("zk-mode");
        fs.writeFileSync(modeFile, "looking");
        // The fake member answers srvr with the mode in modeFile (none: connection refused is not modelled).
        server = net.createServer((sock) => sock.once("data", () => sock.end(`Zookeeper version: 3.8.0\nMode: ${fs.readFileSync(modeFile, "utf8").trim()}\n`)));
        port = await new Promise<number>((resolve) => server.listen(0, "127.0.0.1", () => resolve((server.address() as net.AddressInfo).port)));
    });
    afterEach(() => {
        server.close();
        h.cleanup();
    });

    /** Restarting the fake ZooKeeper makes it `looking`, then `after` (if any) once `seconds` passed. */
    const restartTurns = (after: string | undefined, seconds: number) =>
        h.fake(
            "systemctl",
            `args=(); for a in "$@"; do case $a in --*) ;; *) args+=("$a") ;; esac; done
set -- "\${args[@]}"
case $1 in
  is-active) [ -e "$S/active-$2" ] ;;
  is-enabled) [ -e "$S/enabled-$2" ] ;;
  enable) touch "$S/enabled-$2" ;;
  start|restart) touch "$S/active-$2"; echo looking >${modeFile}; ${after ? `( sleep ${seconds}; echo ${after} >${modeFile} ) >/dev/null 2>&1 &` : ""} ;;
  daemon-reload) ;;
esac`,
        );

    /** Runs the step without blocking this process (the fake server answers from its event loop). */
    const run = async (script: string) => {
        const t0 = Date.now();
        const r = await h.start(h.rooted(script));
        return { ...r, seconds: (Date.now() - t0) / 1000 };
    };
    const members = () => [1, 2, 3].map((id) => ({ id, ip: "127.0.0.1" }));
    const step = (s: ZooSettings, ms = members(), timeout = 10) =>
        renderScript("node1", "zookeeper", memberOps(s, ms, 1, { host: "node1", timeoutSeconds: timeout }));
    const calls = () => h.takeCalls().filter((c) => /^systemctl (restart|start)/.test(c));

    it("new ensemble (nothing served before): configures and starts without waiting for a quorum", async () => {
        restartTurns(undefined, 0);
        const r = await run(step(settings(port)));
        expect(r.code, r.stderr).to.equal(0);
        expect(STEP_RESULT.exec(r.stdout)?.[2]).to.equal("changed");
        expect(r.stderr).to.contain("the ensemble served before this step: no");
        expect(calls()).to.deep.equal(["systemctl start zookeeper"]);
        expect(r.seconds).to.be.lessThan(8);
    });

    it("serving ensemble: restarts the member and returns only once it serves again", async () => {
        restartTurns(undefined, 0);
        expect((await run(step(settings(port)))).code).to.equal(0);
        h.takeCalls();
        fs.writeFileSync(modeFile, "follower");
        restartTurns("follower", 3);
        const r = await run(step({ ...settings(port), tickTime: 2200 }));
        expect(r.code, r.stderr).to.equal(0);
        expect(r.stderr).to.contain("the ensemble served before this step: yes");
        expect(calls()).to.deep.equal(["systemctl restart zookeeper"]);
        expect(r.seconds, "waited for the member to serve again").to.be.greaterThan(2.5);
        expect(fs.readFileSync(modeFile, "utf8").trim()).to.equal("follower");
    });

    it("serving ensemble, member does not come back: fails naming the host, so the next member is never touched", async () => {
        restartTurns(undefined, 0);
        expect((await run(step(settings(port)))).code).to.equal(0);
        fs.writeFileSync(modeFile, "leader");
        restartTurns(undefined, 0);
        const r = await run(step({ ...settings(port), tickTime: 2200 }, members(), 2));
        expect(r.code).to.equal(1);
        expect(r.stderr).to.contain("ZooKeeper on node1 (myid 1) did not serve again within 2 s after its change");
        expect(r.stdout).to.equal("");
    });

    it("a change that loses the quorum fails before anything on the member changes", async () => {
        restartTurns(undefined, 0);
        const old = [1, 2, 3].map((id) => ({ id, ip: `10.0.15.${10 + id}` }));
        expect((await run(step(settings(port), old))).code).to.equal(0);
        const cfgPath = h.p("etc/zookeeper/conf/zoo.cfg");
        const before = fs.readFileSync(cfgPath, "utf8");
        h.takeCalls();
        const twoMoved = [
            { id: 1, ip: "10.0.15.11" },
            { id: 2, ip: "10.0.16.12" },
            { id: 3, ip: "10.0.16.13" },
        ];
        const r = await run(step(settings(port), twoMoved));
        expect(r.code).to.equal(1);
        expect(r.stderr).to.contain("ZooKeeper: change refused before it touched this member: 1 of the 3 current members");
        expect(r.stderr).to.contain("new: 1=10.0.15.11 2=10.0.16.12 3=10.0.16.13");
        expect(fs.readFileSync(cfgPath, "utf8")).to.equal(before);
        expect(calls()).to.deep.equal([]);
    });
});

describe("rolling changes: the whole stack program with one host's address changed", () => {
    it("every quorum step whose script changes (ZooKeeper members, Mesos masters, the log server) runs after the moved host's ready step", async function () {
        this.timeout(300_000);
        const { fullConfig, runProgram } = await import("../security/stack");
        const scripts = async (node3: string) => {
            const cfg = fullConfig();
            cfg.hosts = cfg.hosts.map((h: { name: string }) => (h.name === "node3" ? { ...h, ip: node3 } : h));
            // The moved host's address needs its known_hosts line too (host keys are pinned).
            cfg.existing = { ...cfg.existing, knownHosts: [...(cfg.existing?.knownHosts ?? []), `${node3} ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIG1vdmVk`] };
            const r = await runProgram(cfg);
            if (r.error) throw r.error;
            return Object.fromEntries(r.resources.filter((x) => typeof x.inputs.stdin === "string").map((x) => [x.name, x.inputs.stdin as string]));
        };
        const before = await scripts("10.0.15.13");
        const after = await scripts("10.0.15.23");
        const changedElsewhere = Object.keys(after).filter((n) => before[n] !== after[n] && !n.includes("node3"));
        const quorum = changedElsewhere.filter((n) => /zookeeper$|mesos-master$|logging-server$/.test(n));
        expect(quorum, "quorum steps changed by the move").to.include.members([
            "zookeeper-node1-zookeeper",
            "zookeeper-node2-zookeeper",
            "logging-node1-logging-server",
            "mesos-node1-mesos-master",
        ]);
        for (const n of quorum) expect(runsAfter(n, "hosts-node3-ready"), `${n} runs after hosts-node3-ready`).to.equal(true);
    });
});
