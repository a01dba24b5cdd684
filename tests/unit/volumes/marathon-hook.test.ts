import { expect } from "chai";
import * as fs from "fs";
import * as http from "http";
import * as https from "https";
import * as os from "os";
import * as path from "path";
import { execFile } from "child_process";
import { AddressInfo } from "net";
import { issue, makeCa } from "../mesos/tls-fixtures";

/**
 * The Marathon hook of a move (host-programs/marathon-app.py), run for real against a
 * stand-in of Marathon's API on the loopback (Marathon itself cannot run here).
 */
const HOOK = path.join(__dirname, "../../../host-programs/marathon-app.py");
const APP_ID = "/application/db/mongo";

interface Stub {
    url: string;
    requests: { method: string; url: string; auth: string; body: any }[];
    app: any;
    /** GETs until tasksRunning follows instances (a deployment in progress meanwhile). */
    lag: number;
    close(): Promise<void>;
}

/** `tls`: over HTTPS with this certificate and key (Marathon with mesos.marathon.tls). */
async function stub(app: any | undefined, stuck = false, tls?: https.ServerOptions): Promise<Stub> {
    const s: Stub = { requests: [], app, lag: 0, url: "", close: async () => undefined };
    const handler = (req: http.IncomingMessage, res: http.ServerResponse) => {
        let raw = "";
        req.on("data", (c) => (raw += c));
        req.on("end", () => {
            const body = raw ? JSON.parse(raw) : undefined;
            s.requests.push({ method: req.method!, url: req.url!, auth: req.headers.authorization ?? "", body });
            const reply = (code: number, v: unknown) => {
                res.writeHead(code, { "Content-Type": "application/json" });
                res.end(JSON.stringify(v));
            };
            if (!req.url!.startsWith(`/v2/apps${APP_ID}`) || !s.app) return reply(404, { message: `App '${APP_ID}' does not exist` });
            if (req.method === "PUT") {
                Object.assign(s.app, body);
                s.app.deployments = [{ id: "d1" }];
                s.lag = 2;
                return reply(200, { deploymentId: "d1", version: "2026-11-24T00:00:00.000Z" });
            }
            if (s.lag > 0) s.lag--;
            else if (!stuck) {
                s.app.tasksRunning = s.app.instances;
                s.app.deployments = [];
            }
            return reply(200, { app: s.app });
        });
    };
    const server = tls ? https.createServer(tls, handler) : http.createServer(handler);
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    s.url = `${tls ? "https" : "http"}://127.0.0.1:${(server.address() as AddressInfo).port}`;
    s.close = () => new Promise((r) => server.close(() => r()));
    return s;
}

function hook(s: Stub, ...args: string[]): Promise<{ code: number; stderr: string }> {
    return hookWith(s, "", ...args);
}

/** The hook with `caFile` in its conf (what hookOps writes when Marathon serves HTTPS: the stack CA). */
function hookWith(s: Stub, caFile: string, ...args: string[]): Promise<{ code: number; stderr: string }> {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "marathon-hook-"));
    const conf = path.join(dir, "mongo.marathon");
    fs.writeFileSync(conf, JSON.stringify({ url: s.url, username: "marathon", password: "pw-123", appId: APP_ID, timeoutSeconds: 3, caFile }), { mode: 0o600 });
    return new Promise((resolve) => {
        execFile("python3", [HOOK, args[0], conf, ...args.slice(1)], { timeout: 20_000 }, (err, _out, stderr) => {
            fs.rmSync(dir, { recursive: true, force: true });
            resolve({ code: err ? ((err as any).code ?? 1) : 0, stderr });
        });
    });
}

const running = () => ({
    id: APP_ID,
    instances: 1,
    tasksRunning: 1,
    tasksStaged: 0,
    deployments: [],
    constraints: [
        ["slavetype", "CLUSTER", "app"],
        ["hostname", "CLUSTER", "10.0.15.12"],
    ],
});

describe("Marathon hook of a volume move (against a loopback stand-in of Marathon's API)", () => {
    it("stop: scales to 0 with force, authenticated, and returns only once no task runs", async () => {
        const s = await stub(running());
        const r = await hook(s, "stop");
        await s.close();
        expect(r.code, r.stderr).to.equal(0);
        const puts = s.requests.filter((q) => q.method === "PUT");
        expect(puts).to.have.length(1);
        expect(puts[0].url).to.equal(`/v2/apps${APP_ID}?force=true`);
        expect(puts[0].body).to.deep.equal({ instances: 0 });
        expect(Buffer.from(puts[0].auth.replace("Basic ", ""), "base64").toString()).to.equal("marathon:pw-123");
        expect(s.app.tasksRunning).to.equal(0);
        expect(s.requests.filter((q) => q.method === "GET").length, "polled until stopped").to.be.at.least(3);
        expect(r.stderr).to.contain(`${APP_ID} suspended`);
    });

    it("start: one instance pinned to the new primary, other constraints kept", async () => {
        const s = await stub({ ...running(), instances: 0, tasksRunning: 0 });
        const r = await hook(s, "start", "10.0.15.13");
        await s.close();
        expect(r.code, r.stderr).to.equal(0);
        expect(s.requests.find((q) => q.method === "PUT")!.body).to.deep.equal({
            instances: 1,
            constraints: [
                ["slavetype", "CLUSTER", "app"],
                ["hostname", "CLUSTER", "10.0.15.13"],
            ],
        });
    });

    it("resume (failed move): one instance where it was, constraints untouched", async () => {
        const s = await stub({ ...running(), instances: 0, tasksRunning: 0 });
        const r = await hook(s, "resume");
        await s.close();
        expect(r.code, r.stderr).to.equal(0);
        expect(s.requests.find((q) => q.method === "PUT")!.body).to.deep.equal({ instances: 1 });
    });

    it("leaves an app Marathon does not know alone", async () => {
        const s = await stub(undefined);
        const r = await hook(s, "stop");
        await s.close();
        expect(r.code, r.stderr).to.equal(0);
        expect(s.requests.map((q) => q.method)).to.deep.equal(["GET"]);
        expect(r.stderr).to.contain("is not deployed: nothing to stop");
    });

    it("fails after its bound when a task never stops (the move then puts the app back)", async () => {
        const s = await stub(running(), true);
        const t0 = Date.now();
        const r = await hook(s, "stop");
        await s.close();
        expect(r.code).to.not.equal(0);
        expect(r.stderr).to.contain(`${APP_ID} still has tasks after 3s`);
        expect(Date.now() - t0).to.be.within(2500, 15000);
    });

    it("over HTTPS: trusts the CA file of its conf (the stack CA), and refuses Marathon's certificate with any other", async () => {
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "marathon-hook-ca-"));
        try {
            const ca = makeCa(dir);
            const server = issue(dir, ca);
            const s = await stub(running(), false, { cert: fs.readFileSync(server.cert), key: fs.readFileSync(server.key) });
            expect(s.url).to.match(/^https:/);
            const other = makeCa(dir, "other-ca").ca;
            const refused = await hookWith(s, other, "stop");
            expect(refused.code).to.not.equal(0);
            expect(refused.stderr).to.contain("CERTIFICATE_VERIFY_FAILED");
            expect(s.requests, "nothing reached Marathon").to.deep.equal([]);
            const r = await hookWith(s, ca.ca, "stop");
            await s.close();
            expect(r.code, r.stderr).to.equal(0);
            expect(s.requests.find((q) => q.method === "PUT")!.body).to.deep.equal({ instances: 0 });
        } finally {
            fs.rmSync(dir, { recursive: true, force: true });
        }
    });
});
