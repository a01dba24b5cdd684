import { expect } from "chai";
import * as fs from "fs";
import * as http from "http";
import * as os from "os";
import * as path from "path";
import { execFile, execFileSync } from "child_process";
import { registryApiScript } from "../../../components/images/ops";
import { LOGIN_DIR } from "../../../components/docker/ops";
import { marathonCurlrc, mesosProbeCurlrc } from "../../../components/mesos/render";

/**
 * Credentials reach curl through a curl config (`user = "…"`), never its command line. In a
 * quoted config value curl reads `\` as an escape and `"` as the end: a password containing either
 * must be escaped by the writer, or curl sends another password (or reads the rest as options).
 * These run the real curl against a loopback server and compare the Authorization header it sends.
 */

const PASSWORDS = ["plain-password-123", 'quote"inside-123', "back\\slash-123", 'both\\"-and-\\\\"-end\\', "dollar$(id)`id`-123", "percent%s%n-123"];

async function withServer(f: (port: number, seen: string[]) => Promise<void>): Promise<void> {
    const seen: string[] = [];
    const server = http.createServer((req, res) => {
        seen.push(Buffer.from(String(req.headers.authorization ?? "").replace(/^Basic /, ""), "base64").toString("utf8"));
        res.end("{}");
    });
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    try {
        await f((server.address() as { port: number }).port, seen);
    } finally {
        await new Promise((r) => server.close(r));
    }
}

const run = (file: string, args: string[]) =>
    new Promise<string>((resolve, reject) => {
        // Async: the server answers from this same process.
        const p = execFile(file, args, { encoding: "utf8" }, (e: Error | null, out: string, err: string) =>
            e ? reject(new Error(`${e.message}\n${err}`)) : resolve(out),
        );
        void p;
    });

describe('security: passwords with " and \\ reach curl intact', function () {
    this.timeout(30000);
    let dir: string;

    before(function () {
        try {
            execFileSync("curl", ["--version"], { stdio: "ignore" });
        } catch {
            this.skip();
        }
        dir = fs.mkdtempSync(path.join(os.tmpdir(), "curl-config-"));
    });
    after(() => dir && fs.rmSync(dir, { recursive: true, force: true }));

    it("registry-api (AppImage's helper) sends the registry password from its file unchanged", async () => {
        const script = path.join(dir, "registry-api");
        fs.writeFileSync(script, registryApiScript().split(LOGIN_DIR).join(dir), { mode: 0o755 });
        await withServer(async (port, seen) => {
            for (const pw of PASSWORDS) {
                fs.writeFileSync(path.join(dir, `127.0.0.1:${port}.password`), `${pw}\n`, { mode: 0o600 });
                await run(script, [`127.0.0.1:${port}`, "microservice", "http", "GET", "/v2/"]);
                expect(seen.pop(), pw).to.equal(`microservice:${pw}`);
            }
        });
    });

    it("Marathon's probe curlrc sends the password unchanged", async () => {
        await withServer(async (port, seen) => {
            for (const pw of PASSWORDS) {
                const rc = path.join(dir, "probe.curlrc");
                fs.writeFileSync(rc, marathonCurlrc("marathon", pw), { mode: 0o600 });
                await run("curl", ["-fsS", "-K", rc, "-o", "/dev/null", `http://127.0.0.1:${port}/ping`]);
                expect(seen.pop(), pw).to.equal(`marathon:${pw}`);
            }
        });
    });

    it("the Mesos probes' curlrc sends the operator secret unchanged", async () => {
        await withServer(async (port, seen) => {
            for (const secret of PASSWORDS) {
                const rc = path.join(dir, "mesos-probe.curlrc");
                fs.writeFileSync(rc, mesosProbeCurlrc(secret), { mode: 0o600 });
                await run("curl", ["-fsS", "-K", rc, "-o", "/dev/null", `http://127.0.0.1:${port}/metrics/snapshot`]);
                expect(seen.pop(), secret).to.equal(`operator:${secret}`);
            }
        });
    });
});
