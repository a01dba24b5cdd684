import { expect } from "chai";
import * as net from "net";
import { ZooKeeperEnsemble } from "../../../components/zookeeper";
import { installOps, memberOps, readyOps, zooCfg, ZooSettings } from "../../../components/zookeeper/ops";
import { renderScript, STEP_RESULT } from "../../../components/provision";
import { expectGolden, stepBody } from "../provision/golden";
import { fakeHost } from "../provision/fake-host";
import { directDeps } from "../provision/deps";
import { LocalHost } from "../provision/run-local";
import { mocks } from "../../support/setup";
import { settle, valueOf } from "../../support/outputs";

const zk = (name: string, last: number, id?: number) => fakeHost(name, `10.0.15.${last}`, ["zookeeper"], { zookeeperId: id });

describe("ZooKeeperEnsemble", () => {
    it("renders zoo.cfg with the original's values and one server line per myid (golden)", async () => {
        const e = new ZooKeeperEnsemble("zookeeper", { hosts: [zk("node1", 11, 1), zk("node2", 12, 2), zk("node3", 13, 3)] });
        await settle();
        expectGolden(
            __dirname,
            "zoo-3.cfg",
            zooCfg(
                e.settings,
                [
                    { id: 1, ip: "10.0.15.11" },
                    { id: 2, ip: "10.0.15.12" },
                    { id: 3, ip: "10.0.15.13" },
                ],
                1,
            ),
        );
        expectGolden(__dirname, "member-node2.sh", stepBody(mocks.named("zookeeper-node2-zookeeper").inputs.stdin));
    });

    it("takes myid from each host's zookeeperId, never from list order", async () => {
        const e = new ZooKeeperEnsemble("zk", { hosts: [zk("c", 13, 7), zk("a", 11, 2), zk("b", 12, 5)] });
        expect(await valueOf(e.servers)).to.equal("10.0.15.11:2181,10.0.15.12:2181,10.0.15.13:2181");
        expect(await valueOf(e.zkUrl("/mesos"))).to.equal("zk://10.0.15.11:2181,10.0.15.12:2181,10.0.15.13:2181/mesos");
        await settle();
        const stdin = (h: string) => mocks.named(`zk-${h}-zookeeper`).inputs.stdin as string;
        expect(stdin("c")).to.match(/ensure_file '\/etc\/zookeeper\/conf\/myid' [^\n]+\n7\n/);
        expect(stdin("a")).to.match(/ensure_file '\/etc\/zookeeper\/conf\/myid' [^\n]+\n2\n/);
        expect(stdin("c")).to.contain("server.2=10.0.15.11:2888:3888\nserver.5=10.0.15.12:2888:3888\nserver.7=10.0.15.13:2888:3888\n");
    });

    it("waits for the quorum only after every member is configured", async () => {
        new ZooKeeperEnsemble("zk", { hosts: [zk("a", 11, 1), zk("b", 12, 2), zk("c", 13, 3)] });
        await settle();
        for (const h of ["a", "b", "c"]) {
            expect(directDeps(`zk-${h}-zookeeper-ready`)).to.include.members(["zk-a-zookeeper", "zk-b-zookeeper", "zk-c-zookeeper"]);
            expect(mocks.named(`zk-${h}-zookeeper-ready`).inputs.stdin).to.contain("grep -Eq '\\''^Mode: (leader|follower)$'\\''");
        }
    });

    it("a single member is ready when standalone; the AdminServer can be disabled; extra words allowed", async () => {
        const e = new ZooKeeperEnsemble("one", { hosts: [zk("a", 11, 1)], settings: { adminServerPort: false, fourLetterWords: ["stat", "srvr"] } });
        await settle();
        expect(mocks.named("one-a-zookeeper-ready").inputs.stdin).to.contain("^Mode: (standalone)$");
        const cfg = zooCfg(e.settings, [{ id: 1, ip: "10.0.15.11" }], 1);
        expect(cfg).to.contain("admin.enableServer=false\n").and.contain("4lw.commands.whitelist=srvr,ruok,mntr,stat\n").and.not.contain("8080");
    });

    it("blast radius: a new member changes each member's config step and nothing else", async () => {
        const build = (n: number) => {
            mocks.reset();
            new ZooKeeperEnsemble("zk", { hosts: [zk("a", 11, 1), zk("b", 12, 2), zk("c", 13, 3), zk("d", 14, 4), zk("e", 15, 5)].slice(0, n) });
        };
        const snapshot = async () => {
            await settle();
            return Object.fromEntries(
                mocks
                    .byType("pulumi-nodejs:dynamic/exec:RemoteCommand")
                    .filter((r) => r.inputs.stdin)
                    .map((r) => [r.name, r.inputs.stdin]),
            );
        };
        build(3);
        const three = await snapshot();
        build(5);
        const five = await snapshot();
        const changed = Object.keys(three).filter((k) => three[k] !== five[k]);
        expect(changed).to.have.members(["zk-a-zookeeper", "zk-b-zookeeper", "zk-c-zookeeper"]);
        expect(Object.keys(five).filter((k) => !(k in three))).to.have.members([
            "zk-d-zookeeper-install",
            "zk-e-zookeeper-install",
            "zk-d-zookeeper",
            "zk-e-zookeeper",
            "zk-d-zookeeper-ready",
            "zk-e-zookeeper-ready",
        ]);
    });

    it("rejects ensembles that cannot form a sane quorum, naming what is wrong", () => {
        expect(() => new ZooKeeperEnsemble("bad", { hosts: [zk("a", 11, 1), zk("b", 12, 2)] })).to.throw(
            /ZooKeeperEnsemble "bad"[\s\S]*hosts: expected 1, 3 or 5 members/,
        );
        expect(() => new ZooKeeperEnsemble("bad", { hosts: [] })).to.throw(/hosts: expected 1, 3 or 5 members/);
        expect(() => new ZooKeeperEnsemble("bad", { hosts: [zk("a", 11, 1), zk("b", 12, 1), zk("c", 13, 3)] })).to.throw(
            /hosts: expected a different zookeeperId on every member/,
        );
        expect(() => new ZooKeeperEnsemble("bad", { hosts: [zk("a", 11, 1), zk("b", 12), zk("c", 13, 3)] })).to.throw(
            /hosts\[1\]\.zookeeperId: expected a zookeeperId \(myid 1-255\) on every member, got nothing/,
        );
        expect(() => new ZooKeeperEnsemble("bad", { hosts: [zk("a", 11, 256)] })).to.throw(/hosts\[0\]\.zookeeperId: expected a myid from 1 to 255, got 256/);
        expect(() => new ZooKeeperEnsemble("bad", { hosts: [zk("a", 11, 1)], settings: { adminServerPort: 8080 } })).to.throw(
            /settings\.adminServerPort: expected a port other than 8080 \(Marathon's port/,
        );
        expect(() => new ZooKeeperEnsemble("bad", { hosts: [zk("a", 11, 1)], settings: { clientPort: 2888 } })).to.throw(
            /settings\.clientPort: expected a port other than ZooKeeper's peer port 2888/,
        );
        expect(() => new ZooKeeperEnsemble("bad", { hosts: [zk("a", 11, 1)], settings: { fourLetterWords: ["kill" as any] } })).to.throw(
            /settings\.fourLetterWords\[0\]/,
        );
        const ok = new ZooKeeperEnsemble("ok", { hosts: [zk("a", 11, 1)] });
        expect(() => ok.zkUrl("mesos")).to.throw(/expected a path like \/mesos/);
    });
});

describe("ZooKeeper readiness probe (run locally against a fake server)", () => {
    const settings = { clientPort: 0 } as ZooSettings;
    let h: LocalHost;
    let server: net.Server;
    beforeEach(() => (h = new LocalHost()));
    afterEach(() => {
        h.cleanup();
        server?.close();
    });
    const listen = (mode: string) =>
        new Promise<number>((resolve) => {
            server = net.createServer((sock) =>
                sock.once("data", (d) => sock.end(d.toString() === "srvr" ? `Zookeeper version: 3.8.0\nMode: ${mode}\nNode count: 5\n` : "")),
            );
            server.listen(0, "127.0.0.1", () => resolve((server.address() as net.AddressInfo).port));
        });

    it("passes on leader/follower, fails with its message on a standalone member of an ensemble", async () => {
        // spawnSync blocks the event loop that serves the fake server: the probe runs in a child (LocalHost.start).
        const port = await listen("follower");
        const run = (script: string) => h.start(script);
        const ok = await run(renderScript("n", "zk-ready", readyOps({ ...settings, clientPort: port }, 3, 5, "127.0.0.1")));
        expect(STEP_RESULT.exec(ok.stdout)?.[2], ok.stderr).to.equal("unchanged");
        server.close();
        const port2 = await listen("standalone");
        const bad = await run(renderScript("n", "zk-ready", readyOps({ ...settings, clientPort: port2 }, 3, 1, "127.0.0.1")));
        expect(bad.code).to.equal(1);
        expect(bad.stderr).to.contain("ZooKeeper did not join a quorum");
        expect(bad.stdout).to.equal("");
    });

    it("a closed port fails cleanly, without writing into the result", async () => {
        const r = h.run(renderScript("n", "zk-ready", readyOps({ ...settings, clientPort: 1 }, 1, 1, "127.0.0.1")));
        expect(r.code).to.equal(1);
        expect(r.stdout).to.equal("");
    });

    it("member ops: package and dataDir owned by zookeeper in the install step, config files tagged for the restart", () => {
        const s: ZooSettings = {
            clientPort: 2181,
            peerPort: 2888,
            electionPort: 3888,
            tickTime: 2000,
            initLimit: 5,
            syncLimit: 2,
            dataDir: "/srv/zk",
            autopurgeIntervalHours: 24,
            autopurgeSnapRetainCount: 3,
            fourLetterWords: ["srvr", "ruok", "mntr"],
            admin: { port: 8181, address: "127.0.0.1" },
        };
        const body = stepBody(renderScript("n", "zookeeper", memberOps(s, [{ id: 1, ip: "10.0.0.1" }], 1)));
        expect(stepBody(renderScript("n", "zookeeper-install", installOps(s)))).to.equal(
            "ensure_packages 'zookeeperd'\nensure_dir '/srv/zk' '0750' 'zookeeper' 'zookeeper'\n",
        );
        expect(body).to.contain("ensure_file '/srv/zk/myid' '0644' 'root' 'root' 'zookeeper-config'"); // dataDir moved: myid there too
        expect(body).to.contain("ensure_service 'zookeeper' 1 'zookeeper-config'");
    });
});
