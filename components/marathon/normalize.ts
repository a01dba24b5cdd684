/**
 * What counts as a change of a Marathon app. Marathon answers a GET with fields it fills in
 * (version, task counts, deployments, assigned service ports) and with every default written out
 * (`backoffFactor: 1.15`, `disk: 0`, ...), and in its 1.5+ networking form. `normalize` maps a
 * definition (ours or Marathon's) to one canonical form so that equal apps compare equal and a diff
 * shows only what really changed. Pure.
 */

/** Filled in by Marathon; never part of what we manage. */
const SERVER_FIELDS = [
    "version",
    "versionInfo",
    "tasksStaged",
    "tasksRunning",
    "tasksHealthy",
    "tasksUnhealthy",
    "deployments",
    "tasks",
    "lastTaskFailure",
    "readinessCheckResults",
    "taskStats",
    "counts",
    "ports",
    "uris",
    "role",
];

/** Marathon's defaults (RAML app.raml, healthCheck.raml): a field at its default equals an absent one. */
const APP_DEFAULTS: Record<string, unknown> = {
    instances: 1,
    cpus: 1,
    mem: 128,
    disk: 0,
    gpus: 0,
    backoffSeconds: 1,
    backoffFactor: 1.15,
    maxLaunchDelaySeconds: 300,
    requirePorts: false,
    killSelection: "YOUNGEST_FIRST",
    executor: "",
    taskKillGracePeriodSeconds: 0,
};
const HEALTH_DEFAULTS: Record<string, unknown> = {
    gracePeriodSeconds: 300,
    intervalSeconds: 60,
    timeoutSeconds: 20,
    maxConsecutiveFailures: 3,
    delaySeconds: 15,
    ignoreHttp1xx: false,
    ipProtocol: "IPv4",
    portIndex: 0,
    path: "/",
    protocol: "HTTP",
};
const UNREACHABLE_DEFAULT = { inactiveAfterSeconds: 0, expungeAfterSeconds: 0 };

/** A JSON object of a definition (its fields are whatever the author or Marathon wrote). */
type Obj = Record<string, unknown>;

/** The canonical form: server fields gone, defaults and unset values dropped, legacy networking converted. */
export function normalize(definition: Record<string, unknown>): Record<string, unknown> {
    // Not an object (e.g. a value not known yet at preview): nothing to canonicalize.
    if (!definition || typeof definition !== "object" || Array.isArray(definition)) return definition ?? {};
    const d: Obj = JSON.parse(JSON.stringify(definition));
    for (const k of SERVER_FIELDS) delete d[k];
    for (const [k, v] of Object.entries(APP_DEFAULTS)) if (d[k] === v) delete d[k];
    if (typeof d.id === "string" && d.id && !d.id.startsWith("/")) d.id = `/${d.id}`;

    const c = isObject(d.container) ? d.container : undefined;
    if (c) {
        if (c.type === "DOCKER") delete c.type;
        const docker = isObject(c.docker) ? c.docker : {};
        // Marathon <= 1.4 form: docker.network / docker.portMappings (USER: the network named by ipAddress).
        if (docker.network && !d.networks) {
            const networkName = (d.ipAddress as Obj | undefined)?.networkName;
            const named = typeof networkName === "string" ? { name: networkName } : {};
            d.networks = [
                docker.network === "HOST" ? { mode: "host" } : docker.network === "USER" ? { mode: "container", ...named } : { mode: "container/bridge" },
            ];
        }
        delete docker.network;
        if (docker.portMappings && !c.portMappings) c.portMappings = docker.portMappings;
        delete docker.portMappings;
        if (docker.forcePullImage === false) delete docker.forcePullImage;
        if (docker.privileged === false) delete docker.privileged;
        if (Array.isArray(c.volumes)) c.volumes = c.volumes.map((v: unknown) => (isObject(v) ? { ...v, mode: v.mode ?? "RW" } : v));
    }
    // Marathon <= 1.4 form without a Docker network: ipAddress means one container network.
    const ipAddress = d.ipAddress;
    if (isObject(ipAddress) && !d.networks)
        d.networks = [{ mode: "container", ...(typeof ipAddress.networkName === "string" ? { name: ipAddress.networkName } : {}) }];
    delete d.ipAddress;
    // Networking (Marathon's AppNormalization): no networks is host networking; a network's mode defaults to container.
    const networks = d.networks === undefined || (Array.isArray(d.networks) && d.networks.length === 0) ? [{ mode: "host" }] : d.networks;
    if (Array.isArray(networks) && networks.every((n) => isObject(n) && (n.mode === undefined || typeof n.mode === "string"))) {
        const nets = (networks as Obj[]).map((n) => ({ ...n, mode: n.mode ?? "container" }));
        const host = nets.some((n) => n.mode === "host");
        const bridged = nets.some((n) => n.mode === "container/bridge");
        if (nets.length === 1 && host && Object.keys(nets[0]).length === 1) delete d.networks;
        else d.networks = nets;
        ports(d, c, host, bridged);
    }
    if (Array.isArray(d.healthChecks)) d.healthChecks = d.healthChecks.map((h: unknown) => (isObject(h) ? healthCheck(h) : h));
    const upgrade = d.upgradeStrategy;
    if (isObject(upgrade) && upgrade.minimumHealthCapacity === 1 && upgrade.maximumOverCapacity === 1) delete d.upgradeStrategy;
    if (d.unreachableStrategy === "disabled" || sameJson(d.unreachableStrategy, UNREACHABLE_DEFAULT)) delete d.unreachableStrategy;
    const out = dropUnset(d) as Obj;
    // A container Marathon made up for a container network (an empty Mesos container) is no container of ours.
    if (sameJson(out.container, { type: "MESOS" })) delete out.container;
    return out;
}

