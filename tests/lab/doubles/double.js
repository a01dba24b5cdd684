// Test double of Mesos (master, agent) and Marathon for the lab, where their images cannot be had.
// NEVER shipped as a default: it only answers what the stack's readiness steps ask, under the very
// units and env files (MESOS_* / MARATHON_*) that real Mesos and Marathon would get. The role comes
// from that environment: MARATHON_MASTER -> Marathon, MESOS_MASTER -> agent, MESOS_ZK -> master.
"use strict";
const http = require("http");

const env = process.env;
const role = env.MARATHON_MASTER ? "marathon" : env.MESOS_MASTER ? "agent" : env.MESOS_ZK ? "master" : "";
if (!role) {
    console.error("double: no MESOS_ZK, MESOS_MASTER or MARATHON_MASTER in the environment");
    process.exit(2);
}
const log = (m) => console.log(`${role}-double: ${m}`);
const json = (res, code, body) => {
    res.writeHead(code, { "content-type": "application/json" });
    res.end(JSON.stringify(body));
};
const readBody = (req) => new Promise((r) => { let b = ""; req.on("data", (c) => (b += c)); req.on("end", () => r(b)); });

function master() {
    const agents = new Map(); // hostname -> { hostname, port, attributes, seen }
    const ip = env.MESOS_IP || "0.0.0.0";
    const port = Number(env.MESOS_PORT || 5050);
    http.createServer(async (req, res) => {
        const url = new URL(req.url, "http://x");
        if (url.pathname === "/health") return res.end();
        // One master in the lab: it is the leader.
        if (url.pathname === "/metrics/snapshot") return json(res, 200, { "master/elected": 1 });
        if (url.pathname === "/master/slaves" || url.pathname === "/slaves") {
            const now = Date.now();
            const slaves = [...agents.values()].map((a) => ({ id: a.hostname, hostname: a.hostname, port: a.port, attributes: a.attributes, active: now - a.seen < 30000 }));
            return json(res, 200, { slaves });
        }
        if (url.pathname === "/master/state" || url.pathname === "/state") return json(res, 200, { hostname: env.MESOS_HOSTNAME, leader: `master@${ip}:${port}`, slaves: [...agents.keys()] });
        if (url.pathname === "/double/register" && req.method === "POST") {
            const a = JSON.parse(await readBody(req));
            if (!agents.has(a.hostname)) log(`agent ${a.hostname} registered`);
            agents.set(a.hostname, { ...a, seen: Date.now() });
            return json(res, 200, { master: env.MESOS_HOSTNAME || ip });
        }
        json(res, 404, { error: "not in the double" });
    }).listen(port, ip, () => log(`listening on ${ip}:${port}`));
}

function agent() {
    const ip = env.MESOS_IP || "0.0.0.0";
    const port = Number(env.MESOS_PORT || 5051);
    const hostname = env.MESOS_HOSTNAME || ip;
    const attributes = Object.fromEntries((env.MESOS_ATTRIBUTES || "").split(";").filter(Boolean).map((kv) => kv.split(":")));
    // MESOS_MASTER is zk://h1:2181,h2:2181/mesos: a master runs on one of those hosts (the double does
    // not speak ZooKeeper), on MESOS_DOUBLE_MASTER_PORT (default 5050).
    const candidates = env.MESOS_MASTER.replace(/^zk:\/\/([^@]*@)?/, "").replace(/\/.*$/, "").split(",").map((h) => h.split(":")[0]);
    const masterPort = Number(env.MESOS_DOUBLE_MASTER_PORT || 5050);
    let master = "";
    const register = () => {
        for (const h of candidates) {
            const body = JSON.stringify({ hostname, port, attributes });
            const req = http.request({ host: h, port: masterPort, path: "/double/register", method: "POST", timeout: 3000, headers: { "content-type": "application/json" } }, (res) => {
                res.resume();
                if (res.statusCode === 200 && master !== h) { master = h; log(`registered with the master on ${h}`); }
            });
            req.on("error", () => {});
            req.on("timeout", () => req.destroy());
            req.end(body);
        }
    };
    register();
    setInterval(register, 5000);
    http.createServer((req, res) => {
        const url = new URL(req.url, "http://x");
        if (url.pathname === "/health") return res.end();
        if (url.pathname === "/state" || url.pathname === "/slave(1)/state") return json(res, 200, { hostname, master_hostname: master, attributes });
        json(res, 404, { error: "not in the double" });
    }).listen(port, ip, () => log(`listening on ${ip}:${port}`));
}

function marathon() {
    const port = Number(env.MARATHON_HTTP_PORT || 8080);
    const ip = env.MARATHON_HOSTNAME || "0.0.0.0";
    const expected = env.MESOSPHERE_HTTP_CREDENTIALS ? "Basic " + Buffer.from(env.MESOSPHERE_HTTP_CREDENTIALS).toString("base64") : "";
    http.createServer((req, res) => {
        if (expected && req.headers.authorization !== expected) {
            res.writeHead(401, { "www-authenticate": 'Basic realm="marathon"' });
            return res.end();
        }
        const url = new URL(req.url, "http://x");
        if (url.pathname === "/ping") return res.end("pong\n");
        if (url.pathname === "/v2/info") return json(res, 200, { name: "marathon-double", version: "double" });
        if (url.pathname === "/v2/apps" && req.method === "GET") return json(res, 200, { apps: [] });
        json(res, 404, { message: "not in the double (apps: tests/support/marathon-standin.ts)" });
    }).listen(port, ip, () => log(`listening on ${ip}:${port}`));
}

({ master, agent, marathon })[role]();
