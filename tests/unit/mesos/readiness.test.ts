import { expect } from "chai";
import { spawn, spawnSync } from "child_process";
import * as fs from "fs";
import * as http from "http";
import * as os from "os";
import * as path from "path";
import { AddressInfo } from "net";
import { renderScript, Op } from "../../../components/provision";
import { agentReadyOps, marathonReadyOps, masterReadyOps } from "../../../components/mesos/ops";
import { MARATHON_CURLRC, MESOS_PROBE_CURLRC, marathonCurlrc, mesosProbeCurlrc } from "../../../components/mesos/render";
import { IMAGES, PASSWORD, SECRETS } from "./fixtures";

/**
 * The readiness steps run for real (curl, jq, the step runtime) against a fake Mesos/Marathon on
 * loopback that answers like the documented endpoints: /health (open, as in Mesos), /metrics/snapshot,
 * agent /state and /master/slaves only for the operator (HTTP basic auth, as with
 * --authenticate_http_readonly), the non-leading master's /master/slaves a redirect to the leader on
 * another host name; Marathon /ping with basic auth.
 */
interface Fake {
    elected: number;
    active: boolean;
    registered: boolean;
}

const basic = (user: string, secret: string) => `Basic ${Buffer.from(`${user}:${secret}`).toString("base64")}`;

function serve(state: Fake): Promise<http.Server> {
    const server = http.createServer((req, res) => {
        const json = (v: unknown) => res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify(v));
        const operator = req.headers.authorization === basic("operator", SECRETS.operator);
        if (req.url !== "/health" && req.url !== "/ping" && !operator)
            return res.writeHead(401, { "WWW-Authenticate": 'Basic realm="mesos-master-readonly"' }).end();
        // The leader is the same server under another name: curl keeps credentials across that only with --location-trusted.
        if (req.url === "/master/slaves" && req.headers.host?.startsWith("127.0.0.1")) {
            return res.writeHead(307, { location: `http://localhost:${(server.address() as AddressInfo).port}/master/slaves` }).end();
        }
        switch (req.url) {
            case "/health":
                return res.writeHead(200).end();
            case "/metrics/snapshot":
                return json({ "master/elected": state.elected, "master/uptime_secs": 12.5 });
            case "/state":
                return json(state.registered ? { id: "a1", master_hostname: "127.0.0.1" } : { id: "a1" });
            case "/master/slaves":
                return json({
                    slaves: [
                        { id: "x", hostname: "10.9.9.9", active: true },
                        { id: "y", hostname: "127.0.0.1", active: state.active, attributes: { slavetype: "app" } },
                    ],
                });
            case "/ping": {
                const ok = req.headers.authorization === basic("marathon", PASSWORD);
                return ok ? res.writeHead(200).end("pong") : res.writeHead(401).end();
            }
            default:
                return res.writeHead(404).end();
        }
    });
    return new Promise((resolve) => server.listen(0, "127.0.0.1", () => resolve(server)));
}

function runStep(ops: Op[], dir: string): Promise<{ code: number; stderr: string; ms: number }> {
    const started = Date.now();
    return new Promise((resolve) => {
        const p = spawn("bash", ["-s"], { env: { ...process.env, MICROSERVICE_STEP_LOCK: path.join(dir, "lock") } });
        let stderr = "";
        p.stderr.on("data", (d) => (stderr += d));
        p.on("close", (code) => resolve({ code: code ?? -1, stderr, ms: Date.now() - started }));
        p.stdin.end(renderScript("node2", "ready", ops));
    });
}