/**
 * Ports as Marathon keeps them: port mappings only on bridge/container networks, port definitions
 * only on the host network (Marathon drops the others), and the one default Marathon adds when an
 * app declares none (`{containerPort: 0, name: "default"}`, `{port: <assigned>, name: "default"}`)
 * counts as not declared. Service ports 0 ("assign one") count as absent; an assigned one is kept
 * here and matched against "assign one" by `diffDefinitions`.
 */
function ports(d: Obj, c: Obj | undefined, host: boolean, bridged: boolean): void {
    if (c) {
        if (host) delete c.portMappings;
        else if (Array.isArray(c.portMappings)) {
            const mappings = c.portMappings.map((m: unknown) => (isObject(m) ? portMapping(m, bridged) : m));
            c.portMappings = mappings;
            if (mappings.length === 1 && isDefault(without(mappings[0], "servicePort"), { containerPort: 0, name: "default" })) delete c.portMappings;
        }
    }
    if (!host) delete d.portDefinitions;
    else if (Array.isArray(d.portDefinitions)) {
        const definitions = d.portDefinitions.map((p: unknown) => (isObject(p) ? portDefinition(p) : p));
        d.portDefinitions = definitions;
        if (definitions.length === 1 && isDefault(without(definitions[0], "port"), { name: "default" })) delete d.portDefinitions;
    }
}

/** `{ ...v, [key]: undefined }` for an object; anything else is never a default port, whatever it spreads to. */
function without(v: unknown, key: string): unknown {
    return isObject(v) ? { ...v, [key]: undefined } : v;
}

/** Whether a (normalized) port is exactly `fields` with nothing else but empty labels. */
function isDefault(p: unknown, fields: Record<string, unknown>): boolean {
    if (!isObject(p)) return false;
    const { labels, ...rest } = p;
    if (labels !== undefined && !(isObject(labels) && Object.keys(labels).length === 0)) return false;
    return sameJson(dropUnset(rest), fields);
}

function portMapping(m: Obj, bridged: boolean): Obj {
    const out = { ...m };
    if (out.protocol === "tcp") delete out.protocol;
    // On a bridge a missing host port is 0 ("any"); on a container network 0 and none differ (none = no host port).
    if (bridged && out.hostPort === 0) delete out.hostPort;
    if (out.servicePort === 0) delete out.servicePort;
    return out;
}

