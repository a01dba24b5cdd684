import * as http from "http";
import * as https from "https";
import * as net from "net";
import * as tls from "tls";

/**
 * A small Marathon REST client: exactly the calls MarathonApp needs, with Marathon's traps handled
 * (PUT replaces with partialUpdate=false and never carries `version`; 409 "locked by a deployment"
 * waits and retries; deployments are polled with a bound and a timeout names the failing task).
 *
 * Plain functions, no module state. The password is only ever put in the Authorization header and
 * never appears in an error message. Each request is bounded by `requestTimeoutMs` (the resource's
 * `requestTimeoutSeconds`, default 30 s).
 */
export interface MarathonAccess {
    /** e.g. https://10.0.15.11:8443 (MesosCluster with marathon.tls) or http://10.0.15.11:8080 */
    url: string;
    username?: string;
    /** Sent as HTTP basic auth. */
    password?: string;
    /** PEM of the CA of Marathon's certificate (https): trusted instead of the system's CAs. */
    caCert?: string;
    /** Reach Marathon through this SSH host (mgmt) when it sits in a private subnet. */
    jump?: JumpHost;
    /** Set by the tunnel: the Host header / TLS name Marathon expects. */
    hostHeader?: string;
}

export interface JumpHost {
    host: string;
    port?: number;
    user?: string;
    /** A Pulumi secret in the resource's inputs. */
    privateKey: string;
    /** The jump host's public key ("ssh-ed25519 AAAA..."): the tunnel pins it (required). */
    hostKey: string;
}

export interface Timing {
    /** Time between two polls. */
    pollMs: number;
    /** How long a deployment may take before we give up and report why. */
    deployTimeoutSeconds: number;
    /** How long to wait for another deployment's lock (409) before failing (or forcing, when asked). */
    lockTimeoutSeconds: number;
    /** Bound of each request (no answer within it fails the request). */
    requestTimeoutMs: number;
}

export const DEFAULT_TIMING: Timing = { pollMs: 2000, deployTimeoutSeconds: 600, lockTimeoutSeconds: 300, requestTimeoutMs: 30000 };

export interface Response {
    status: number;
    /** Parsed JSON, the text when it is not JSON, undefined when empty. */
    body: unknown;
    headers: Record<string, string | string[] | undefined>;
}

/** One HTTP call; JSON in and out. */
export function request(access: MarathonAccess, method: string, path: string, body: unknown, timeoutMs: number): Promise<Response> {
    const base = new URL(access.url);
    const target = new URL(path, base);
    const lib = target.protocol === "https:" ? https : http;
    const payload = body === undefined ? undefined : Buffer.from(JSON.stringify(body));
    const headers: Record<string, string> = { Accept: "application/json" };
    if (payload) {
        headers["Content-Type"] = "application/json";
        headers["Content-Length"] = String(payload.length);
    }
    if (access.username !== undefined && access.username !== "") {
        headers.Authorization = "Basic " + Buffer.from(`${access.username}:${access.password ?? ""}`).toString("base64");
    }
    if (access.hostHeader) headers.Host = access.hostHeader;
    const options: Record<string, unknown> = { method, headers, timeout: timeoutMs };
    if (access.caCert) options.ca = access.caCert;
    if (access.hostHeader && target.protocol === "https:") {
        // Through the tunnel the socket is 127.0.0.1's: the certificate must name Marathon's own
        // address. SNI carries a DNS name only (RFC 6066), never an IP.
        const name = access.hostHeader.replace(/^\[(.*)\](:\d+)?$/, "$1").replace(/^([^:\]]+):\d+$/, "$1");
        if (!net.isIP(name)) options.servername = name;
        options.checkServerIdentity = (_host: string, cert: tls.PeerCertificate) => tls.checkServerIdentity(name, cert);
    }
    return new Promise((resolve, reject) => {
        const req = lib.request(target, options, (res: http.IncomingMessage) => {
            const chunks: Buffer[] = [];
            res.on("data", (c: Buffer) => chunks.push(c));
            res.on("end", () => {
                const text = Buffer.concat(chunks).toString("utf8");
                let parsed: unknown = text;
                try {
                    parsed = text ? JSON.parse(text) : undefined;
                } catch {
                    /* not JSON: keep the text */
                }
                resolve({ status: res.statusCode as number, body: parsed, headers: res.headers });
            });
        });
        req.on("timeout", () => req.destroy(new Error(`no answer within ${timeoutMs} ms`)));
        req.on("error", (e: Error) => reject(new Error(`Marathon ${method} ${target.pathname} at ${base.origin}: ${e.message}`)));
        if (payload) req.write(payload);
        req.end();
    });
}

