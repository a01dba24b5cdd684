import * as http from "http";
import * as https from "https";
import { AddressInfo } from "net";
import { definitionErrors } from "../../components/marathon/schema";

/**
 * A stand-in for Marathon's REST API (Marathon itself cannot be installed here), on 127.0.0.1 at a
 * random port. It implements the documented semantics our provider depends on:
 * - PUT /v2/apps/{id}: upsert, 200 (existed) or 201 (created) with {deploymentId, version};
 *   `partialUpdate` defaults to true (a merge); a body with `version` is a rollback; a body that
 *   fails Marathon's AppDefinition schema is rejected with 422 like Marathon's validation;
 * - one deployment per app: any change while one runs answers 409 "App is locked", unless
 *   `?force=true`; DELETE /v2/apps/{id} defaults to force=true (as Marathon >= 1.3);
 * - a definition is stored as Marathon normalizes it (AppNormalization): the legacy
 *   docker.network / docker.portMappings form moved to networks / container.portMappings, no
 *   networks = host; an app on a bridge or container network that declares no port mappings gets
 *   the default one `{containerPort: 0, name: "default"}` (bridge: hostPort 0), one on the host
 *   network that declares no port definitions gets `{port: 0, name: "default"}`; port mappings are
 *   dropped on host, port definitions elsewhere; service ports 0 are assigned (10000+, unique, kept
 *   across updates of the app);
 * - GET /v2/apps/{id} answers {app} with Marathon's defaults written out and server fields
 *   (version, versionInfo, task counts, deployments, assigned service ports);
 * - /v2/deployments (GET, DELETE ?force=true), /v2/queue, /v2/info, /ping; HTTP basic auth.
 * Deployments finish after `deployMs`, or when `onDeploy` (e.g. the lab's containerizer stand-in)
 * resolves; `stuck(appId, ...)` makes an app's deployments hang with a task failure and a queue entry.
 */

export interface StandinApp {
    definition: Record<string, any>;
    version: string;
    versions: Record<string, Record<string, any>>;
    tasksRunning: number;
    lastTaskFailure?: Record<string, unknown>;
    /** The tasks the last deployment's onDeploy reported (GET /v2/apps/{id}/tasks). */
    tasks?: Record<string, unknown>[];
}

export interface StandinDeployment {
    id: string;
    version: string;
    appId: string;
    action: "StartApplication" | "RestartApplication" | "ScaleApplication" | "StopApplication";
    cancel: () => void;
}

export interface RecordedRequest {
    method: string;
    path: string;
    query: Record<string, string>;
    body?: any;
    authorization?: string;
}

export interface StandinOptions {
    username?: string;
    password?: string;
    /** How long a deployment takes when no onDeploy hook is set. Default 30 ms. */
    deployMs?: number;
    /**
     * Carries out a deployment (start/replace tasks, or stop them when `next` is undefined); the
     * deployment finishes when it resolves (with the app's tasks, if it knows them). A rejection
     * leaves it running with a task failure.
     */
    onDeploy?: (appId: string, next: Record<string, any> | undefined, previous: Record<string, any> | undefined) => Promise<void | Record<string, unknown>[]>;
}

export class MarathonStandin {
    readonly apps = new Map<string, StandinApp>();
    readonly deployments = new Map<string, StandinDeployment>();
    readonly requests: RecordedRequest[] = [];
    readonly rollbacks: { appId: string; version: string }[] = [];
    /** One per start(): Marathon serves HTTP and HTTPS side by side unless --disable_http. */
    private servers: http.Server[] = [];
    private stuckApps = new Map<string, { message: string; reasons: string[] }>();
    private counter = 0;
    /** Service ports handed out while normalizing one definition (two of its ports never get the same one). */
    private pending = new Set<number>();
    private clock = Date.parse("2026-11-24T12:00:00.000Z");
    url = "";

    constructor(readonly options: StandinOptions = {}) {}

    /**
     * Listens on `host:port` (default: 127.0.0.1 at a random port; the lab's Marathon double gives its
     * own); over HTTPS with `tls` (a PKCS12 keystore and its password, as Marathon reads its own, or a
     * PEM certificate and key). Called twice, it serves the same state on both; `url` is the last one's.
     */
    async start(port = 0, host = "127.0.0.1", tls?: https.ServerOptions): Promise<string> {
        const handler = (req: http.IncomingMessage, res: http.ServerResponse) => this.handle(req, res);
        const server = tls ? https.createServer(tls, handler) : http.createServer(handler);
        await new Promise<void>((r) => server.listen(port, host, r));
        this.servers.push(server);
        this.url = `${tls ? "https" : "http"}://${host}:${(server.address() as AddressInfo).port}`;
        return this.url;
    }

