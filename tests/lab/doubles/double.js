// Test double of Mesos (master, agent) and Marathon for the lab, where their images cannot be had.
// NEVER shipped as a default. It runs under the very units and env files (MESOS_* / MARATHON_*) that
// real Mesos and Marathon would get; the role comes from that environment: MARATHON_MASTER ->
// Marathon, MESOS_MASTER -> agent, MESOS_ZK -> master.
// - master: the readiness steps' endpoints, and the agents that registered with it (attributes);
// - agent: registers with the master; runs tasks on its host's Docker (the CLI mounted by
//   mesos.agentDockerCli) with the flags Mesos' Docker containerizer would use (the lab's
//   containerizer stand-in, tests/lab/containerizer-standin.ts), then waits for their COMMAND health check;
// - Marathon: the v2 API with Marathon's documented semantics (tests/support/marathon-standin.ts);
//   a deployment places tasks on the master's agents by the app's constraints and launches them there.
// Both stand-ins are transpiled into the image by tests/lab/engine/doubles.ts.
// Authentication as the env files configure it (docs/mesos.md, "Authentication"), so that the lab
// exercises it: the master refuses unauthenticated or wrong principals on its endpoints but /health
// (401), agent and framework registrations without valid credentials (401), and what its ACLs deny
// (403); the agent refuses unauthenticated calls of /state; Marathon registers its framework with its
// principal and secret file and exits when the master refuses it (as Marathon aborts). HTTP basic
// auth stands in for Mesos' CRAM-MD5. The /double/* calls between the doubles stand in for Mesos'
// internal (libprocess) messages and are not authenticated, as those are not without SSL.
// Simplifications, stated: no offers or resources; a restart or upgrade stops the old tasks before
// starting the new ones; a scale keeps the running tasks; state is in memory (a restarted Marathon
// double forgets its apps, a real one keeps them in ZooKeeper).
"use strict";
const fs = require("fs");
const http = require("http");
const { execFile } = require("child_process");

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
const readBody = (req) =>
    new Promise((r) => {
        let b = "";
        req.on("data", (c) => (b += c));
        req.on("end", () => r(b));
    });
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/**
 * One HTTP call with a JSON body and answer, as `auth` ({ principal, secret }) when given; rejects on
 * a non-2xx status with the answer's text (and the status as `status`).
 */
function call(host, port, method, path, body, timeoutMs = 10_000, auth) {
    return new Promise((resolve, reject) => {
        const data = body === undefined ? undefined : JSON.stringify(body);
        const headers = { ...(data ? { "content-type": "application/json" } : {}), ...(auth ? { authorization: basic(auth) } : {}) };
        const req = http.request({ host, port, path, method, timeout: timeoutMs, headers }, (res) => {
            let text = "";
            res.on("data", (c) => (text += c));
            res.on("end", () => {
                if (res.statusCode >= 300)
                    return reject(
                        Object.assign(new Error(`${method} http://${host}:${port}${path}: ${res.statusCode} ${text.slice(0, 500)}`), {
                            status: res.statusCode,
                        }),
                    );
                try {
                    resolve(text ? JSON.parse(text) : undefined);
                } catch {
                    resolve(text);
                }
            });
        });
        req.on("error", reject);
        req.on("timeout", () => req.destroy(new Error(`${method} http://${host}:${port}${path}: no answer in ${timeoutMs} ms`)));
        req.end(data);
    });
}

