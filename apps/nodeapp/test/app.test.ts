import { expect } from "chai";
import * as http from "http";
import * as net from "net";
import * as path from "path";
import { spawn } from "child_process";
import { MongoStub } from "./mongo-stub";

// The app is plain JavaScript (it runs as is in its image); its dependencies are apps/nodeapp's own
// (CI: `npm ci --prefix apps/nodeapp`).
// eslint-disable-next-line @typescript-eslint/no-require-imports -- plain JavaScript without typings, typed by hand
const { createApp } = require("../src/app") as { createApp(db: unknown, log?: (l: string) => void): any };
// eslint-disable-next-line @typescript-eslint/no-require-imports -- plain JavaScript without typings, typed by hand
const { createDatabase } = require("../src/db") as { createDatabase(url: string, o?: object): any };

async function freePort(): Promise<number> {
    return new Promise((resolve) => {
        const s = net.createServer().listen(0, "127.0.0.1", () => {
            const p = (s.address() as net.AddressInfo).port;
            s.close(() => resolve(p));
        });
    });
}

/** Polls `fn` until it returns true, at most `ms`. */
async function eventually(fn: () => Promise<boolean>, ms: number): Promise<void> {
    const deadline = Date.now() + ms;
    while (!(await fn())) {
        if (Date.now() > deadline) throw new Error(`condition not met within ${ms} ms`);
        await new Promise((r) => setTimeout(r, 50));
    }
}

describe("nodeapp (Express + one pooled MongoDB client, against a MongoDB wire-protocol stub)", () => {
    let mongoPort: number;
    let stub: MongoStub;
    let db: any;
    let server: http.Server;
    let base: string;
    const log: string[] = [];

    beforeEach(async () => {
        mongoPort = await freePort();
        stub = new MongoStub(mongoPort);
        db = createDatabase(`mongodb://127.0.0.1:${mongoPort}/node?directConnection=true`, {
            serverSelectionTimeoutMS: 500,
            connectTimeoutMS: 500,
            heartbeatFrequencyMS: 500,
        });
        server = createApp(db, (l: string) => log.push(l)).listen(0, "127.0.0.1");
        await new Promise((r) => server.once("listening", r));
        base = `http://127.0.0.1:${(server.address() as net.AddressInfo).port}`;
    });
    afterEach(async () => {
        await new Promise((r) => server.close(r));
        await db.close();
        await stub.stop();
    });

    it("serves the original's pages that need no database", async () => {
        const home = await fetch(`${base}/`);
        expect(home.status).to.equal(200);
        const html = await home.text();
        expect(html).to.contain("<title>Express</title>").and.contain("<p>Welcome to Express</p>");
        expect(await (await fetch(`${base}/helloworld`)).text()).to.contain("<h1>Hello, World!</h1>");
        expect(await (await fetch(`${base}/users`)).text()).to.equal("respond with a resource");
        const form = await (await fetch(`${base}/newuser`)).text();
        expect(form).to.contain('action="/adduser"').and.contain('name="username"').and.contain('name="useremail"');
        expect((await fetch(`${base}/stylesheets/style.css`)).status).to.equal(200);
        expect((await fetch(`${base}/nope`)).status).to.equal(404);
        expect(log.some((l) => /^GET \/ 200 [\d.]+ ms/.test(l))).to.equal(true);
    });

    it("answers a clear 503 while mongo is unreachable, quickly, and recovers when it is back", async () => {
        const started = Date.now();
        const down = await fetch(`${base}/userlist`);
        expect(down.status).to.equal(503);
        expect(down.headers.get("retry-after")).to.equal("5");
        expect(await down.text()).to.contain("The user database (mongo) cannot be reached right now");
        expect(Date.now() - started).to.be.lessThan(3000);
        const add = await fetch(`${base}/adduser`, {
            method: "POST",
            body: new URLSearchParams({ username: "ann", useremail: "ann@example.org" }),
            redirect: "manual",
        });
        expect(add.status).to.equal(503);
        expect((await (await fetch(`${base}/health`)).json()) as any).to.deep.equal({ status: "ok", mongo: "down" });
        expect((await fetch(`${base}/ready`)).status).to.equal(503);

        await stub.start();
        await eventually(async () => (await fetch(`${base}/userlist`)).status === 200, 5000);
        const added = await fetch(`${base}/adduser`, {
            method: "POST",
            body: new URLSearchParams({ username: "ann <b>", useremail: "ann@example.org" }),
            redirect: "manual",
        });
        expect(added.status).to.equal(303);
        expect(added.headers.get("location")).to.equal("userlist");
        expect(stub.users).to.deep.include({ username: "ann <b>", email: "ann@example.org", _id: (stub.users[0] as any)._id });
        const list = await (await fetch(`${base}/userlist`)).text();
        expect(list).to.contain('<li><a href="mailto:ann@example.org">ann &lt;b&gt;</a></li>');
        expect((await fetch(`${base}/ready`)).status).to.equal(200);
        await eventually(async () => ((await (await fetch(`${base}/health`)).json()) as any).mongo === "up", 3000);

        // mongo dies again: 503 again, and back again after.
        await stub.stop();
        await eventually(async () => (await fetch(`${base}/userlist`)).status === 503, 5000);
        await stub.start();
        await eventually(async () => (await fetch(`${base}/userlist`)).status === 200, 5000);
    });

    it("uses one pooled client: many requests, few connections", async () => {
        await stub.start();
        await eventually(async () => (await fetch(`${base}/userlist`)).status === 200, 5000);
        const before = stub.connections;
        await Promise.all(Array.from({ length: 40 }, () => fetch(`${base}/userlist`).then((r) => r.text())));
        for (let i = 0; i < 20; i++) await (await fetch(`${base}/userlist`)).text();
        // 60 requests; the original opened at least 60 connections (and never closed them).
        expect(stub.connections - before).to.be.at.most(10);
        expect(stub.connections).to.be.at.most(13);
    });

    it("rejects an incomplete form with 400", async () => {
        const r = await fetch(`${base}/adduser`, { method: "POST", body: new URLSearchParams({ username: "x" }) });
        expect(r.status).to.equal(400);
    });

    it("health check command: exit 0 when /health answers, 1 when nothing listens", async () => {
        const script = path.join(__dirname, "../src/healthcheck.js");
        const run = (port: number) =>
            new Promise<number | null>((resolve) =>
                spawn(process.execPath, [script], { env: { ...process.env, PORT: String(port) }, stdio: "ignore" }).on("exit", resolve),
            );
        expect(await run((server.address() as net.AddressInfo).port)).to.equal(0);
        expect(await run(mongoPort)).to.equal(1);
    });
});