function portDefinition(p: Obj): Obj {
    const out = { ...p };
    if (out.protocol === "tcp") delete out.protocol;
    if (out.port === 0) delete out.port;
    return out;
}

function healthCheck(h: Obj): Obj {
    const out: Obj = { ...h };
    for (const [k, v] of Object.entries(HEALTH_DEFAULTS)) if (out[k] === v) delete out[k];
    // COMMAND and TCP checks have no path; Marathon still answers one.
    if (out.protocol === "COMMAND" || /TCP$/.test(String(out.protocol ?? ""))) delete out.path;
    return out;
}

/**
 * Removes null, undefined, [] and {} (recursively): Marathon answers those for unset fields. An
 * empty string is a value (an env var or label `FOO=""`) and stays; Marathon's one "" for an unset
 * field (`executor`) is among APP_DEFAULTS.
 */
function dropUnset(v: unknown): unknown {
    if (Array.isArray(v)) return v.map(dropUnset);
    if (v && typeof v === "object") {
        const out: Obj = {};
        for (const k of Object.keys(v).sort()) {
            const x = dropUnset((v as Obj)[k]);
            if (
                x === null ||
                x === undefined ||
                (Array.isArray(x) && x.length === 0) ||
                (typeof x === "object" && !Array.isArray(x) && Object.keys(x).length === 0)
            )
                continue;
            out[k] = x;
        }
        return out;
    }
    return v;
}

function isObject(v: unknown): v is Obj {
    return !!v && typeof v === "object" && !Array.isArray(v);
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
export function diffDefinitions(before: Record<string, unknown>, after: Record<string, unknown>): DefinitionDiff {
    const a = normalize(before);
    const b = normalize(after);
    if (!isObject(a) || !isObject(b)) return { changed: sameJson(a, b) ? [] : ["definition"], replaces: [] };
    matchAssignedPorts(a, b);
    const changed: string[] = [];
    for (const k of [...new Set([...Object.keys(a), ...Object.keys(b)])].sort()) {
        if (sameJson(a[k], b[k])) continue;
        if (k === "container" && a[k] && b[k]) {
            const ac = a[k] as Obj;
            const bc = b[k] as Obj;
            for (const ck of [...new Set([...Object.keys(ac), ...Object.keys(bc)])].sort()) {
                if (sameJson(ac[ck], bc[ck])) continue;
                if (ck === "docker" && ac.docker && bc.docker) {
                    const ad = ac.docker as Obj;
                    const bd = bc.docker as Obj;
                    for (const dk of [...new Set([...Object.keys(ad), ...Object.keys(bd)])].sort()) {
                        if (!sameJson(ad[dk], bd[dk])) changed.push(`container.docker.${dk}`);
                    }
                } else changed.push(`container.${ck}`);
            }
        } else changed.push(k);
    }
    return { changed, replaces: changed.filter((k) => k === "id") };
}

/**
 * A service port Marathon assigned (one side) is the same as "assign one" (absent, the other side):
 * such a pair is dropped from both, a port fixed on both sides is compared.
 */
function matchAssignedPorts(a: Obj, b: Obj): void {
    const pairs: [unknown, unknown, string][] = [
        [(a.container as Obj | undefined)?.portMappings, (b.container as Obj | undefined)?.portMappings, "servicePort"],
        [a.portDefinitions, b.portDefinitions, "port"],
    ];
    for (const [x, y, key] of pairs) {
        if (!Array.isArray(x) || !Array.isArray(y)) continue;
        for (let i = 0; i < Math.min(x.length, y.length); i++) {
            const p: unknown = x[i];
            const q: unknown = y[i];
            if (isObject(p) && isObject(q) && (p[key] === undefined || q[key] === undefined)) {
                delete p[key];
                delete q[key];
            }
        }
    }
}

/**
 * The definition as we would have written it, from Marathon's answer (for refresh and import):
 * normalized, so that a later diff against our own definition shows only real drift.
 */
export function fromServer(app: Record<string, unknown>): Record<string, unknown> {
    return normalize(app);
}
