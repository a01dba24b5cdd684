import type * as pulumi from "@pulumi/pulumi";
import { unknownValue } from "@pulumi/pulumi/runtime/rpc";
import { DEFAULT_TIMING, MarathonAccess, ServerApp, Timing, deleteApp, getApp, putApp, waitForAppGone, waitForDeployment } from "./client";
import { MarathonDefinition } from "./definition";
import { diffDefinitions, fromServer } from "./normalize";
import { definitionErrors } from "./schema";
import { withMarathon } from "./tunnel";

/**
 * The MarathonApp dynamic provider. Its logic is plain functions (`createApp`, `readApp`, ...) that
 * tests call directly against the Marathon stand-in; `providerImpl` adapts them to Pulumi's dynamic
 * provider interface. What Pulumi serializes into each resource's state is only `marathonProvider`
 * (at the end): methods that require this module by its absolute path.
 */

/** The resource's inputs as the provider receives them (secrets already unwrapped by the engine). */
export interface AppInputs {
    /**
     * The app id (= definition.id), the resource's identity. A plain string, so it is known at
     * preview even when the definition is not. Absent in states written before it was an input.
     */
    appId?: string;
    definition: MarathonDefinition;
    marathon: MarathonAccess;
    /** Override another deployment's lock after `lockTimeoutSeconds` (Marathon's `?force=true`). */
    force?: boolean;
    deployTimeoutSeconds?: number;
    lockTimeoutSeconds?: number;
    /** Bound of each HTTP request to Marathon. Default 30. */
    requestTimeoutSeconds?: number;
    pollMs?: number;
}

export interface AppOutputs extends AppInputs {
    appId: string;
    /** Marathon's version of the app after our deployment. */
    version: string;
    tasksRunning: number;
    tasksHealthy: number;
}

/** Inputs that only say how to reach and wait for Marathon: a change is a change of state only. */
const SETTINGS = ["marathon", "force", "deployTimeoutSeconds", "lockTimeoutSeconds", "requestTimeoutSeconds", "pollMs"] as const;

export function timingOf(i: Pick<AppInputs, "deployTimeoutSeconds" | "lockTimeoutSeconds" | "requestTimeoutSeconds" | "pollMs">): Timing {
    return {
        pollMs: i.pollMs ?? DEFAULT_TIMING.pollMs,
        deployTimeoutSeconds: i.deployTimeoutSeconds ?? DEFAULT_TIMING.deployTimeoutSeconds,
        lockTimeoutSeconds: i.lockTimeoutSeconds ?? DEFAULT_TIMING.lockTimeoutSeconds,
        requestTimeoutMs: i.requestTimeoutSeconds !== undefined ? Math.round(i.requestTimeoutSeconds * 1000) : DEFAULT_TIMING.requestTimeoutMs,
    };
}

/** Whether a value is the engine's placeholder for a value not known yet (preview). */
export function isUnknown(v: unknown): boolean {
    return v === unknownValue;
}

/** JSON pointers (`/container/docker/image`) of the unknown values inside `v`. */
function unknownPaths(v: unknown, at = ""): string[] {
    if (isUnknown(v)) return [at];
    if (Array.isArray(v)) return v.flatMap((x, i) => unknownPaths(x, `${at}/${i}`));
    if (v && typeof v === "object") return Object.entries(v).flatMap(([k, x]) => unknownPaths(x, `${at}/${k.replace(/~/g, "~0").replace(/\//g, "~1")}`));
    return [];
}

/** Keywords whose verdict on an object or array depends on the values inside it. */
const COMPOSITE_KEYWORDS = new Set(["oneOf", "anyOf", "allOf", "not", "if", "then", "else", "contains", "uniqueItems", "enum", "const"]);

/** Whether a schema violation may come from an unknown value: at or inside it, or a composite verdict on something holding it. */
function dependsOnUnknown(path: string, keyword: string, unknowns: string[]): boolean {
    return unknowns.some((u) => path === u || path.startsWith(`${u}/`) || (u.startsWith(`${path}/`) && COMPOSITE_KEYWORDS.has(keyword)));
}

/**
 * `check`: the definition must pass Marathon's schema and carry an id; Marathon's URL must be set;
 * the timing inputs must be usable. At preview, parts not known yet (the engine's unknown value,
 * anywhere) are left out of the checks that depend on them; the other checks still run.
 */