function sleep(ms: number): Promise<void> {
    return new Promise((r) => setTimeout(r, ms));
}

function appPath(id: string): string {
    return "/v2/apps" + id.split("/").map(encodeURIComponent).join("/");
}

/** An error for a status we did not expect, with Marathon's own message (never credentials). */
function failure(what: string, r: Response): Error {
    if (r.status === 401 || r.status === 403)
        return new Error(`${what}: Marathon refused the credentials (HTTP ${r.status}); check the scheduler's username and password`);
    const b: Record<string, unknown> = r.body && typeof r.body === "object" ? (r.body as Record<string, unknown>) : {};
    const details = Array.isArray(b.details)
        ? b.details.map((d: { path?: string; errors?: string[] }) => `\n  ${d.path ?? ""}: ${(d.errors ?? []).join("; ")}`).join("")
        : "";
    const msg = typeof b.message === "string" ? b.message : typeof r.body === "string" ? r.body.slice(0, 300) : "";
    return new Error(`${what}: HTTP ${r.status} ${msg}${details}`.trim());
}

/** Marathon's answer for an app: the fields read here typed, the rest as Marathon wrote it. */
export interface ServerApp extends Record<string, unknown> {
    id?: string;
    version?: string;
    instances?: number;
    tasksRunning?: number;
    tasksHealthy?: number;
    deployments?: { id?: string }[];
    lastTaskFailure?: { state?: string; host?: string; timestamp?: string; message?: string };
}

/** The app as Marathon has it (with its last task failure), or undefined when there is no such app. */
export async function getApp(access: MarathonAccess, id: string, timing: Timing = DEFAULT_TIMING): Promise<ServerApp | undefined> {
    const r = await request(access, "GET", `${appPath(id)}?embed=app.lastTaskFailure`, undefined, timing.requestTimeoutMs);
    if (r.status === 404) return undefined;
    if (r.status !== 200) throw failure(`reading app ${id}`, r);
    return (r.body as { app: ServerApp }).app;
}

export interface PutResult {
    deploymentId: string;
    version: string;
    created: boolean;
}

/**
 * Create or replace the app (`PUT ?partialUpdate=false`). A 409 (the app is locked by another
 * deployment) is retried with a growing pause until `lockTimeoutSeconds`; then it fails and says
 * which deployments hold the lock, or, with `force`, overrides them.
 */
export async function putApp(access: MarathonAccess, definition: Record<string, unknown>, force: boolean, timing: Timing = DEFAULT_TIMING): Promise<PutResult> {
    // A `version` in the body makes Marathon roll back to that version instead of applying the body.
    const { version: _ignored, ...body } = definition;
    const id = body.id as string;
    const deadline = Date.now() + timing.lockTimeoutSeconds * 1000;
    let pause = timing.pollMs;
    for (;;) {
        const forceNow = force && Date.now() >= deadline;
        const r = await request(access, "PUT", `${appPath(id)}?partialUpdate=false${forceNow ? "&force=true" : ""}`, body, timing.requestTimeoutMs);
        if (r.status === 200 || r.status === 201) {
            const done = r.body as { deploymentId: string; version: string };
            return { deploymentId: done.deploymentId, version: done.version, created: r.status === 201 };
        }
        if (r.status !== 409) throw failure(`deploying app ${id}`, r);
        if (Date.now() >= deadline && !force) {
            const locked = (r.body as { deployments?: unknown } | undefined)?.deployments;
            const held = Array.isArray(locked) ? locked.map((d: { id: string }) => d.id).join(", ") : "unknown";
            throw new Error(
                `deploying app ${id}: still locked by deployment(s) ${held} after ${timing.lockTimeoutSeconds} s. ` +
                    `See GET /v2/deployments; set force: true on this app to override a stuck deployment (it may leave old and new tasks mixed).`,
            );
        }
        await sleep(Math.min(pause, Math.max(0, deadline - Date.now()) || pause));
        pause = Math.min(pause * 2, 10 * timing.pollMs);
    }
}