    async stop(): Promise<void> {
        for (const d of this.deployments.values()) d.cancel();
        for (const server of this.servers) {
            const closed = new Promise<void>((r) => server.close(() => r()));
            server.closeAllConnections?.();
            await closed;
        }
        this.servers = [];
    }

    /** Deployments of this app will not finish: the task fails with `message`, offers are declined for `reasons`. */
    stuck(appId: string, message: string, reasons: string[] = ["UnfulfilledConstraint"]): void {
        this.stuckApps.set(appId, { message, reasons });
    }

    /** New deployments of the app finish again; the ones already hanging stay (as after a fixed image). */
    release(appId: string): void {
        this.stuckApps.delete(appId);
    }

    unstick(appId: string): void {
        this.stuckApps.delete(appId);
        for (const d of [...this.deployments.values()].filter((x) => x.appId === appId)) this.finish(d);
    }

    /** Requests that changed something (PUT/POST/DELETE), for assertions. */
    writes(): RecordedRequest[] {
        return this.requests.filter((r) => r.method !== "GET");
    }

    private nextVersion(): string {
        this.clock += 1000;
        return new Date(this.clock).toISOString();
    }

    private handle(req: http.IncomingMessage, res: http.ServerResponse): void {
        const chunks: Buffer[] = [];
        req.on("data", (c) => chunks.push(c));
        req.on("end", () => {
            const u = new URL(req.url ?? "/", "http://standin");
            const query = Object.fromEntries(u.searchParams.entries());
            const text = Buffer.concat(chunks).toString("utf8");
            let body: any;
            let badJson = false;
            if (text) {
                try {
                    body = JSON.parse(text);
                } catch {
                    badJson = true;
                }
            }
            const path = decodeURIComponent(u.pathname);
            this.requests.push({ method: req.method ?? "GET", path, query, body, authorization: req.headers.authorization });
            const send = (status: number, payload?: unknown, headers: Record<string, string> = {}) => {
                res.writeHead(status, { "Content-Type": "application/json", ...headers });
                res.end(payload === undefined ? "" : JSON.stringify(payload));
            };
            if (this.options.username !== undefined) {
                const expected = "Basic " + Buffer.from(`${this.options.username}:${this.options.password ?? ""}`).toString("base64");
                if (req.headers.authorization !== expected)
                    return send(401, { message: "Invalid username or password." }, { "WWW-Authenticate": 'Basic realm="Mesosphere"' });
            }
            if (badJson) return send(400, { message: "Invalid JSON" });
            try {
                this.route(req.method ?? "GET", path, query, body, send);
            } catch (e) {
                send(500, { message: String((e as Error).message) });
            }
        });
    }

