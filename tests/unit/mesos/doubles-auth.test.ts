import { expect } from "chai";
import { ChildProcess, spawn } from "child_process";
import * as fs from "fs";
import * as http from "http";
import * as https from "https";
import * as net from "net";
import * as os from "os";
import * as path from "path";
import * as r from "../../../components/mesos/render";
import { keystoreOps } from "../../../components/mesos/ops";
import { renderScript } from "../../../components/provision";
import { doublesContext } from "../../lab/engine/doubles";
import { LocalHost } from "../provision/run-local";
import { PASSWORD, SECRETS } from "./fixtures";
import { issue, makeCa } from "./tls-fixtures";

/**
 * The lab's Mesos/Marathon doubles (tests/lab/doubles/double.js, as the lab builds them into their
 * image) run here on loopback with the env files MesosCluster renders, the credential files at
 * temporary paths: they refuse what real Mesos with these settings refuses, so that the engine lab
 * exercises the authentication (it never ran against real Mesos here).
 */

type Auth = { principal: string; secret: string } | undefined;
const as = (principal: string, secret: string): Auth => ({ principal, secret });
const operator = as("operator", SECRETS.operator);

/** NAME=value lines of a rendered env file. */
const envFile = (text: string) =>
    Object.fromEntries(
        text
            .split("\n")
            .filter((l) => /^[A-Z_]+=/.test(l))
            .map((l) => [l.slice(0, l.indexOf("=")), l.slice(l.indexOf("=") + 1)]),
    );

function freePort(): Promise<number> {
    return new Promise((resolve) => {
        const s = net.createServer().listen(0, "127.0.0.1", () => {
            const { port } = s.address() as net.AddressInfo;
            s.close(() => resolve(port));
        });
    });
}

function request(
    port: number,
    method: string,
    p: string,
    auth?: Auth,
    body?: string,
): Promise<{ status: number; text: string; headers: http.IncomingHttpHeaders }> {
    return new Promise((resolve, reject) => {
        const headers: Record<string, string> = auth ? { authorization: `Basic ${Buffer.from(`${auth.principal}:${auth.secret}`).toString("base64")}` } : {};
        const req = http.request({ host: "127.0.0.1", port, method, path: p, headers, timeout: 5000 }, (res) => {
            let text = "";
            res.on("data", (c) => (text += c));
            res.on("end", () => resolve({ status: res.statusCode ?? 0, text, headers: res.headers }));
        });
        req.on("error", reject);
        req.end(body);
    });
}

async function until<T>(what: string, f: () => Promise<T | undefined>, ms = 15000): Promise<T> {
    const deadline = Date.now() + ms;
    for (;;) {
        try {
            const v = await f();
            if (v !== undefined) return v;
        } catch {
            /* not yet */
        }
        if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
        await new Promise((res) => setTimeout(res, 200));
    }
}