export function checkInputs(news: Partial<AppInputs>): { property: string; reason: string }[] {
    const failures: { property: string; reason: string }[] = [];
    const def = news.definition as unknown;
    if (isUnknown(def)) {
        /* known at `up` */
    } else if (!def || typeof def !== "object" || Array.isArray(def)) failures.push({ property: "definition", reason: "expected a Marathon app definition" });
    else {
        const d = def as Record<string, unknown>;
        if (!isUnknown(d.id) && (typeof d.id !== "string" || !d.id.startsWith("/")))
            failures.push({ property: "definition", reason: "expected an absolute app id (definition.id)" });
        if ("version" in d) failures.push({ property: "definition", reason: "must not carry `version` (Marathon would roll back to it)" });
        const unknowns = unknownPaths(d);
        for (const e of definitionErrors(d, { skip: (path, keyword) => dependsOnUnknown(path, keyword, unknowns) }))
            failures.push({ property: "definition", reason: `Marathon schema: ${e}` });
        if (typeof news.appId === "string" && !isUnknown(news.appId) && typeof d.id === "string" && !isUnknown(d.id) && news.appId !== d.id) {
            failures.push({ property: "appId", reason: `expected the definition's id ${d.id}, got ${news.appId}` });
        }
    }
    const m = news.marathon as unknown;
    if (!isUnknown(m)) {
        const url = m && typeof m === "object" ? (m as Record<string, unknown>).url : undefined;
        if (!isUnknown(url) && (typeof url !== "string" || !/^https?:\/\//.test(url)))
            failures.push({ property: "marathon", reason: "expected marathon.url like http://10.0.15.11:8080" });
    }
    const bounds: [keyof AppInputs, number, string][] = [
        ["deployTimeoutSeconds", 0, "a positive number of seconds"],
        ["lockTimeoutSeconds", -1, "a number of seconds, 0 or more"],
        ["requestTimeoutSeconds", 0, "a positive number of seconds"],
        ["pollMs", 0, "a positive number of milliseconds"],
    ];
    for (const [k, above, what] of bounds) {
        const v = news[k] as unknown;
        if (v === undefined || v === null || isUnknown(v)) continue;
        if (typeof v !== "number" || !Number.isFinite(v) || v <= above) failures.push({ property: k, reason: `expected ${what}, got ${JSON.stringify(v)}` });
    }
    if (news.force !== undefined && news.force !== null && !isUnknown(news.force) && typeof news.force !== "boolean")
        failures.push({ property: "force", reason: "expected true or false" });
    return failures;
}

export interface AppDiff {
    changes: boolean;
    replaces: string[];
    deleteBeforeReplace: boolean;
    /** Which definition fields changed (for messages and tests). */
    changed: string[];
}

function knownId(v: unknown): string | undefined {
    if (typeof v !== "string" || isUnknown(v)) return undefined;
    return v.startsWith("/") ? v : `/${v}`;
}

/**
 * `diff`: only real changes of the definition (after normalization), plus changes of how Marathon
 * is reached (state only: `update` then sends nothing). A new id is a new app: replaced, the old
 * one deleted first (fixed host ports and single-attach volumes cannot be held twice); only when
 * the new id is known, though: at preview a value not known yet is a change, never a replacement.
 */
export function diffInputs(olds: AppInputs, news: AppInputs): AppDiff {
    const oldId = knownId(olds.appId) ?? knownId(olds.definition?.id);
    const newIds: [string, string | undefined][] = [
        ["appId", knownId(news.appId)],
        ["definition", news.definition && typeof news.definition === "object" ? knownId(news.definition.id) : undefined],
    ];
    const replaces = oldId === undefined ? [] : newIds.filter(([, id]) => id !== undefined && id !== oldId).map(([k]) => k);

    let changed: string[];
    if (isUnknown(news.definition)) changed = ["definition"];
    else {
        changed = diffDefinitions(olds.definition ?? {}, news.definition ?? {}).changed.map((k) => `definition.${k}`);
        if (changed.length === 0 && unknownPaths(news.definition).length > 0) changed = ["definition"];
    }
    if (replaces.includes("appId")) changed.push("appId");
    const settings = SETTINGS.filter((k) => JSON.stringify(olds[k]) !== JSON.stringify(news[k]));
    return { changes: changed.length > 0 || settings.length > 0, replaces, deleteBeforeReplace: replaces.length > 0, changed: [...changed, ...settings] };
}

/** The error for a failure after Marathon accepted the app: the dynamic provider's partial-failure form. */
export interface PartialFailure extends Error {
    /** The resource's id: with it the engine records the resource (with these properties) instead of forgetting it. */
    id: string;
    properties: AppOutputs;
    /** The engine's "initialization errors" of the resource. */
    reasons: string[];
}

/**
 * The error Pulumi's dynamic provider host turns into ErrorResourceInitFailed (grpcResponseFromError
 * in @pulumi/pulumi/cmd/dynamic-provider: an error with `id`, `properties` and `reasons`): the
 * engine records the resource as created (or updated) with these outputs and its init errors, so
 * `pulumi destroy` deletes the app and the next `up` updates it (and waits for it again).
 */
function partialFailure(e: unknown, id: string, properties: AppOutputs): PartialFailure {
    const message = e instanceof Error ? e.message : String(e);
    const err = new Error(message) as PartialFailure;
    if (e instanceof Error && e.stack) err.stack = e.stack;
    err.id = id;
    err.properties = properties;
    err.reasons = [message];
    return err;
}

/**
 * PUT the app and wait for its deployment. A failure before Marathon accepted it is a plain error
 * (nothing changed); after that, the partial-failure form with the app's outputs.
 */
async function deployAndDescribe(inputs: AppInputs): Promise<AppOutputs> {
    const timing = timingOf(inputs);
    const id = inputs.definition.id;
    return withMarathon(inputs.marathon, async (access) => {
        const put = await putApp(access, inputs.definition, inputs.force === true, timing);
        try {
            await waitForDeployment(access, put.deploymentId, id, timing);
            const app = (await getApp(access, id, timing)) ?? {};
            return outputs(inputs, app.version ?? put.version, app);
        } catch (e) {
            const app = await getApp(access, id, timing).catch(() => undefined);
            throw partialFailure(e, id, outputs(inputs, app?.version ?? put.version, app ?? {}));
        }
    });
}

/**
 * The app as it is, when its definition needs no PUT: waits for the deployments Marathon still
 * runs for it (the next `up` after a partial failure), and puts the app back when it is gone.
 */
async function awaitCurrent(id: string, inputs: AppInputs): Promise<AppOutputs> {
    const timing = timingOf(inputs);
    const current = await withMarathon(inputs.marathon, async (access) => {
        const app = await getApp(access, id, timing);
        if (!app) return undefined;
        try {
            for (const d of app.deployments ?? []) if (d?.id) await waitForDeployment(access, d.id, id, timing);
            const now = (await getApp(access, id, timing)) ?? app;
            return outputs({ ...inputs, appId: id }, now.version, now);
        } catch (e) {
            throw partialFailure(e, id, outputs({ ...inputs, appId: id }, app.version, app));
        }
    });
    return current ?? deployAndDescribe(inputs);
}

function outputs(inputs: AppInputs, version: string | undefined, app: ServerApp): AppOutputs {
    const out: Omit<AppOutputs, "version"> & { version?: string } = {
        ...inputs,
        appId: inputs.definition.id,
        version,
        tasksRunning: app.tasksRunning ?? 0,
        tasksHealthy: app.tasksHealthy ?? 0,
    };
    // The engine cannot store undefined (a Struct has no such value).
    if (out.version === undefined) delete out.version;
    return out as AppOutputs;
}

/** `create`: PUT the app (Marathon's upsert: an app left by an earlier failed run is taken over) and wait for its deployment. */
export async function createApp(inputs: AppInputs): Promise<{ id: string; outs: AppOutputs }> {
    const outs = await deployAndDescribe(inputs);
    return { id: inputs.definition.id, outs };
}

/**
 * `update`: PUT only when the definition really changed; otherwise keep Marathon's app as it is
 * (a change of settings, or the engine's update after a partial failure: then wait for the
 * deployment Marathon still runs).
 */
export async function updateApp(id: string, olds: AppOutputs, news: AppInputs): Promise<{ outs: AppOutputs }> {
    const d = diffDefinitions(olds.definition ?? {}, news.definition);
    if (d.changed.length === 0) return { outs: await awaitCurrent(id, news) };
    return { outs: await deployAndDescribe(news) };
}

/**
 * `read` (refresh, import): the app as Marathon has it, normalized, as both state and inputs, so a
 * later diff against the program shows only real drift. An app that is gone reads as deleted.
 */
export async function readApp(id: string, props: AppOutputs): Promise<{ id: string; props: Partial<AppOutputs>; inputs?: Partial<AppInputs> }> {
    if (!props?.marathon) throw new Error(`MarathonApp ${id}: reading needs the resource's marathon input (use the resource option \`import\` in the program)`);
    const timing = timingOf(props);
    const app = await withMarathon(props.marathon, (access) => getApp(access, id, timing));
    if (!app) return { id: "", props: {} };
    const definition = { ...fromServer(app), id: app.id ?? id } as MarathonDefinition;
    const inputs: AppInputs = { ...pick(props), appId: definition.id, definition };
    return { id, props: outputs(inputs, app.version, app), inputs };
}

function pick(p: AppOutputs): AppInputs {
    const out: AppInputs = { definition: p.definition, marathon: p.marathon };
    for (const k of ["force", "deployTimeoutSeconds", "lockTimeoutSeconds", "requestTimeoutSeconds", "pollMs"] as const)
        if (p[k] !== undefined) Object.assign(out, { [k]: p[k] });
    return out;
}

/** `delete`: DELETE the app and wait until its tasks are stopped and Marathon no longer knows it. */
export async function deleteAppAndWait(id: string, props: AppOutputs): Promise<void> {
    const timing = timingOf(props);
    await withMarathon(props.marathon, async (access) => {
        const deploymentId = await deleteApp(access, id, timing);
        if (deploymentId) await waitForDeployment(access, deploymentId, id, timing);
        await waitForAppGone(access, id, timing);
    });
}

/** Whether two definitions are the same app after normalization (used by tests and the lab). */
export function sameDefinition(a: Record<string, unknown>, b: Record<string, unknown>): boolean {
    return diffDefinitions(a, b).changed.length === 0;
}

/** The dynamic provider's methods, as the serialized `marathonProvider` calls them (the engine hands over our own inputs and outputs). */
export const providerImpl = {
    async check(_olds: AppInputs, news: Partial<AppInputs>) {
        return { inputs: news, failures: checkInputs(news) };
    },
    async diff(_id: string, olds: AppOutputs, news: AppInputs) {
        const d = diffInputs(olds, news);
        return { changes: d.changes, replaces: d.replaces, deleteBeforeReplace: d.deleteBeforeReplace };
    },
    async create(inputs: AppInputs) {
        return createApp(inputs);
    },
    async read(id: string, props: AppOutputs) {
        return readApp(id, props);
    },
    async update(id: string, olds: AppOutputs, news: AppInputs) {
        return updateApp(id, olds, news);
    },
    async delete(id: string, props: AppOutputs) {
        await deleteAppAndWait(id, props);
    },
};

/*
 * What Pulumi serializes into each MarathonApp's state is `marathonProvider`. It captures one
 * string, this module's absolute path, and no code of ours: the dynamic provider host
 * (@pulumi/pulumi/cmd/dynamic-provider) deserializes it and calls its `configure` once, before any
 * other method; `configure` requires this module by that path (registering ts-node, transpile only,
 * first when the path is TypeScript and no TypeScript loader is registered: the host is plain Node)
 * and installs `providerImpl`'s methods on it. The state thus refers to this checkout (or installed
 * package) by path instead of carrying a copy of the code (~0.8 KB instead of ~43 KB).
 *
 * (Six one-line methods requiring the module would be as small in code, but the serializer wraps
 * every function in ~175 characters of its own: 2 KB and more with the paths.)
 */
const IMPL: string = __filename;

// `configure` runs in the provider host on the deserialized copy, which captures nothing but IMPL: it requires by path.
/* eslint-disable @typescript-eslint/no-require-imports -- (comments stay outside: the function's text is serialized) */
/**
 * The object Pulumi serializes into each MarathonApp's state. Its CRUD methods appear once the
 * dynamic provider host has called `configure` on the deserialized copy (never call it on this
 * object: the methods would then be serialized too); code in this process calls `providerImpl` or
 * the functions above.
 */
export const marathonProvider: pulumi.dynamic.ResourceProvider = {
    async configure(this: Record<string, unknown>) {
        if (IMPL.endsWith(".ts") && !require.extensions[".ts"]) {
            const dir = require("path").dirname(IMPL);
            require(require.resolve("ts-node", { paths: [dir] })).register({ transpileOnly: true, projectSearchDir: dir });
        }
        Object.assign(this, require(IMPL).providerImpl);
    },
} as unknown as pulumi.dynamic.ResourceProvider; // create, read, ... are installed by configure
/* eslint-enable @typescript-eslint/no-require-imports */
