import { expect } from "chai";
import { ChildProcess, spawn, spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { HOST_PROGRAMS_DIR, packageRoot } from "../../../components/provision/host-program";
import { freePort, issue, makeCa } from "./test-pki";

/**
 * logging.protocol "journal" end to end on loopback: host-programs/log-receiver.py and
 * log-shipper.py as shipped, the shipper reading a stand-in journal (fake-journalctl.py: the same
 * JSON lines and cursors as `journalctl -o json`). The receiver is killed (SIGKILL, mid-batch or
 * not) and the shipper stopped while 30,000 lines flow: every line lands exactly once.
 */

const PY = "/usr/bin/python3";
const program = (name: string) => path.join(packageRoot(), HOST_PROGRAMS_DIR, name);
const FAKE_JOURNALCTL = path.join(__dirname, "fake-journalctl.py");
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

interface Lab {
    tmp: string;
    journal: string;
    receiverConf: string;
    shipperConf: string;
    remote: string;
    state: string;
}

function setUp(hosts: Record<string, string>, tls: Record<string, unknown>, shipper: Record<string, unknown>, port: number): Lab {
    const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "log-shipping-"));
    const lab = {
        tmp,
        journal: path.join(tmp, "journal.jsonl"),
        receiverConf: path.join(tmp, "receiver.json"),
        shipperConf: path.join(tmp, "shipper.json"),
        remote: path.join(tmp, "remote"),
        state: path.join(tmp, "state"),
    };
    fs.writeFileSync(lab.journal, "");
    fs.writeFileSync(lab.receiverConf, JSON.stringify({ port, address: "127.0.0.1", dir: lab.remote, stateDir: lab.state, hosts, tls: "off", ...tls }));
    const ship = { host: "node2", address: "127.0.0.1", port, serverName: "node1", tls: "off", identifiers: ["marathon"], ...shipper };
    fs.writeFileSync(lab.shipperConf, JSON.stringify(ship));
    return lab;
}

const env = (lab: Lab) => ({ ...process.env, TZ: "UTC", FAKE_JOURNAL: lab.journal, LOG_SHIPPER_JOURNALCTL: FAKE_JOURNALCTL });

function startReceiver(lab: Lab): ChildProcess {
    const p = spawn(PY, [program("log-receiver.py"), lab.receiverConf], { env: env(lab), stdio: ["ignore", "pipe", "pipe"] });
    p.stdout!.on("data", (d) => fs.appendFileSync(path.join(lab.tmp, "receiver.log"), d));
    p.stderr!.on("data", (d) => fs.appendFileSync(path.join(lab.tmp, "receiver.log"), d));
    return p;
}

function startShipper(lab: Lab): ChildProcess {
    const p = spawn(PY, [program("log-shipper.py"), lab.shipperConf], { env: env(lab), stdio: ["ignore", "pipe", "pipe"] });
    p.stdout!.on("data", (d) => fs.appendFileSync(path.join(lab.tmp, "shipper.log"), d));
    p.stderr!.on("data", (d) => fs.appendFileSync(path.join(lab.tmp, "shipper.log"), d));
    return p;
}

function stop(p: ChildProcess, signal: NodeJS.Signals): Promise<void> {
    if (p.exitCode !== null || p.signalCode !== null) return Promise.resolve();
    return new Promise((resolve) => {
        p.once("exit", () => resolve());
        p.kill(signal);
    });
}

function probe(lab: Lab): { status: number; err: string } {
    const r = spawnSync(PY, [program("log-shipper.py"), "--probe", lab.shipperConf], { env: env(lab), encoding: "utf8" });
    return { status: r.status ?? -1, err: r.stderr };
}

async function until(what: string, ok: () => boolean, ms: number): Promise<void> {
    const end = Date.now() + ms;
    while (!ok()) {
        if (Date.now() > end) throw new Error(`timed out waiting until ${what}`);
        await sleep(50);
    }
}

let seq = 0;
/** One journal entry as `journalctl -o json` prints it (strings, cursor s=…;i=<hex>). */
function entry(ident: string, message: string, usec: number): string {
    seq += 1;
    return (
        JSON.stringify({
            __CURSOR: `s=4bd1;i=${seq.toString(16)};b=77;m=${seq.toString(16)};t=${usec.toString(16)};x=9f`,
            __REALTIME_TIMESTAMP: String(usec),
            SYSLOG_IDENTIFIER: ident,
            _PID: "42",
            MESSAGE: message,
        }) + "\n"
    );
}

