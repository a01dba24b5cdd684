/**
 * What counts as a change of a Marathon app. Marathon answers a GET with fields it fills in
 * (version, task counts, deployments, assigned service ports) and with every default written out
 * (`backoffFactor: 1.15`, `disk: 0`, ...), and in its 1.5+ networking form. `normalize` maps a
 * definition (ours or Marathon's) to one canonical form so that equal apps compare equal and a diff
 * shows only what really changed. Pure; captured by the provider's closure (no module state).
 */

/** Filled in by Marathon; never part of what we manage. */
const SERVER_FIELDS = [
    "version", "versionInfo", "tasksStaged", "tasksRunning", "tasksHealthy", "tasksUnhealthy", "deployments", "tasks",
    "lastTaskFailure", "readinessCheckResults", "taskStats", "counts", "ports", "uris", "role",
];

/** Marathon's defaults (RAML app.raml, healthCheck.raml): a field at its default equals an absent one. */
const APP_DEFAULTS: Record<string, unknown> = {
    instances: 1, cpus: 1, mem: 128, disk: 0, gpus: 0, backoffSeconds: 1, backoffFactor: 1.15, maxLaunchDelaySeconds: 300,
    requirePorts: false, killSelection: "YOUNGEST_FIRST", executor: "", taskKillGracePeriodSeconds: 0,
};
const HEALTH_DEFAULTS: Record<string, unknown> = {
    gracePeriodSeconds: 300, intervalSeconds: 60, timeoutSeconds: 20, maxConsecutiveFailures: 3, delaySeconds: 15,
    ignoreHttp1xx: false, ipProtocol: "IPv4", portIndex: 0, path: "/", protocol: "HTTP",
};
const UNREACHABLE_DEFAULT = { inactiveAfterSeconds: 0, expungeAfterSeconds: 0 };

/** The canonical form: server fields gone, defaults and empty values dropped, legacy networking converted. */
export function normalize(definition: Record<string, any>): Record<string, any> {
    const d: Record<string, any> = JSON.parse(JSON.stringify(definition ?? {}));
    for (const k of SERVER_FIELDS) delete d[k];
    for (const [k, v] of Object.entries(APP_DEFAULTS)) if (d[k] === v) delete d[k];
    if (d.id && !String(d.id).startsWith("/")) d.id = `/${d.id}`;

    const c = d.container;
    if (c && typeof c === "object") {
        if (c.type === "DOCKER") delete c.type;
        const docker = c.docker ?? {};
        // Marathon <= 1.4 form: docker.network / docker.portMappings.
        if (docker.network && !d.networks) d.networks = [{ mode: docker.network === "HOST" ? "host" : docker.network === "USER" ? "container" : "container/bridge" }];
        delete docker.network;
        if (docker.portMappings && !c.portMappings) c.portMappings = docker.portMappings;
        delete docker.portMappings;
        if (docker.forcePullImage === false) delete docker.forcePullImage;
        if (docker.privileged === false) delete docker.privileged;
        if (Array.isArray(c.portMappings)) c.portMappings = c.portMappings.map(portMapping);
        if (Array.isArray(c.volumes)) c.volumes = c.volumes.map((v: any) => ({ ...v, mode: v.mode ?? "RW" }));
    }
    // Marathon's default networking is host mode.
    if (Array.isArray(d.networks) && d.networks.length === 1 && d.networks[0]?.mode === "host" && Object.keys(d.networks[0]).length === 1) delete d.networks;
    if (Array.isArray(d.healthChecks)) d.healthChecks = d.healthChecks.map(healthCheck);
    if (d.upgradeStrategy && d.upgradeStrategy.minimumHealthCapacity === 1 && d.upgradeStrategy.maximumOverCapacity === 1) delete d.upgradeStrategy;
    if (d.unreachableStrategy === "disabled" || sameJson(d.unreachableStrategy, UNREACHABLE_DEFAULT)) delete d.unreachableStrategy;
    // Host-mode apps get one port definition filled in by Marathon; it is ours only when given.
    if (Array.isArray(d.portDefinitions)) d.portDefinitions = d.portDefinitions.filter((p: any) => !(p && (p.port === 0 || p.port === undefined) && !p.name));
    return dropEmpty(d);
}

function portMapping(m: Record<string, any>): Record<string, any> {
    const out = { ...m };
    if (out.protocol === "tcp") delete out.protocol;
    if (out.hostPort === 0) delete out.hostPort;
    // Assigned by Marathon (0 = "assign one").
    delete out.servicePort;
    return out;
}

function healthCheck(h: Record<string, any>): Record<string, any> {
    const out: Record<string, any> = { ...h };
    for (const [k, v] of Object.entries(HEALTH_DEFAULTS)) if (out[k] === v) delete out[k];
    // COMMAND and TCP checks have no path; Marathon still answers one.
    if (out.protocol === "COMMAND" || /TCP$/.test(out.protocol ?? "")) delete out.path;
    return out;
}

/** Removes null, undefined, "", [] and {} (recursively): Marathon answers those for unset fields. */
function dropEmpty(v: any): any {
    if (Array.isArray(v)) return v.map(dropEmpty);
    if (v && typeof v === "object") {
        const out: Record<string, any> = {};
        for (const k of Object.keys(v).sort()) {
            const x = dropEmpty(v[k]);
            if (x === null || x === undefined || x === "" || (Array.isArray(x) && x.length === 0) || (typeof x === "object" && !Array.isArray(x) && Object.keys(x).length === 0)) continue;
            out[k] = x;
        }
        return out;
    }
    return v;
}

function sameJson(a: unknown, b: unknown): boolean {
    return JSON.stringify(a) === JSON.stringify(b);
}

export interface DefinitionDiff {
    /** Dotted paths of the fields that differ (top-level, or `container.docker.image` style one level down). */
    changed: string[];
    /** Changed fields that need a new app (the id is the app's identity in Marathon). */
    replaces: string[];
}

/** Differences between two definitions after normalization. */
export function diffDefinitions(before: Record<string, any>, after: Record<string, any>): DefinitionDiff {
    const a = normalize(before);
    const b = normalize(after);
    const changed: string[] = [];
    for (const k of [...new Set([...Object.keys(a), ...Object.keys(b)])].sort()) {
        if (sameJson(a[k], b[k])) continue;
        if (k === "container" && a[k] && b[k]) {
            for (const ck of [...new Set([...Object.keys(a[k]), ...Object.keys(b[k])])].sort()) {
                if (sameJson(a[k][ck], b[k][ck])) continue;
                if (ck === "docker" && a[k].docker && b[k].docker) {
                    for (const dk of [...new Set([...Object.keys(a[k].docker), ...Object.keys(b[k].docker)])].sort()) {
                        if (!sameJson(a[k].docker[dk], b[k].docker[dk])) changed.push(`container.docker.${dk}`);
                    }
                } else changed.push(`container.${ck}`);
            }
        } else changed.push(k);
    }
    return { changed, replaces: changed.filter((k) => k === "id") };
}

/**
 * The definition as we would have written it, from Marathon's answer (for refresh and import):
 * normalized, so that a later diff against our own definition shows only real drift.
 */
export function fromServer(app: Record<string, any>): Record<string, any> {
    return normalize(app);
}