    private route(
        method: string,
        path: string,
        query: Record<string, string>,
        body: any,
        send: (s: number, p?: unknown, h?: Record<string, string>) => void,
    ): void {
        if (path === "/ping") return send(200, "pong");
        if (path === "/v2/info") return send(200, { name: "marathon", version: "1.11.24-standin", elected: true, leader: this.url.replace(/^http:\/\//, "") });
        if (path === "/v2/deployments" && method === "GET")
            return send(
                200,
                [...this.deployments.values()].map((d) => this.deploymentJson(d)),
            );
        if (path.startsWith("/v2/deployments/") && method === "DELETE") {
            const d = this.deployments.get(path.slice("/v2/deployments/".length));
            if (!d) return send(404, { message: `DeploymentPlan ${path} does not exist` });
            d.cancel();
            this.deployments.delete(d.id);
            if (query.force === "true") return send(202);
            return send(200, { deploymentId: this.newId(), version: this.nextVersion() });
        }
        if (path === "/v2/queue") return send(200, { queue: this.queue() });
        if (path === "/v2/apps" && method === "GET") return send(200, { apps: [...this.apps.entries()].map(([id, a]) => this.appJson(id, a, false)) });
        if (path === "/v2/tasks" && method === "GET") return send(200, { tasks: [...this.apps.values()].flatMap((a) => a.tasks ?? []) });
        const tasksOf = /^\/v2\/apps(\/.+)\/tasks$/.exec(path);
        if (tasksOf && method === "GET" && this.apps.has(tasksOf[1])) return send(200, { tasks: this.apps.get(tasksOf[1])!.tasks ?? [] });
        if (!path.startsWith("/v2/apps/")) return send(404, { message: `no route ${method} ${path}` });
        const id = path.slice("/v2/apps".length);
        if (method === "GET") {
            const app = this.apps.get(id);
            if (!app) return send(404, { message: `App '${id}' does not exist` });
            return send(200, { app: this.appJson(id, app, query.embed === "app.lastTaskFailure") });
        }
        const locks = [...this.deployments.values()].filter((d) => d.appId === id);
        const force = method === "DELETE" ? query.force !== "false" : query.force === "true";
        if (locks.length > 0 && !force) {
            return send(409, {
                message: `App is locked by one or more deployments. Override with the option '?force=true'. View details at '/v2/deployments/<DEPLOYMENT_ID>'.`,
                deployments: locks.map((d) => ({ id: d.id })),
            });
        }
        if (method === "PUT") return this.put(id, query, body, locks, send);
        if (method === "DELETE") {
            const app = this.apps.get(id);
            if (!app) return send(404, { message: `App '${id}' does not exist` });
            for (const d of locks) this.cancelDeployment(d);
            const d = this.deploy(id, "StopApplication", undefined, app.definition);
            return send(200, { deploymentId: d.id, version: d.version }, { "Marathon-Deployment-Id": d.id });
        }
        return send(405, { message: `method ${method} not allowed` });
    }

    private put(
        id: string,
        query: Record<string, string>,
        body: any,
        locks: StandinDeployment[],
        send: (s: number, p?: unknown, h?: Record<string, string>) => void,
    ): void {
        const existing = this.apps.get(id);
        if (body && typeof body === "object" && "version" in body) {
            // Marathon: a body with `version` rolls the app back to that version; the rest is ignored.
            const old = existing?.versions[body.version];
            if (!old) return send(404, { message: `Version ${body.version} of app ${id} does not exist` });
            this.rollbacks.push({ appId: id, version: body.version });
            return this.apply(id, old, existing, locks, send);
        }
        const partial = query.partialUpdate !== "false";
        const next = partial && existing ? { ...existing.definition, ...body } : body;
        const errors = definitionErrors(next);
        if (errors.length > 0) {
            return send(422, {
                message: "Object is not valid",
                details: errors.map((e) => ({ path: e.split(":")[0], errors: [e.slice(e.indexOf(":") + 2)] })),
            });
        }
        if (next.id !== undefined && next.id !== id && `/${next.id}` !== id) {
            return send(422, {
                message: "Object is not valid",
                details: [{ path: "/id", errors: [`the id in the body (${next.id}) is not the path's id (${id})`] }],
            });
        }
        return this.apply(id, this.normalizeApp({ ...next, id }, existing), existing, locks, send);
    }

    /** Marathon's AppNormalization of a definition it accepts (the parts that concern networking and ports). */
    private normalizeApp(definition: Record<string, any>, existing: StandinApp | undefined): Record<string, any> {
        const d = JSON.parse(JSON.stringify(definition));
        this.pending = new Set();
        const docker = d.container?.docker;
        if (docker && "portMappings" in docker) {
            // migrateDockerPortMappings
            if (docker.portMappings && d.container.portMappings === undefined) d.container.portMappings = docker.portMappings;
            delete docker.portMappings;
        }
        if (docker && "network" in docker) {
            // NetworkTranslation (networks win over the legacy field), then dropDockerNetworks.
            if (!Array.isArray(d.networks) || d.networks.length === 0) {
                const legacy: Record<string, Record<string, unknown>[]> = {
                    BRIDGE: [{ mode: "container/bridge" }],
                    USER: [{ mode: "container", ...(d.ipAddress?.networkName ? { name: d.ipAddress.networkName } : {}) }],
                    HOST: [{ mode: "host" }],
                };
                if (legacy[docker.network]) d.networks = legacy[docker.network];
            }
            delete docker.network;
        }
        if (d.ipAddress && (!Array.isArray(d.networks) || d.networks.length === 0))
            d.networks = [{ mode: "container", ...(d.ipAddress.networkName ? { name: d.ipAddress.networkName } : {}) }];
        delete d.ipAddress; // translated into networks
        // Empty networks are host networking; a network's mode defaults to container.
        d.networks = (Array.isArray(d.networks) && d.networks.length > 0 ? d.networks : [{ mode: "host" }]).map((n: any) => ({ mode: "container", ...n }));
        const host = d.networks.some((n: any) => n.mode === "host");
        const bridged = d.networks.some((n: any) => n.mode === "container/bridge");
        if (!d.container && !host) d.container = { type: "MESOS" };
        const previous = existing?.definition;
        if (d.container) {
            const c = d.container;
            if (host)
                delete c.portMappings; // maybeDropPortMappings
            else if (c.portMappings === undefined) c.portMappings = [{ containerPort: 0, name: "default" }]; // applyDefaultPortMappings
            if (Array.isArray(c.portMappings)) {
                c.portMappings = c.portMappings.map((m: any, i: number) => {
                    const out = { protocol: "tcp", ...m };
                    if (bridged && out.hostPort === undefined) out.hostPort = 0; // bridge: a missing host port is 0 (assigned by Mesos)
                    out.servicePort = this.servicePort(out.servicePort, previous?.container?.portMappings?.[i]?.servicePort);
                    return out;
                });
            }
        }
        if (host) {
            // applyDefaultPortDefinitions
            const defs = d.portDefinitions ?? [{ port: 0, name: "default" }];
            d.portDefinitions = defs.map((p: any, i: number) => ({
                protocol: "tcp",
                ...p,
                port: this.servicePort(p.port, previous?.portDefinitions?.[i]?.port),
            }));
        } else delete d.portDefinitions;
        return d;
    }

    /** A service port: the one asked for, else the app's previous one, else the lowest free one from 10000. */
    private servicePort(asked: number | undefined, previous: number | undefined): number {
        if (asked) return asked;
        if (previous) return previous;
        const used = new Set<number>();
        for (const a of this.apps.values()) {
            for (const m of a.definition.container?.portMappings ?? []) used.add(m.servicePort);
            for (const p of a.definition.portDefinitions ?? []) used.add(p.port);
        }
        for (const p of this.pending) used.add(p);
        let port = 10000;
        while (used.has(port)) port++;
        this.pending.add(port);
        return port;
    }

    private apply(
        id: string,
        definition: Record<string, any>,
        existing: StandinApp | undefined,
        locks: StandinDeployment[],
        send: (s: number, p?: unknown, h?: Record<string, string>) => void,
    ): void {
        for (const d of locks) this.cancelDeployment(d);
        const action = !existing ? "StartApplication" : onlyScaled(existing.definition, definition) ? "ScaleApplication" : "RestartApplication";
        const d = this.deploy(id, action, definition, existing?.definition);
        const app: StandinApp = existing ?? { definition, version: d.version, versions: {}, tasksRunning: 0 };
        app.definition = definition;
        app.version = d.version;
        app.versions[d.version] = definition;
        this.apps.set(id, app);
        send(
            existing ? 200 : 201,
            { deploymentId: d.id, version: d.version },
            { "Marathon-Deployment-Id": d.id, ...(existing ? {} : { Location: `${this.url}/v2/apps${id}` }) },
        );
    }

    private newId(): string {
        this.counter += 1;
        return `5ed4c0c5-9ff8-4a6f-a0cd-${String(this.counter).padStart(12, "0")}`;
    }

    private deploy(
        appId: string,
        action: StandinDeployment["action"],
        next: Record<string, any> | undefined,
        previous: Record<string, any> | undefined,
    ): StandinDeployment {
        let timer: NodeJS.Timeout | undefined;
        let cancelled = false;
        const d: StandinDeployment = {
            id: this.newId(),
            version: this.nextVersion(),
            appId,
            action,
            cancel: () => {
                cancelled = true;
                if (timer) clearTimeout(timer);
            },
        };
        this.deployments.set(d.id, d);
        const stuck = this.stuckApps.get(appId);
        if (stuck && next) {
            const app = this.apps.get(appId);
            if (app) app.tasksRunning = 0;
            setImmediate(() => this.fail(appId, stuck.message));
            return d;
        }
        if (this.options.onDeploy) {
            this.options.onDeploy(appId, next, previous).then(
                (tasks) => !cancelled && this.finish(d, tasks || undefined),
                (e) => !cancelled && this.fail(appId, String((e as Error).message ?? e)),
            );
        } else {
            timer = setTimeout(() => this.finish(d), this.options.deployMs ?? 30);
        }
        return d;
    }

    /** A task of the app failed: its lastTaskFailure (the lab's Marathon double reports failed launches here). */
    fail(appId: string, message: string, host = "10.0.15.12"): void {
        const app = this.apps.get(appId);
        if (app)
            app.lastTaskFailure = {
                appId,
                host,
                message,
                state: "TASK_FAILED",
                taskId: `${appId.slice(1).replace(/\//g, "_")}.standin`,
                timestamp: new Date(this.clock).toISOString(),
                version: app.version,
            };
    }

    private finish(d: StandinDeployment, tasks?: Record<string, unknown>[]): void {
        if (!this.deployments.has(d.id)) return;
        this.deployments.delete(d.id);
        if (d.action === "StopApplication") {
            this.apps.delete(d.appId);
            return;
        }
        const app = this.apps.get(d.appId);
        if (!app) return;
        app.tasksRunning = tasks ? tasks.length : (app.definition.instances ?? 1);
        if (tasks) app.tasks = tasks;
    }

    private cancelDeployment(d: StandinDeployment): void {
        d.cancel();
        this.deployments.delete(d.id);
    }

    private deploymentJson(d: StandinDeployment): Record<string, unknown> {
        return {
            id: d.id,
            version: d.version,
            affectedApps: [d.appId],
            affectedPods: [],
            steps: [{ actions: [{ action: d.action, app: d.appId }] }],
            currentActions: [{ action: d.action, app: d.appId, readinessCheckResults: [] }],
            currentStep: 1,
            totalSteps: 1,
        };
    }

    private queue(): Record<string, unknown>[] {
        return [...this.stuckApps.entries()]
            .filter(([id]) => [...this.deployments.values()].some((d) => d.appId === id))
            .map(([id, s]) => ({
                count: this.apps.get(id)?.definition.instances ?? 1,
                delay: { timeLeftSeconds: 0, overdue: true },
                app: { id },
                processedOffersSummary: {
                    processedOffersCount: 6,
                    unusedOffersCount: 6,
                    rejectSummaryLastOffers: s.reasons.map((reason) => ({ reason, declined: 3, processed: 3 })),
                },
            }));
    }

    /** The app as Marathon answers it: every default written out, plus server fields. */
    private appJson(id: string, app: StandinApp, embedFailure: boolean): Record<string, unknown> {
        const d = JSON.parse(JSON.stringify(app.definition));
        const container = d.container ?? { type: "DOCKER", docker: {} };
        container.type ??= "DOCKER";
        container.docker = { forcePullImage: false, privileged: false, parameters: [], ...container.docker };
        container.volumes ??= [];
        // Stored normalized (normalizeApp): defaults added, service ports assigned.
        container.portMappings = (container.portMappings ?? []).map((m: any) => ({ labels: {}, ...m }));
        d.portDefinitions = (d.portDefinitions ?? []).map((p: any) => ({ labels: {}, ...p }));
        const health = (d.healthChecks ?? []).map((h: any) => ({
            gracePeriodSeconds: 300,
            intervalSeconds: 60,
            timeoutSeconds: 20,
            maxConsecutiveFailures: 3,
            delaySeconds: 15,
            ...(h.protocol === "COMMAND" ? {} : { path: "/", portIndex: 0, ipProtocol: "IPv4", ignoreHttp1xx: false }),
            ...h,
        }));
        const deploying = [...this.deployments.values()].filter((x) => x.appId === id);
        const out: Record<string, unknown> = {
            id,
            backoffFactor: 1.15,
            backoffSeconds: 1,
            cmd: null,
            args: [],
            constraints: [],
            cpus: 1,
            disk: 0,
            env: {},
            executor: "",
            fetch: [],
            gpus: 0,
            instances: 1,
            labels: {},
            maxLaunchDelaySeconds: 300,
            mem: 128,
            networks: [{ mode: "host" }],
            requirePorts: false,
            role: "*",
            secrets: {},
            killSelection: "YOUNGEST_FIRST",
            unreachableStrategy: { inactiveAfterSeconds: 0, expungeAfterSeconds: 0 },
            upgradeStrategy: { maximumOverCapacity: 1, minimumHealthCapacity: 1 },
            user: null,
            ...d,
            container,
            healthChecks: health,
            version: app.version,
            versionInfo: { lastScalingAt: app.version, lastConfigChangeAt: app.version },
            tasksStaged: 0,
            tasksRunning: app.tasksRunning,
            tasksHealthy: health.length > 0 ? app.tasksRunning : 0,
            tasksUnhealthy: 0,
            deployments: deploying.map((x) => ({ id: x.id })),
        };
        if (embedFailure && app.lastTaskFailure) out.lastTaskFailure = app.lastTaskFailure;
        return out;
    }
}

function onlyScaled(a: Record<string, any>, b: Record<string, any>): boolean {
    const { instances: _a, ...ra } = a;
    const { instances: _b, ...rb } = b;
    return JSON.stringify(ra) === JSON.stringify(rb);
}