const read = (f: string) => (fs.existsSync(f) ? fs.readFileSync(f, "utf8") : "");
const DAY = "2026/12/02";
const USEC = Date.UTC(2026, 11, 2, 9, 47, 47) * 1000 + 657332;

describe("logging: journal shipping, exactly once (log-shipper.py -> log-receiver.py on loopback)", function () {
    this.timeout(120000);
    const procs: ChildProcess[] = [];
    const labs: Lab[] = [];
    before(function () {
        if (!fs.existsSync(PY)) this.skip();
    });
    afterEach(async () => {
        await Promise.all(procs.splice(0).map((p) => stop(p, "SIGKILL")));
        labs.splice(0).forEach((l) => fs.rmSync(l.tmp, { recursive: true, force: true }));
    });

    it("30,000 lines while the receiver is killed three times and the shipper stopped twice: each line once, in the server tree and format", async () => {
        const lab = setUp({ node2: "127.0.0.1" }, {}, {}, await freePort());
        labs.push(lab);
        let receiver = startReceiver(lab);
        let shipper = startShipper(lab);
        procs.push(receiver, shipper);
        const lines: string[] = [];
        const writer = (async () => {
            for (let burst = 0; burst < 30; burst++) {
                let chunk = "";
                for (let i = 1; i <= 1000; i++) {
                    const n = burst * 1000 + i;
                    chunk += entry("docker/shop.web", `line ${n}`, USEC + n);
                    if (i % 250 === 0) chunk += entry("sshd", `not forwarded ${n}`, USEC + n) + entry("marathon", `scheduler ${n}`, USEC + n);
                }
                fs.appendFileSync(lab.journal, chunk);
                lines.push(chunk);
                await sleep(100);
            }
        })();
        // Faults while the writer runs: SIGKILL lands wherever the receiver is (mid-batch included).
        for (const [at, fault] of [
            [400, "receiver"],
            [900, "shipper"],
            [1400, "receiver"],
            [1900, "shipper-kill"],
            [2400, "receiver"],
        ] as const) {
            await sleep(at - (at === 400 ? 0 : 500));
            if (fault === "receiver") {
                await stop(receiver, "SIGKILL");
                await sleep(300);
                receiver = startReceiver(lab);
                procs.push(receiver);
            } else {
                await stop(shipper, fault === "shipper" ? "SIGTERM" : "SIGKILL");
                shipper = startShipper(lab);
                procs.push(shipper);
            }
        }
        await writer;
        const last = JSON.parse(lines[lines.length - 1].trim().split("\n").pop()!).__CURSOR;
        await until("the receiver committed the journal's last cursor", () => read(path.join(lab.state, "node2.cursor")) === last, 60000);

        const app = read(path.join(lab.remote, "node2", DAY, "docker", "shop.web", "docker.log"))
            .split("\n")
            .filter(Boolean);
        const combined = read(path.join(lab.remote, "node2", DAY, "docker", "combined.log"))
            .split("\n")
            .filter(Boolean);
        const counts = new Map<number, number>();
        for (const l of app) {
            const n = Number(/ line (\d+)$/.exec(l)![1]);
            counts.set(n, (counts.get(n) ?? 0) + 1);
        }
        const lost = Array.from({ length: 30000 }, (_, i) => i + 1).filter((n) => !counts.has(n));
        const twice = [...counts].filter(([, c]) => c > 1).map(([n]) => n);
        expect({ lost: lost.length, duplicated: twice.length }, `lost ${lost.slice(0, 5)} twice ${twice.slice(0, 5)}`).to.deep.equal({
            lost: 0,
            duplicated: 0,
        });
        expect(combined).to.deep.equal(app);
        expect(app[0]).to.equal("2026-12-02T09:47:47.657333+00:00 node2 docker/shop.web[42]: line 1");
        const marathon = read(path.join(lab.remote, "node2", DAY, "marathon.log"))
            .split("\n")
            .filter(Boolean);
        expect(marathon).to.have.length(120);
        expect(new Set(marathon).size).to.equal(120);
        expect(fs.existsSync(path.join(lab.remote, "node2", DAY, "sshd.log"))).to.equal(false);
    });

    it("a batch written in part when the receiver stopped is cut back at its next start, and a committed one is kept", async () => {
        const lab = setUp({ node2: "127.0.0.1", node3: "127.0.0.2" }, {}, {}, await freePort());
        labs.push(lab);
        const file = (host: string) => path.join(lab.remote, host, DAY, "docker", "combined.log");
        fs.mkdirSync(lab.state, { recursive: true });
        for (const host of ["node2", "node3"]) {
            fs.mkdirSync(path.dirname(file(host)), { recursive: true });
            fs.writeFileSync(file(host), "committed\nhalf a batch\n");
        }
        // node2: the pending batch followed the committed cursor, so it never committed; node3's did.
        fs.writeFileSync(path.join(lab.state, "node2.cursor"), "s=1;i=5");
        fs.writeFileSync(path.join(lab.state, "node2.pending"), JSON.stringify({ after: "s=1;i=5", sizes: { [file("node2")]: 10 } }));
        fs.writeFileSync(path.join(lab.state, "node3.cursor"), "s=1;i=9");
        fs.writeFileSync(path.join(lab.state, "node3.pending"), JSON.stringify({ after: "s=1;i=5", sizes: { [file("node3")]: 10 } }));
        procs.push(startReceiver(lab));
        await until("the receiver answers", () => probe(lab).status === 0, 20000);
        expect(read(file("node2"))).to.equal("committed\n");
        expect(read(file("node3"))).to.equal("committed\nhalf a batch\n");
        expect(fs.readdirSync(lab.state).sort()).to.deep.equal(["node2.cursor", "node3.cursor"]);
    });

    it("refuses a host that is not the stack's, and one that ships from another host's address, naming both", async () => {
        const lab = setUp({ node1: "127.0.0.1", node2: "10.0.15.12" }, {}, {}, await freePort());
        labs.push(lab);
        procs.push(startReceiver(lab));
        await until("the receiver listens", () => probe(lab).status !== 2, 20000);
        expect(probe(lab)).to.deep.include({ status: 1 });
        expect(probe(lab).err).to.contain("node2: a connection from 127.0.0.1, expected from 10.0.15.12");
        fs.writeFileSync(lab.shipperConf, JSON.stringify({ ...JSON.parse(read(lab.shipperConf)), host: "node9" }));
        expect(probe(lab).err).to.contain("node9 is not a host of this stack (node1, node2)");
        fs.writeFileSync(lab.shipperConf, JSON.stringify({ ...JSON.parse(read(lab.shipperConf)), port: 1 }));
        expect(probe(lab)).to.deep.include({ status: 2 });
        expect(probe(lab).err).to.match(/^node9: the log server node1 \(127\.0\.0\.1:1\) does not answer/);
    });

    it('tls "mutual": takes a host by its stack-CA client certificate, refuses another host\'s certificate and no certificate', async function () {
        if (spawnSync("openssl", ["version"]).status !== 0) this.skip();
        const port = await freePort();
        const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "log-shipping-pki-"));
        const ca = makeCa(path.join(tmp, "ca"), "microservice stack CA");
        const pem = (name: string, usage: "server" | "client") => {
            const cert = path.join(tmp, `${name}.pem`);
            fs.writeFileSync(cert, issue(ca, path.join(tmp, `${name}.key`), name, usage));
            return { cert, key: path.join(tmp, `${name}.key`) };
        };
        const server = pem("node1", "server");
        const node2 = pem("node2", "client");
        const node3 = pem("node3", "client");
        const caFile = path.join(ca, "ca.crt");
        const lab = setUp({ node2: "127.0.0.1", node3: "127.0.0.1" }, { tls: "mutual", ca: caFile, ...server }, { tls: "mutual", ca: caFile, ...node2 }, port);
        labs.push(lab, { ...lab, tmp });
        procs.push(startReceiver(lab));
        await until("the receiver listens", () => probe(lab).status !== 2, 20000);
        expect(probe(lab)).to.deep.equal({ status: 0, err: "" });
        const conf = JSON.parse(read(lab.shipperConf));
        fs.writeFileSync(lab.shipperConf, JSON.stringify({ ...conf, ...node3 }));
        expect(probe(lab).err).to.contain("node2: the client certificate names node3");
        fs.writeFileSync(lab.shipperConf, JSON.stringify({ ...conf, tls: "server" }));
        expect(probe(lab)).to.deep.include({ status: 2 });
        fs.writeFileSync(lab.shipperConf, JSON.stringify({ ...conf, serverName: "node7" }));
        expect(probe(lab).err).to.match(/does not answer: .*(hostname|match)/i);
    });
});
