import type * as pulumi from "@pulumi/pulumi";
import { DEFAULT_TIMING, MarathonAccess, Timing, deleteApp, getApp, putApp, waitForAppGone, waitForDeployment } from "./client";
import { MarathonDefinition } from "./definition";
import { diffDefinitions, fromServer, normalize } from "./normalize";
import { definitionErrors } from "./schema";
import { withMarathon } from "./tunnel";

/**
 * The MarathonApp dynamic provider. Its logic is plain functions (`createApp`, `readApp`, ...) that
 * tests call directly against the Marathon stand-in; `marathonProvider` only adapts them to
 * Pulumi's dynamic provider interface. Everything here is serialized into the resource's state by
 * Pulumi, so it stays small and requires its modules inside functions.
 */

/** The resource's inputs as the provider receives them (secrets already unwrapped by the engine). */
export interface AppInputs {
    definition: MarathonDefinition;
    marathon: MarathonAccess;
    /** Override another deployment's lock after `lockTimeoutSeconds` (Marathon's `?force=true`). */
    force?: boolean;
    deployTimeoutSeconds?: number;
    lockTimeoutSeconds?: number;
    pollMs?: number;
}

export interface AppOutputs extends AppInputs {
    appId: string;
    /** Marathon's version of the app after our deployment. */
    version: string;
    tasksRunning: number;
    tasksHealthy: number;
}

export function timingOf(i: Pick<AppInputs, "deployTimeoutSeconds" | "lockTimeoutSeconds" | "pollMs">): Timing {
    return {
        pollMs: i.pollMs ?? DEFAULT_TIMING.pollMs,
        deployTimeoutSeconds: i.deployTimeoutSeconds ?? DEFAULT_TIMING.deployTimeoutSeconds,
        lockTimeoutSeconds: i.lockTimeoutSeconds ?? DEFAULT_TIMING.lockTimeoutSeconds,
        requestTimeoutMs: DEFAULT_TIMING.requestTimeoutMs,
    };
}

/** `check`: the definition must pass Marathon's schema and carry an id; Marathon's URL must be set. */
export function checkInputs(news: Partial<AppInputs>): { property: string; reason: string }[] {
    const failures: { property: string; reason: string }[] = [];
    if (!news.definition || typeof news.definition !== "object") failures.push({ property: "definition", reason: "expected a Marathon app definition" });
    else {
        if (typeof news.definition.id !== "string" || !news.definition.id.startsWith("/")) failures.push({ property: "definition", reason: "expected an absolute app id (definition.id)" });
        if ("version" in news.definition) failures.push({ property: "definition", reason: "must not carry `version` (Marathon would roll back to it)" });
        for (const e of definitionErrors(news.definition)) failures.push({ property: "definition", reason: `Marathon schema: ${e}` });
    }
    if (!news.marathon || typeof news.marathon.url !== "string" || !/^https?:\/\//.test(news.marathon.url)) failures.push({ property: "marathon", reason: "expected marathon.url like http://10.0.15.11:8080" });
    return failures;
}

export interface AppDiff {
    changes: boolean;
    replaces: string[];
    deleteBeforeReplace: boolean;
    /** Which definition fields changed (for messages and tests). */
    changed: string[];
}

/**
 * `diff`: only real changes of the definition (after normalization), plus changes of how Marathon
 * is reached (state only: `update` then sends nothing). A new id is a new app: replaced, the old
 * one deleted first (fixed host ports and single-attach volumes cannot be held twice).
 */
export function diffInputs(olds: AppInputs, news: AppInputs): AppDiff {
    const d = diffDefinitions(olds.definition ?? {}, news.definition ?? {});
    const settings = ["marathon", "force", "deployTimeoutSeconds", "lockTimeoutSeconds", "pollMs"].filter(
        (k) => JSON.stringify((olds as any)[k]) !== JSON.stringify((news as any)[k]),
    );
    const replaces = d.replaces.length > 0 ? ["definition"] : [];
    return { changes: d.changed.length > 0 || settings.length > 0, replaces, deleteBeforeReplace: replaces.length > 0, changed: [...d.changed.map((k) => `definition.${k}`), ...settings] };
}

async function deployAndDescribe(inputs: AppInputs): Promise<AppOutputs> {
    const timing = timingOf(inputs);
    return withMarathon(inputs.marathon, async (access) => {
        const put = await putApp(access, inputs.definition, inputs.force === true, timing);
        await waitForDeployment(access, put.deploymentId, inputs.definition.id, timing);
        const app = (await getApp(access, inputs.definition.id, timing)) ?? {};
        return outputs(inputs, app.version ?? put.version, app);
    });
}

function outputs(inputs: AppInputs, version: string, app: Record<string, any>): AppOutputs {
    return { ...inputs, appId: inputs.definition.id, version, tasksRunning: app.tasksRunning ?? 0, tasksHealthy: app.tasksHealthy ?? 0 };
}

/** `create`: PUT the app (Marathon's upsert: an app left by an earlier failed run is taken over) and wait for its deployment. */
export async function createApp(inputs: AppInputs): Promise<{ id: string; outs: AppOutputs }> {
    const outs = await deployAndDescribe(inputs);
    return { id: inputs.definition.id, outs };
}

/** `update`: PUT only when the definition really changed; otherwise keep Marathon untouched. */
export async function updateApp(id: string, olds: AppOutputs, news: AppInputs): Promise<{ outs: AppOutputs }> {
    const d = diffDefinitions(olds.definition ?? {}, news.definition);
    if (d.changed.length === 0) return { outs: { ...olds, ...news, appId: id, version: olds.version, tasksRunning: olds.tasksRunning, tasksHealthy: olds.tasksHealthy } };
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
    const inputs: AppInputs = { ...pick(props), definition };
    return { id, props: outputs(inputs, app.version, app), inputs };
}

function pick(p: AppOutputs): AppInputs {
    const out: AppInputs = { definition: p.definition, marathon: p.marathon };
    for (const k of ["force", "deployTimeoutSeconds", "lockTimeoutSeconds", "pollMs"] as const) if (p[k] !== undefined) (out as any)[k] = p[k];
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
export function sameDefinition(a: Record<string, any>, b: Record<string, any>): boolean {
    return JSON.stringify(normalize(a)) === JSON.stringify(normalize(b));
}

/** The object Pulumi serializes into each MarathonApp's state. */
export const marathonProvider: pulumi.dynamic.ResourceProvider = {
    async check(_olds: any, news: any) {
        return { inputs: news, failures: checkInputs(news) };
    },
    async diff(_id: string, olds: any, news: any) {
        const d = diffInputs(olds, news);
        return { changes: d.changes, replaces: d.replaces, deleteBeforeReplace: d.deleteBeforeReplace };
    },
    async create(inputs: any) {
        return createApp(inputs);
    },
    async read(id: string, props: any) {
        return readApp(id, props) as any;
    },
    async update(id: string, olds: any, news: any) {
        return updateApp(id, olds, news);
    },
    async delete(id: string, props: any) {
        await deleteAppAndWait(id, props);
    },
};