describe("the lab's Mesos and Marathon doubles enforce authentication (run here on loopback)", function () {
    this.timeout(60000);
    let ctx: string;
    let dir: string;
    let masterPort: number;
    const children: ChildProcess[] = [];
    const output = new Map<ChildProcess, string>();

    const file = (name: string, content: string) => {
        const p = path.join(dir, name);
        fs.writeFileSync(p, content, { mode: 0o600 });
        return p;
    };
    const start = (env: Record<string, string>): ChildProcess => {
        const child = spawn(process.execPath, [path.join(ctx, "double.js")], {
            env: { PATH: process.env.PATH ?? "", ...env },
            stdio: ["ignore", "pipe", "pipe"],
        });
        output.set(child, "");
        const keep = (d: Buffer) => output.set(child, output.get(child) + d.toString());
        child.stdout!.on("data", keep);
        child.stderr!.on("data", keep);
        children.push(child);
        return child;
    };
    const zk = "zk://127.0.0.1:2181";

    before(async () => {
        ctx = doublesContext();
        dir = fs.mkdtempSync(path.join(os.tmpdir(), "doubles-auth-"));
        masterPort = await freePort();
        const env = envFile(r.masterEnv({ ip: "127.0.0.1", port: masterPort, clusterName: "c", quorum: 1, zk: `${zk}/mesos` }));
        start({ ...env, MESOS_CREDENTIALS: file("credentials.json", r.masterCredentials(SECRETS)), MESOS_ACLS: `file://${file("acls.json", r.masterAcls())}` });
        await until("the master double", async () => ((await request(masterPort, "GET", "/health")).status === 200 ? true : undefined));
    });
    after(() => {
        for (const c of children) if (c.exitCode === null) c.kill();
        if (dir) fs.rmSync(dir, { recursive: true, force: true });
        if (ctx) fs.rmSync(ctx, { recursive: true, force: true });
    });

    it("master: /health is open; operator endpoints refuse no or wrong credentials (401) and answer any principal of the credentials file", async () => {
        expect((await request(masterPort, "GET", "/health")).status).to.equal(200);
        for (const p of ["/metrics/snapshot", "/master/slaves", "/master/state", "/master/frameworks"]) {
            const anonymous = await request(masterPort, "GET", p);
            expect(anonymous.status, p).to.equal(401);
            expect(anonymous.headers["www-authenticate"]).to.equal('Basic realm="mesos-master-readonly"');
            expect((await request(masterPort, "GET", p, as("operator", "wrong-secret-0123456789"))).status, p).to.equal(401);
            expect((await request(masterPort, "GET", p, as("nobody", SECRETS.operator))).status, p).to.equal(401);
            expect((await request(masterPort, "GET", p, operator)).status, p).to.equal(200);
        }
    });

    it("master: frameworks register only authenticated and as marathon (ACL register_frameworks); only the operator tears one down", async () => {
        const register = (auth?: Auth) => request(masterPort, "POST", "/double/register-framework", auth, JSON.stringify({ name: "other" }));
        expect((await register()).status).to.equal(401);
        expect((await register(as("marathon", "wrong-secret-0123456789"))).status).to.equal(401);
        expect((await register(operator)).status, "operator may not register frameworks").to.equal(403);
        expect((await register(as("agent", SECRETS.agent))).status).to.equal(403);
        const ok = await register(as("marathon", SECRETS.framework));
        expect(ok.status).to.equal(200);
        const id = JSON.parse(ok.text).framework_id as string;
        const teardown = (auth?: Auth) => request(masterPort, "POST", "/master/teardown", auth, `frameworkId=${id}`);
        expect((await teardown()).status).to.equal(401);
        expect((await teardown(as("marathon", SECRETS.framework))).status, "marathon may not tear down").to.equal(403);
        expect((await teardown(operator)).status).to.equal(200);
    });

    it("master: agents register only authenticated and as agent (ACL register_agents)", async () => {
        const register = (auth?: Auth) =>
            request(masterPort, "POST", "/double/register", auth, JSON.stringify({ hostname: "10.9.9.9", port: 5051, attributes: {} }));
        expect((await register()).status).to.equal(401);
        expect((await register(as("agent", "wrong-secret-0123456789"))).status).to.equal(401);
        expect((await register(as("marathon", SECRETS.framework))).status).to.equal(403);
        expect((await register(as("agent", SECRETS.agent))).status).to.equal(200);
    });

    it("agent: registers with its credential; its /state refuses anyone but the operator", async () => {
        const port = await freePort();
        const env = envFile(
            r.agentEnv({
                ip: "127.0.0.1",
                port,
                zk: `${zk}/mesos`,
                attributes: "slavetype:app",
                executorRegistrationTimeout: "10mins",
                dockerSocket: "/var/run/docker.sock",
                image: "x/agent@sha256:" + "b".repeat(64),
            }),
        );
        start({
            ...env,
            MESOS_DOUBLE_MASTER_PORT: String(masterPort),
            MESOS_CREDENTIAL: file("agent-credential.json", r.agentCredential(SECRETS.agent)),
            MESOS_HTTP_CREDENTIALS: file("agent-http-credentials.json", r.agentHttpCredentials(SECRETS.operator)),
        });
        const slaves = await until("the agent registered", async () => {
            const s = JSON.parse((await request(masterPort, "GET", "/master/slaves", operator)).text).slaves as { hostname: string }[];
            return s.some((x) => x.hostname === "127.0.0.1") ? s : undefined;
        });
        expect(slaves.map((s) => s.hostname)).to.include("127.0.0.1");
        expect((await request(port, "GET", "/health")).status).to.equal(200);
        expect((await request(port, "GET", "/state")).status).to.equal(401);
        expect((await request(port, "GET", "/state", as("agent", SECRETS.agent))).status, "the agent principal is no operator").to.equal(401);
        const state = await request(port, "GET", "/state", operator);
        expect(state.status).to.equal(200);
        expect(JSON.parse(state.text).master_hostname).to.equal("127.0.0.1");
    });

    const marathon = async (secret: string) => {
        const port = await freePort();
        const env = envFile(
            r.marathonEnv({ ip: "127.0.0.1", httpPort: port, masterZk: `${zk}/mesos`, zk: `${zk}/marathon`, taskLaunchTimeoutMs: 660000, features: [] }),
        );
        const child = start({
            ...env,
            ...envFile(r.marathonCredentialsEnv("marathon", PASSWORD)),
            MESOS_DOUBLE_MASTER_PORT: String(masterPort),
            MARATHON_MESOS_AUTHENTICATION_SECRET_FILE: file(`mesos-secret-${port}`, secret),
        });
        return { child, port };
    };

    it("Marathon: registers its framework as marathon with the secret file's bytes", async () => {
        const { port } = await marathon(SECRETS.framework);
        const frameworks = await until("Marathon's framework", async () => {
            const f = JSON.parse((await request(masterPort, "GET", "/master/frameworks", operator)).text).frameworks as { name: string; principal: string }[];
            return f.some((x) => x.name === "marathon") ? f : undefined;
        });
        expect(frameworks.find((x) => x.name === "marathon")!.principal).to.equal("marathon");
        expect((await request(port, "GET", "/ping", as("marathon", PASSWORD))).status).to.equal(200);
    });

    it("Marathon: a wrong secret (even a final newline more) is refused and Marathon exits, as it aborts", async () => {
        const { child } = await marathon(`${SECRETS.framework}\n`);
        const code = await new Promise<number | null>((res) => (child.exitCode !== null ? res(child.exitCode) : child.on("exit", (c) => res(c))));
        expect(code).to.equal(1);
        expect(output.get(child)).to.contain("the Mesos master refused the framework registration").and.contain("401");
    });

    /** GET over https, trusting `ca` only (undefined: the system's CAs); the TLS error's code when it fails. */
    const httpsGet = (port: number, p: string, ca: string | undefined, auth?: Auth) =>
        new Promise<number | string>((resolve) => {
            const headers: Record<string, string> = auth
                ? { authorization: `Basic ${Buffer.from(`${auth.principal}:${auth.secret}`).toString("base64")}` }
                : {};
            const req = https.get(
                { host: "127.0.0.1", port, path: p, headers, ca: ca ? fs.readFileSync(ca) : undefined, agent: false, timeout: 5000 },
                (res) => {
                    res.resume();
                    resolve(res.statusCode ?? 0);
                },
            );
            req.on("error", (e: NodeJS.ErrnoException) => resolve(e.code ?? e.message));
        });

    it("Marathon over HTTPS: the Marathon step's keystore on --https_port, no plain HTTP (--disable_http); clients must trust the stack CA", async function () {
        if (process.getuid?.() !== 0) this.skip(); // the keystore step makes the keystore root's
        const host = new LocalHost();
        try {
            const ca = makeCa(host.root);
            const server = issue(host.root, ca);
            const credentials = file("marathon-credentials.env", r.marathonCredentialsEnv("marathon", PASSWORD, "keystore-Kq8/x+3Wm5zR7t"));
            const keystore = path.join(host.root, "keystore.p12");
            const made = host.run(
                renderScript("t", "keystore", keystoreOps({ cert: server.cert, key: server.key, ca: ca.ca, keystore, passwordEnv: credentials })),
            );
            expect(made.code, made.stderr).to.equal(0);

            const [httpPort, httpsPort] = [await freePort(), await freePort()];
            const env = envFile(
                r.marathonEnv({
                    ip: "127.0.0.1",
                    httpPort,
                    httpsPort,
                    masterZk: `${zk}/mesos`,
                    zk: `${zk}/marathon`,
                    taskLaunchTimeoutMs: 660000,
                    features: [],
                }),
            );
            expect(env).to.include({ MARATHON_HTTPS_PORT: String(httpsPort), MARATHON_SSL_KEYSTORE_PATH: r.MARATHON_KEYSTORE, MARATHON_DISABLE_HTTP: "" });
            // The password comes from the credentials env file, as Marathon reads MESOSPHERE_KEYSTORE_PASS.
            start({
                ...env,
                MARATHON_SSL_KEYSTORE_PATH: keystore,
                ...envFile(fs.readFileSync(credentials, "utf8")),
                MESOS_DOUBLE_MASTER_PORT: String(masterPort),
                MARATHON_MESOS_AUTHENTICATION_SECRET_FILE: file(`mesos-secret-https`, SECRETS.framework),
            });
            const marathon = as("marathon", PASSWORD);
            expect(await until("Marathon on https", async () => ((await httpsGet(httpsPort, "/ping", ca.ca, marathon)) === 200 ? 200 : undefined))).to.equal(
                200,
            );
            expect(await httpsGet(httpsPort, "/v2/apps", ca.ca), "basic auth still applies").to.equal(401);
            expect(await httpsGet(httpsPort, "/ping", undefined, marathon), "a client that trusts only the system's CAs").to.equal("SELF_SIGNED_CERT_IN_CHAIN");
            const other = makeCa(host.root, "other-ca");
            expect(await httpsGet(httpsPort, "/ping", other.ca, marathon), "a client that trusts another CA").to.equal("SELF_SIGNED_CERT_IN_CHAIN");
            const plain = await request(httpPort, "GET", "/ping", marathon).then(
                (x) => x.status,
                (e: NodeJS.ErrnoException) => e.code,
            );
            expect(plain, "no plain HTTP").to.equal("ECONNREFUSED");
        } finally {
            host.cleanup();
        }
    });

    it("Marathon double: --disable_http without a keystore is refused, as there would be nothing to serve", async () => {
        const env = envFile(
            r.marathonEnv({
                ip: "127.0.0.1",
                httpPort: await freePort(),
                masterZk: `${zk}/mesos`,
                zk: `${zk}/marathon`,
                taskLaunchTimeoutMs: 660000,
                features: [],
            }),
        );
        const child = start({
            ...env,
            MARATHON_DISABLE_HTTP: "",
            ...envFile(r.marathonCredentialsEnv("marathon", PASSWORD)),
            MESOS_DOUBLE_MASTER_PORT: String(masterPort),
            MARATHON_MESOS_AUTHENTICATION_SECRET_FILE: file("mesos-secret-nohttp", SECRETS.framework),
        });
        const code = await new Promise<number | null>((res) => (child.exitCode !== null ? res(child.exitCode) : child.on("exit", (c) => res(c))));
        expect(code).to.not.equal(0);
        expect(output.get(child)).to.contain("--disable_http needs HTTPS");
    });
});