/** Delete the app; resolves to the deployment id, or undefined when it was already gone. */
export async function deleteApp(access: MarathonAccess, id: string, timing: Timing = DEFAULT_TIMING): Promise<string | undefined> {
    const r = await request(access, "DELETE", appPath(id), undefined, timing.requestTimeoutMs);
    if (r.status === 404) return undefined;
    if (r.status !== 200 && r.status !== 202) throw failure(`deleting app ${id}`, r);
    return (r.body as { deploymentId?: string } | undefined)?.deploymentId;
}

/**
 * Waits until the deployment is gone from /v2/deployments. On timeout it fails with what Marathon
 * knows about why: the launch queue's reasons for declined offers and the app's last task failure.
 */
export async function waitForDeployment(access: MarathonAccess, deploymentId: string, appId: string, timing: Timing = DEFAULT_TIMING): Promise<void> {
    const deadline = Date.now() + timing.deployTimeoutSeconds * 1000;
    for (;;) {
        const r = await request(access, "GET", "/v2/deployments", undefined, timing.requestTimeoutMs);
        if (r.status !== 200) throw failure("listing deployments", r);
        if (!(r.body as { id: string }[]).some((d) => d.id === deploymentId)) return;
        if (Date.now() >= deadline) {
            const why = await diagnose(access, appId, timing);
            throw new Error(`app ${appId}: deployment ${deploymentId} did not finish within ${timing.deployTimeoutSeconds} s. ${why}`);
        }
        await sleep(timing.pollMs);
    }
}

/** Why an app's tasks do not run, in one sentence per source (best effort: never throws). */
export async function diagnose(access: MarathonAccess, appId: string, timing: Timing = DEFAULT_TIMING): Promise<string> {
    const parts: string[] = [];
    try {
        const q = await request(access, "GET", "/v2/queue", undefined, timing.requestTimeoutMs);
        const queue = q.status === 200 ? ((q.body as { queue?: QueueEntry[] } | undefined)?.queue ?? []) : [];
        const entry = queue.find((e) => e.app?.id === appId);
        if (entry) {
            const declined = (entry.processedOffersSummary?.rejectSummaryLastOffers ?? [])
                .filter((s) => s.declined > 0)
                .map((s) => `${s.reason} (${s.declined} of ${s.processed})`);
            const backedOff = entry.delay?.overdue === false ? `, backed off for ${entry.delay.timeLeftSeconds} s` : "";
            const declinedFor = declined.length ? `; offers declined for ${declined.join(", ")}` : "";
            parts.push(`Launch queue: ${entry.count} instance(s) waiting${backedOff}${declinedFor}.`);
        }
    } catch {
        /* the queue is only a hint */
    }
    try {
        const app = await getApp(access, appId, timing);
        const f = app?.lastTaskFailure;
        if (f) parts.push(`Last task failure (${f.state ?? "failed"} on ${f.host ?? "?"} at ${f.timestamp ?? "?"}): ${f.message}`);
        if (app) parts.push(`Tasks: ${app.tasksRunning ?? 0} running, ${app.tasksHealthy ?? 0} healthy of ${app.instances} wanted.`);
    } catch {
        /* idem */
    }
    return parts.length > 0 ? parts.join(" ") : "Marathon gave no reason (see the Mesos agent logs).";
}

/** The fields of a /v2/queue entry that `diagnose` reads. */
interface QueueEntry {
    app?: { id?: string };
    count?: number;
    delay?: { overdue?: boolean; timeLeftSeconds?: number };
    processedOffersSummary?: { rejectSummaryLastOffers?: { reason: string; declined: number; processed: number }[] };
}

/** Waits until GET answers 404 (Marathon removes the app when its deletion deployment is done). */
export async function waitForAppGone(access: MarathonAccess, appId: string, timing: Timing = DEFAULT_TIMING): Promise<void> {
    const deadline = Date.now() + timing.deployTimeoutSeconds * 1000;
    while ((await getApp(access, appId, timing)) !== undefined) {
        if (Date.now() >= deadline)
            throw new Error(`app ${appId}: still present ${timing.deployTimeoutSeconds} s after its deletion. ${await diagnose(access, appId, timing)}`);
        await sleep(timing.pollMs);
    }
}