describe("Mesos readiness steps (run locally against a fake Mesos and Marathon)", function () {
    this.timeout(30000);
    let server: http.Server;
    let port: number;
    let dir: string;
    const state: Fake = { elected: 1, active: true, registered: true };

    before(function () {
        const missing = ["curl", "jq"].filter((t) => spawnSync("sh", ["-c", `command -v ${t}`]).status !== 0);
        if (missing.length) {
            console.warn(`    (skipped: ${missing.join(", ")} not installed on this machine; the steps install them on hosts)`);
            this.skip();
        }
    });
    beforeEach(async () => {
        Object.assign(state, { elected: 1, active: true, registered: true });
        server = await serve(state);
        port = (server.address() as AddressInfo).port;
        dir = fs.mkdtempSync(path.join(os.tmpdir(), "mesos-ready-"));
    });
    afterEach(() => {
        server.close();
        fs.rmSync(dir, { recursive: true, force: true });
    });

    /** The probes read the operator's credentials from a curl config in `dir` instead of /etc/mesos. */
    const probing = (ops: Op[], secret = SECRETS.operator) => {
        const rc = path.join(dir, "mesos-probe.curlrc");
        fs.writeFileSync(rc, mesosProbeCurlrc(secret), { mode: 0o600 });
        return ops.map((op) => (op.kind === "waitFor" ? { ...op, check: op.check.split(MESOS_PROBE_CURLRC).join(rc) } : op));
    };
    const master = (t = 3, secret?: string) => probing(masterReadyOps("node1", "127.0.0.1", port, ["127.0.0.1"], IMAGES.master, t), secret);
    const agent = (t = 3, secret?: string) => probing(agentReadyOps("node2", "127.0.0.1", port, port, t), secret);
    const marathon = (t = 3) => {
        const rc = path.join(dir, "probe.curlrc");
        fs.writeFileSync(rc, marathonCurlrc("marathon", PASSWORD), { mode: 0o600 });
        return marathonReadyOps("node1", "127.0.0.1", port, t).map((op) =>
            op.kind === "waitFor" ? { ...op, check: op.check.replace(MARATHON_CURLRC, rc) } : op,
        );
    };

    it("pass when the master is healthy and elected, the agent active, Marathon answering with the credentials", async () => {
        for (const ops of [master(), agent(), marathon()]) {
            const r = await runStep(ops, dir);
            expect(r.code, r.stderr).to.equal(0);
        }
    });

    it("every probe of a Mesos endpoint authenticates as the operator from the 0600 curl config, never on argv", () => {
        for (const ops of [
            masterReadyOps("node1", "10.0.15.11", 5050, ["10.0.15.11"], IMAGES.master, 3),
            agentReadyOps("node2", "10.0.15.12", 5051, 5050, 3),
        ]) {
            for (const op of ops) {
                if (op.kind !== "waitFor") continue;
                const calls = op.check.match(/curl [^|;&]*/g) ?? [];
                expect(calls.length).to.be.greaterThan(0);
                for (const c of calls)
                    expect(c, op.description)
                        .to.contain(`-K ${MESOS_PROBE_CURLRC}`)
                        .and.not.match(/ -u | --user /);
            }
        }
    });

    it("with a wrong operator secret neither the master nor the agent is ready; a redirect to the leader keeps the credentials", async () => {
        let r = await runStep(master(2, "wrong-operator-secret-1"), dir);
        expect(r.code).to.equal(1);
        expect(r.stderr).to.contain("no Mesos master was elected leader within 2 s");
        r = await runStep(agent(2, "wrong-operator-secret-1"), dir);
        expect(r.code).to.equal(1);
        // The agent's probe follows the redirect with its credentials (plain -L would drop them there).
        r = await runStep(agent(2), dir);
        expect(r.code, r.stderr).to.equal(0);
        const plain = agent(2).map((op) => (op.kind === "waitFor" ? { ...op, check: op.check.replace("--location-trusted", "-L") } : op));
        r = await runStep(plain, dir);
        expect(r.code, "-L alone sends no credentials to the leader").to.equal(1);
    });

    it("no leader: fails within the bound, saying so", async () => {
        state.elected = 0;
        const r = await runStep(master(2), dir);
        expect(r.code).to.equal(1);
        expect(r.stderr).to.contain("FAILED node2/ready: no Mesos master was elected leader within 2 s");
        expect(r.ms).to.be.below(8000);
    });

    it("an agent listed but inactive, or not yet following a master, is not ready", async () => {
        state.active = false;
        let r = await runStep(agent(2), dir);
        expect(r.stderr).to.contain("the Mesos agent on node2 (127.0.0.1:").and.contain("is not registered and active at the leading master within 2 s");
        Object.assign(state, { active: true, registered: false });
        r = await runStep(agent(2), dir);
        expect(r.code).to.equal(1);
    });

    it("Marathon with the wrong password is not ready; no master at all fails /health quickly, naming the image", async () => {
        fs.writeFileSync(path.join(dir, "probe.curlrc"), marathonCurlrc("marathon", "wrong-password-123456"));
        const ops = marathonReadyOps("node1", "127.0.0.1", port, 2).map((op) =>
            op.kind === "waitFor" ? { ...op, check: op.check.replace(MARATHON_CURLRC, path.join(dir, "probe.curlrc")) } : op,
        );
        let r = await runStep(ops, dir);
        expect(r.stderr).to.contain("Marathon on node1 (127.0.0.1:").and.contain("did not answer /ping within 2 s");
        server.close();
        r = await runStep(master(2), dir);
        expect(r.code).to.equal(1);
        expect(r.stderr).to.contain(`did not answer /health within 2 s: see journalctl -u mesos-master on node1 (can the image ${IMAGES.master} be pulled?`);
        expect(r.ms).to.be.below(8000);
    });
});