// --- Authentication and authorization, as Mesos reads its flags ---------------------------------
const basic = (a) => `Basic ${Buffer.from(`${a.principal}:${a.secret}`).toString("base64")}`;
const enabled = (name) => env[name] === "true";
/** A flag's JSON: inline, or in the file it names (/path or file:///path). */
const flagJson = (v) => JSON.parse(/^(file:\/\/)?\//.test(v) ? fs.readFileSync(v.replace(/^file:\/\//, ""), "utf8") : v);
/** principal -> secret of a credentials flag ({ credentials: [{ principal, secret }] }). */
const credentials = (flag) => new Map(flag ? (flagJson(flag).credentials || []).map((c) => [c.principal, c.secret]) : []);
/** The principal a request authenticates as with `creds`, or undefined. */
function principalOf(req, creds) {
    const m = /^Basic (.+)$/.exec(req.headers.authorization || "");
    if (!m) return undefined;
    const text = Buffer.from(m[1], "base64").toString("utf8");
    const i = text.indexOf(":");
    const [principal, secret] = [text.slice(0, i), text.slice(i + 1)];
    return i > 0 && creds.get(principal) === secret ? principal : undefined;
}
const unauthorized = (res, realm) => {
    res.writeHead(401, { "WWW-Authenticate": `Basic realm="${realm}"`, "content-type": "text/plain" });
    res.end("Unauthorized\n");
};
/**
 * Mesos' ACL rule, simplified to what the stack writes: the first entry of `action` whose principals
 * match decides (its object NONE: refused, else allowed); no entry matches: `permissive`.
 */
function permitted(acls, action, principal) {
    for (const e of acls[action] || []) {
        const p = e.principals || { type: "ANY" };
        if (p.type !== "ANY" && !(p.values || []).includes(principal)) continue;
        const object = Object.entries(e).find(([k]) => k !== "principals");
        return !(object && object[1].type === "NONE");
    }
    return acls.permissive !== false;
}

/** Hosts of zk://[auth@]h1:2181,h2:2181/path. */
const zkHosts = (zk) =>
    zk
        .replace(/^zk:\/\/([^@]*@)?/, "")
        .replace(/\/.*$/, "")
        .split(",")
        .map((h) => h.split(":")[0]);

function master() {
    const agents = new Map(); // hostname -> { hostname, port, attributes, seen, principal }
    const frameworks = new Map(); // id -> { id, name, principal }
    const ip = env.MESOS_IP || "0.0.0.0";
    const port = Number(env.MESOS_PORT || 5050);
    const creds = credentials(env.MESOS_CREDENTIALS);
    const acls = env.MESOS_ACLS ? flagJson(env.MESOS_ACLS) : { permissive: true };
    const READONLY = ["/metrics/snapshot", "/master/slaves", "/slaves", "/master/state", "/state", "/master/frameworks", "/frameworks"];
    const READWRITE = ["/master/teardown", "/teardown"];
    /** A registration (agent or framework): authenticated when `flag` is on, then allowed by the ACL `action`. */
    const admit = (req, res, flag, action, what) => {
        const principal = principalOf(req, creds);
        if (enabled(flag) && !principal) {
            log(`${what} refused: not authenticated`);
            json(res, 401, { message: `${what} refused: authentication failed` });
            return undefined;
        }
        if (!permitted(acls, action, principal)) {
            log(`${what} refused: principal ${principal} not allowed to ${action}`);
            json(res, 403, { message: `${what} refused: principal ${principal} is not authorized (${action})` });
            return undefined;
        }
        return principal || "(none)";
    };
    http.createServer(async (req, res) => {
        const url = new URL(req.url, "http://x");
        if (url.pathname === "/health") return res.end();
        // Operator endpoints: any principal of the credentials file; admin ones only as the ACLs allow.
        const principal = principalOf(req, creds);
        if (READONLY.includes(url.pathname) && enabled("MESOS_AUTHENTICATE_HTTP_READONLY") && !principal) return unauthorized(res, "mesos-master-readonly");
        if (READWRITE.includes(url.pathname)) {
            if (enabled("MESOS_AUTHENTICATE_HTTP_READWRITE") && !principal) return unauthorized(res, "mesos-master-readwrite");
            if (!permitted(acls, "teardown_frameworks", principal))
                return json(res, 403, { message: `principal ${principal} is not authorized to tear down frameworks` });
            const id = new URLSearchParams(await readBody(req)).get("frameworkId");
            if (!frameworks.delete(id)) return json(res, 400, { message: `no framework ${id}` });
            log(`framework ${id} torn down by ${principal}`);
            return res.end();
        }
        if (url.pathname === "/master/frameworks" || url.pathname === "/frameworks") return json(res, 200, { frameworks: [...frameworks.values()] });
        // One master in the lab: it is the leader.
        if (url.pathname === "/metrics/snapshot") return json(res, 200, { "master/elected": 1 });
        if (url.pathname === "/master/slaves" || url.pathname === "/slaves") {
            const now = Date.now();
            const slaves = [...agents.values()].map((a) => ({
                id: a.hostname,
                hostname: a.hostname,
                port: a.port,
                attributes: a.attributes,
                active: now - a.seen < 30000,
            }));
            return json(res, 200, { slaves });
        }
        if (url.pathname === "/master/state" || url.pathname === "/state")
            return json(res, 200, { hostname: env.MESOS_HOSTNAME, leader: `master@${ip}:${port}`, slaves: [...agents.keys()] });
        if (url.pathname === "/double/register" && req.method === "POST") {
            const a = JSON.parse(await readBody(req));
            const who = admit(req, res, "MESOS_AUTHENTICATE_AGENTS", "register_agents", `agent ${a.hostname}`);
            if (!who) return;
            if (!agents.has(a.hostname)) log(`agent ${a.hostname} registered (principal ${who})`);
            agents.set(a.hostname, { ...a, principal: who, seen: Date.now() });
            return json(res, 200, { master: env.MESOS_HOSTNAME || ip });
        }
        if (url.pathname === "/double/register-framework" && req.method === "POST") {
            const f = JSON.parse(await readBody(req));
            const who = admit(req, res, "MESOS_AUTHENTICATE_FRAMEWORKS", "register_frameworks", `framework ${f.name}`);
            if (!who) return;
            const known = [...frameworks.values()].find((x) => x.name === f.name && x.principal === who);
            const id = known ? known.id : `double-framework-${frameworks.size + 1}`;
            if (!known) log(`framework ${f.name} registered (principal ${who}) as ${id}`);
            frameworks.set(id, { id, name: f.name, principal: who });
            return json(res, 200, { framework_id: id });
        }
        json(res, 404, { error: "not in the double" });
    }).listen(port, ip, () => log(`listening on ${ip}:${port}`));
}

function agent() {
    const { dockerRunArgs } = require("./standin/tests/lab/containerizer-standin.js");
    const ip = env.MESOS_IP || "0.0.0.0";
    const port = Number(env.MESOS_PORT || 5051);
    const hostname = env.MESOS_HOSTNAME || ip;
    const attributes = Object.fromEntries(
        (env.MESOS_ATTRIBUTES || "")
            .split(";")
            .filter(Boolean)
            .map((kv) => kv.split(":")),
    );
    // MESOS_DOCKER: the CLI the agent runs (mounted from the host by mesos.agentDockerCli);
    // MESOS_DOCKER_CONFIG: the registry login for pulls of the stack's images.
    const dockerBin = env.MESOS_DOCKER || "docker";
    const dockerConfig = env.MESOS_DOCKER_CONFIG ? ["--config", env.MESOS_DOCKER_CONFIG.replace(/\/[^/]*$/, "")] : [];
    const docker = (args, timeoutMs = 600_000) =>
        new Promise((resolve) =>
            execFile(dockerBin, [...dockerConfig, ...args], { timeout: timeoutMs, maxBuffer: 1 << 22 }, (err, stdout, stderr) =>
                resolve({ code: err ? (typeof err.code === "number" ? err.code : 1) : 0, stdout, stderr }),
            ),
        );
    // The master runs on one of the ZooKeeper hosts (the double does not speak ZooKeeper), on
    // MESOS_DOUBLE_MASTER_PORT (default 5050).
    const candidates = zkHosts(env.MESOS_MASTER);
    const masterPort = Number(env.MESOS_DOUBLE_MASTER_PORT || 5050);
    // Its own principal (MESOS_CREDENTIAL: { principal, secret }), for registering at the master.
    const credential = env.MESOS_CREDENTIAL ? flagJson(env.MESOS_CREDENTIAL) : undefined;
    const httpCreds = credentials(env.MESOS_HTTP_CREDENTIALS);
    let master = "";
    let refused = "";
    const register = () => {
        for (const h of candidates) {
            call(h, masterPort, "POST", "/double/register", { hostname, port, attributes }, 3000, credential).then(
                () => {
                    if (master !== h) {
                        master = h;
                        refused = "";
                        log(`registered with the master on ${h}`);
                    }
                },
                (e) => {
                    if (e.status && refused !== e.message) {
                        refused = e.message;
                        log(`the master on ${h} refused the registration: ${e.message}`);
                    }
                },
            );
        }
    };
    // Until a master accepted it, every second (a real agent's first tries back off from 1 s:
    // DEFAULT_REGISTRATION_BACKOFF_FACTOR in Mesos' src/slave/constants.hpp); then every 5 s, as a
    // re-registration that keeps it listed.
    const tick = () => {
        register();
        setTimeout(tick, master ? 5000 : 1000);
    };
    tick();

    /** Runs one task: `docker run` with the containerizer's flags, then its COMMAND health check until it passes. */
    async function launch({ task, definition }) {
        const argv = dockerRunArgs(definition, task);
        await docker(["rm", "-f", task], 60_000);
        // Pulled first, quietly: a failure then says why, not how far the pull got.
        const image = definition.container.docker.image;
        const pull = await docker(["pull", "-q", image]);
        if (pull.code !== 0) throw new Error(`docker pull ${image} on ${hostname} failed: ${(pull.stderr || pull.stdout).trim().slice(-800)}`);
        const run = await docker(argv.slice(1));
        if (run.code !== 0) throw new Error(`docker run of ${task} on ${hostname} failed: ${(run.stderr || run.stdout).trim().slice(-800)}`);
        log(`${task} started: ${argv.join(" ")}`);
        const check = (definition.healthChecks || []).find((h) => h.protocol === "COMMAND");
        const grace = 1000 * ((check && check.gracePeriodSeconds) || 60) + 60_000;
        const deadline = Date.now() + grace;
        for (;;) {
            const state = await docker(["inspect", "-f", "{{.State.Running}} {{.State.ExitCode}}", task], 30_000);
            if (state.stdout.startsWith("false")) {
                const logs = await docker(["logs", "--tail", "20", task], 30_000);
                throw new Error(`task ${task} on ${hostname} exited (${state.stdout.trim()}): ${(logs.stdout + logs.stderr).trim().slice(-500)}`);
            }
            if (!check) return { healthy: false };
            const r = await docker(["exec", task, "sh", "-c", check.command.value], 1000 * (check.timeoutSeconds || 20));
            if (r.code === 0) return { healthy: true };
            if (Date.now() > deadline)
                throw new Error(
                    `task ${task} on ${hostname} never passed its health check ${check.command.value}: ${(r.stderr || r.stdout).trim().slice(-300)}`,
                );
            await sleep(1000);
        }
    }

    http.createServer(async (req, res) => {
        const url = new URL(req.url, "http://x");
        try {
            if (url.pathname === "/health") return res.end();
            if (url.pathname === "/state" || url.pathname === "/slave(1)/state") {
                if (enabled("MESOS_AUTHENTICATE_HTTP_READONLY") && !principalOf(req, httpCreds)) return unauthorized(res, "mesos-agent-readonly");
                return json(res, 200, { hostname, master_hostname: master, attributes });
            }
            if (url.pathname === "/double/launch" && req.method === "POST") return json(res, 200, await launch(JSON.parse(await readBody(req))));
            if (url.pathname === "/double/kill" && req.method === "POST") {
                const { tasks } = JSON.parse(await readBody(req));
                if (tasks.length) await docker(["rm", "-f", ...tasks], 120_000);
                if (tasks.length) log(`killed ${tasks.join(", ")}`);
                return json(res, 200, { killed: tasks });
            }
            if (url.pathname === "/double/tasks") {
                // Every container a Marathon task runs in (the containerizer labels them marathon.app).
                const r = await docker(["ps", "--filter", "label=marathon.app", "--format", '{{.Names}} {{.Label "marathon.app"}}'], 30_000);
                return json(res, 200, {
                    tasks: r.stdout
                        .split("\n")
                        .filter(Boolean)
                        .map((l) => ({ task: l.split(" ")[0], app: l.split(" ")[1] })),
                });
            }
            json(res, 404, { error: "not in the double" });
        } catch (e) {
            log(String(e.message || e));
            json(res, 500, { message: String(e.message || e) });
        }
    }).listen(port, ip, () => log(`listening on ${ip}:${port}`));
}

function marathon() {
    const { MarathonStandin } = require("./standin/tests/support/marathon-standin.js");
    const { place, taskPrefix } = require("./standin/tests/lab/containerizer-standin.js");
    const ip = env.MARATHON_HOSTNAME || "0.0.0.0";
    const creds = env.MESOSPHERE_HTTP_CREDENTIALS || "";
    const masters = zkHosts(env.MARATHON_MASTER);
    const masterPort = Number(env.MESOS_DOUBLE_MASTER_PORT || 5050);
    // --mesos_authentication: the principal and the secret file's bytes as they are (as Mesos compares them).
    const framework =
        "MARATHON_MESOS_AUTHENTICATION" in env
            ? { principal: env.MARATHON_MESOS_AUTHENTICATION_PRINCIPAL, secret: fs.readFileSync(env.MARATHON_MESOS_AUTHENTICATION_SECRET_FILE, "utf8") }
            : undefined;
    let registered = false;

    /**
     * Registers the framework with the first master that answers, again until one does; a master
     * that refuses it (401, 403) ends the process, as the scheduler driver aborts Marathon then.
     */
    async function registerFramework() {
        for (;;) {
            for (const m of masters) {
                try {
                    const { framework_id } = await call(m, masterPort, "POST", "/double/register-framework", { name: "marathon" }, 5000, framework);
                    registered = true;
                    return log(`framework registered with the master on ${m} as ${framework_id}`);
                } catch (e) {
                    if (e.status === 401 || e.status === 403) {
                        console.error(`marathon-double: the Mesos master refused the framework registration: ${e.message}`);
                        process.exit(1);
                    }
                }
            }
            await sleep(2000);
        }
    }

    /** The active agents as the containerizer stand-in takes them, in a fixed order (by IP). */
    async function agents() {
        // /ping answers before the registration is through: a deployment right after waits for it a little.
        for (let i = 0; !registered && i < 30; i++) await sleep(1000);
        if (!registered) throw new Error("Marathon is not registered with a Mesos master (yet)");
        for (const m of masters) {
            try {
                const { slaves } = await call(m, masterPort, "GET", "/master/slaves", undefined, 10_000, framework);
                return slaves
                    .filter((s) => s.active)
                    .map((s) => ({ name: s.hostname, ip: s.hostname, port: s.port, attributes: s.attributes || {} }))
                    .sort((a, b) => a.ip.localeCompare(b.ip, "en", { numeric: true }));
            } catch {
                /* next master */
            }
        }
        throw new Error(`no Mesos master answered on ${masters.join(", ")}:${masterPort}`);
    }

    /** Where each task of each app runs (the agents' own word). */
    async function running(list) {
        const out = new Map(); // task -> agent
        await Promise.all(
            list.map(async (a) => {
                const { tasks } = await call(a.ip, a.port, "GET", "/double/tasks", undefined, 30_000);
                for (const t of tasks) out.set(t.task, { agent: a, app: t.app });
            }),
        );
        return out;
    }

    const taskJson = (appId, name, agent, definition, version, healthy) => ({
        id: `${appId.slice(1).replace(/\//g, "_")}.${name}`,
        appId,
        host: agent.ip,
        slaveId: agent.ip,
        ports: ((definition.container && definition.container.portMappings) || []).map((m) => m.hostPort).filter(Boolean),
        state: "TASK_RUNNING",
        startedAt: new Date().toISOString(),
        version,
        healthCheckResults: healthy ? [{ alive: true, consecutiveFailures: 0, taskId: name }] : [],
        // Not in Marathon: the container's name on its host (tasks are containers here).
        container: name,
    });

    // The deployment each app is on: a newer one supersedes the retries of the older.
    const generation = new Map();
    let standin;

    /**
     * Launches one task, again and again while it fails (as Marathon does, with a growing delay up to
     * MARATHON_DOUBLE_MAX_LAUNCH_DELAY seconds, default 30): each failure is the app's lastTaskFailure.
     */
    async function launchRetrying(appId, gen, a, name, next) {
        for (let attempt = 1; ; attempt++) {
            try {
                return await call(a.ip, a.port, "POST", "/double/launch", { task: name, definition: next }, 900_000);
            } catch (e) {
                if (generation.get(appId) !== gen) throw new Error(`${appId}: superseded by a newer deployment`, { cause: e });
                log(`${name} on ${a.ip}: launch ${attempt} failed, retrying: ${String(e.message).slice(-300)}`);
                standin.fail(appId, String(e.message).slice(-800), a.ip);
                await sleep(1000 * Math.min(Number(env.MARATHON_DOUBLE_MAX_LAUNCH_DELAY || 30), 2 * attempt));
                if (generation.get(appId) !== gen) throw new Error(`${appId}: superseded by a newer deployment`, { cause: e });
            }
        }
    }

    /** A deployment: stop what must go, start what is missing, each on its agent; resolves with the tasks. */
    async function deploy(appId, next, previous) {
        const gen = (generation.get(appId) || 0) + 1;
        generation.set(appId, gen);
        const list = await agents();
        const prefix = taskPrefix(appId);
        const mine = [...(await running(list)).entries()].filter(([, v]) => v.app === appId);
        const kill = async (names) => {
            const byAgent = new Map();
            for (const [n, v] of mine.filter(([n]) => names.includes(n))) byAgent.set(v.agent, [...(byAgent.get(v.agent) || []), n]);
            await Promise.all([...byAgent.entries()].map(([a, tasks]) => call(a.ip, a.port, "POST", "/double/kill", { tasks }, 180_000)));
        };
        if (!next) {
            await kill(mine.map(([n]) => n));
            return [];
        }
        const placed = place(next, list);
        const scaleOnly = previous && sameExceptInstances(previous, next);
        const keep = scaleOnly ? mine.filter(([n]) => Number(n.slice(prefix.length)) < placed.length) : [];
        await kill(mine.map(([n]) => n).filter((n) => !keep.some(([k]) => k === n)));
        const version = new Date().toISOString();
        const tasks = await Promise.all(
            placed.map(async (a, i) => {
                const name = `${prefix}${i}`;
                const kept = keep.find(([n]) => n === name);
                if (kept) return taskJson(appId, name, kept[1].agent, next, version, true);
                const r = await launchRetrying(appId, gen, a, name, next);
                return taskJson(appId, name, a, next, version, r.healthy);
            }),
        );
        log(`${appId}: ${tasks.map((t) => `${t.container}@${t.host}`).join(", ") || "no task"}`);
        return tasks;
    }

    standin = new MarathonStandin({
        username: creds ? creds.slice(0, creds.indexOf(":")) : undefined,
        password: creds ? creds.slice(creds.indexOf(":") + 1) : undefined,
        onDeploy: (appId, next, previous) =>
            deploy(appId, next, previous).catch((e) => {
                log(`deployment of ${appId} failed: ${e.message}`);
                throw e;
            }),
    });
    // HTTPS as Marathon configures it: the keystore and its password from the flags or Marathon's own
    // MESOSPHERE_KEYSTORE_* variables (PKCS12, which node reads as `pfx`), on --https_port;
    // --disable_http (a bare switch: the variable set, empty) leaves plain HTTP off.
    const listening = (url) => log(`listening on ${url}`);
    for (const server of servers(env))
        standin.start(server.port, ip, server.tls).then(listening, (e) => {
            console.error(`marathon-double: cannot listen on ${ip}:${server.port}: ${e.message}`);
            process.exit(1);
        });
    registerFramework();
}

/**
 * What Marathon listens on for these variables: [{ port, tls? }]. Like Marathon it refuses
 * --disable_http without a keystore (nothing would be served) and a keystore without its password.
 */
function servers(e) {
    const keystore = e.MARATHON_SSL_KEYSTORE_PATH || e.MESOSPHERE_KEYSTORE_PATH;
    const passphrase = e.MARATHON_SSL_KEYSTORE_PASSWORD || e.MESOSPHERE_KEYSTORE_PASS;
    const out = [];
    if (keystore) {
        if (!passphrase) throw new Error("--ssl_keystore_path needs --ssl_keystore_password (or MESOSPHERE_KEYSTORE_PASS)");
        out.push({ port: Number(e.MARATHON_HTTPS_PORT || 8443), tls: { pfx: fs.readFileSync(keystore), passphrase } });
    }
    if ("MARATHON_DISABLE_HTTP" in e) {
        if (!keystore) throw new Error("--disable_http needs HTTPS (--ssl_keystore_path)");
    } else {
        out.push({ port: Number(e.MARATHON_HTTP_PORT || 8080) });
    }
    return out;
}

function sameExceptInstances(a, b) {
    const strip = (d) => JSON.stringify({ ...d, instances: 0 });
    return strip(a) === strip(b);
}

({ master, agent, marathon })[role]();
