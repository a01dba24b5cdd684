import { expect } from "chai";
import { ChildProcess, spawn, spawnSync } from "child_process";
import * as fs from "fs";
import * as net from "net";
import * as os from "os";
import * as path from "path";
import { aclFiles, aclOps, ZKCLI } from "../../../components/zookeeper/acl";
import { renderScript, STEP_RESULT } from "../../../components/provision";
import { LocalHost } from "../provision/run-local";

/**
 * The ACL step against a real ZooKeeper (Debian's 3.8 package `zookeeper` on this machine, a
 * standalone server on a free loopback port): refused without credentials, allowed with them,
 * a second run changes nothing, a rotated password takes over. Skipped, saying why, without it.
 */
const JAR = "/usr/share/java/zookeeper.jar";
const CLASSPATH = `/etc/zookeeper/conf:${JAR}`;
const PASSWORD = "first-password-0123456789abcdef";
const ROTATED = "second-password-0123456789abcdef";

function freePort(): Promise<number> {
    return new Promise((resolve) => {
        const s = net.createServer();
        s.listen(0, "127.0.0.1", () => {
            const port = (s.address() as net.AddressInfo).port;
            s.close(() => resolve(port));
        });
    });
}

describe("ZooKeeper ACL step against a real ZooKeeper 3.8", function () {
    this.timeout(120_000);
    let server: ChildProcess | undefined;
    let dir: string;
    let servers: string;
    let h: LocalHost;

    before(function () {
        const missing = [ZKCLI, JAR, "/usr/bin/java"].filter((f) => !fs.existsSync(f));
        if (missing.length) {
            console.log(`      skipped: no ZooKeeper here (${missing.join(", ")} missing; apt-get install zookeeper)`);
            this.skip();
        }
    });

    // A fresh server per test: each starts from an ensemble without ACLs.
    beforeEach(async () => {
        h = new LocalHost();
        dir = fs.mkdtempSync(path.join(os.tmpdir(), "zk-acl-"));
        const port = await freePort();
        servers = `127.0.0.1:${port}`;
        fs.writeFileSync(
            path.join(dir, "zoo.cfg"),
            `tickTime=2000\ndataDir=${dir}/data\nclientPort=${port}\nclientPortAddress=127.0.0.1\nadmin.enableServer=false\n4lw.commands.whitelist=srvr\n`,
        );
        server = spawn("java", ["-cp", CLASSPATH, `-Dzookeeper.log.dir=${dir}`, "org.apache.zookeeper.server.ZooKeeperServerMain", path.join(dir, "zoo.cfg")], {
            stdio: "ignore",
        });
        const deadline = Date.now() + 60_000;
        for (;;) {
            const r = spawnSync("bash", ["-c", `timeout 2 bash -c 'exec 5<>/dev/tcp/127.0.0.1/${port}; printf srvr >&5; cat <&5'`], { encoding: "utf8" });
            if (/^Mode: standalone$/m.test(r.stdout)) break;
            if (Date.now() > deadline) throw new Error(`ZooKeeper did not serve on ${servers} within 60 s`);
            await new Promise((r) => setTimeout(r, 500));
        }
    });

    afterEach(() => {
        server?.kill();
        if (dir) fs.rmSync(dir, { recursive: true, force: true });
        h?.cleanup();
    });

    /** zkCli with `stdin` as its commands; its stdout and stderr together (refusals go to either). */
    const zkCli = (stdin: string) => ((r) => r.stdout + r.stderr)(spawnSync(ZKCLI, ["-server", servers], { input: stdin, encoding: "utf8", timeout: 60_000 }));
    const auth = (pw: string) => `addauth digest microservice:${pw}\n`;
    const step = (pw: string) => {
        const files = aclFiles(h.p("etc/zookeeper/acl"));
        const r = h.run(renderScript("node1", "zookeeper-acl", aclOps(pw, { servers, dir: files.dir })));
        return { ...r, result: STEP_RESULT.exec(r.stdout)?.[2], files };
    };

    it("refuses an unauthenticated create under /mesos, allows an authenticated one; a second run changes nothing", () => {
        const first = step(PASSWORD);
        expect(first.code, first.stderr).to.equal(0);
        expect(first.result).to.equal("changed");
        for (const f of ["auth", "set", "get", "expected", "applied"] as const) {
            expect((fs.statSync(first.files[f]).mode & 0o777).toString(8), f).to.equal("600");
        }
        expect((fs.statSync(first.files.dir).mode & 0o777).toString(8)).to.equal("700");

        const anonymous = zkCli("create /mesos/x\ncreate /marathon/x\ncreate /other\nls /mesos\n");
        expect(anonymous)
            .to.contain("Insufficient permission : /mesos/x")
            .and.contain("Insufficient permission : /marathon/x")
            .and.contain("Insufficient permission : /other");
        expect(anonymous).to.not.contain("Created");
        expect(zkCli(`${auth("wrong-password-0123456789")}create /mesos/x\n`)).to.contain("Insufficient permission : /mesos/x");
        expect(zkCli(`${auth(PASSWORD)}create /mesos/x\n`)).to.contain("Created /mesos/x");

        const second = step(PASSWORD);
        expect(second.code, second.stderr).to.equal(0);
        expect(second.result, second.stderr).to.equal("unchanged");
    });

    it("a rotated password takes over every protected znode and the trees below; the old one is refused", () => {
        expect(step(PASSWORD).code).to.equal(0);
        // A znode a client made with the old credentials and a creator-only ACL (as Mesos and Marathon do).
        zkCli(`${auth(PASSWORD)}create /marathon/state data auth::cdrwa\n`);
        const rotated = step(ROTATED);
        expect(rotated.code, rotated.stderr).to.equal(0);
        expect(rotated.result).to.equal("changed");
        expect(zkCli(`${auth(PASSWORD)}create /mesos/old\n`)).to.contain("Insufficient permission : /mesos/old");
        const now = zkCli(`${auth(ROTATED)}get /marathon/state\ncreate /mesos/new\n`);
        expect(now)
            .to.match(/^data$/m)
            .and.contain("Created /mesos/new");
        expect(step(ROTATED).result).to.equal("unchanged");
    });

    it("a password that cannot change the ACLs fails the step, naming the files and the docs", () => {
        expect(step(PASSWORD).code).to.equal(0);
        fs.rmSync(aclFiles(h.p("etc/zookeeper/acl")).applied); // the host lost the password in force
        const r = step(ROTATED);
        expect(r.code).to.equal(1);
        // A FAILED line: what a secret step's failure still shows (components/exec failureMessage).
        expect(r.stderr)
            .to.match(/^FAILED ZooKeeper \(127.0.0.1:\d+\): the ACLs of \/, \/mesos, \/marathon are not digest:microservice with cdrwa after setting them/m)
            .and.contain("docs/platform.md");
        expect(r.stderr + r.stdout)
            .to.not.contain(PASSWORD)
            .and.not.contain(ROTATED);
    });
});
