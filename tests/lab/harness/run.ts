import * as pulumi from "@pulumi/pulumi";
import { LabExecutor, LabFailure, LabStep } from "./executor";

// Internal to the SDK but exported: drains pending resource registrations (see tests/support/outputs.ts).
/* eslint-disable @typescript-eslint/no-require-imports -- the SDK's internal module, used untyped (what is used here is not all in its typings) */
const settings = require("@pulumi/pulumi/runtime/settings");
const state = require("@pulumi/pulumi/runtime/state");
const runtimeResource = require("@pulumi/pulumi/runtime/resource");
/* eslint-enable @typescript-eslint/no-require-imports */

/** How long nothing may be carried out before the run counts as finished with blocked resources. */
const IDLE_MS = 3000;

export interface LabRun {
    ok: boolean;
    failures: LabFailure[];
    steps: LabStep[];
    outputs: Record<string, unknown>;
    /** Every registration carried out in the run (type and name), in order. */
    registrations: { type: string; name: string }[];
    /**
     * Resources the program created that were never carried out (they depend on a failed one), and
     * `output:<key>` for stack outputs that never resolved for the same reason.
     */
    notRun: string[];
    /** Whole-run wall time. */
    ms: number;
    /** Changed steps as `<resource> (<what changed>)`. */
    changedSteps(): string[];
}

// Every resource the program constructs, so a run can name those that never reached the executor.
let started: string[] | undefined;
if (!runtimeResource.__labTracked) {
    const register = runtimeResource.registerResource;
    runtimeResource.registerResource = function (this: unknown, res: unknown, parent: unknown, t: string, name: string, ...rest: unknown[]) {
        started?.push(name);
        return register.call(this, res, parent, t, name, ...rest);
    };
    runtimeResource.__labTracked = true;
}

/**
 * Evaluates a program under the executing mocks and waits until every registration it caused has
 * finished or failed. Never throws for a failed resource: the run reports it.
 *
 * With the engine, a failed resource ends the whole deployment. Under mocks, its direct dependents
 * fail but theirs wait forever; so the run ends when nothing has been carried out for IDLE_MS
 * while registrations are still pending, and lists what never ran.
 */
export async function runProgram(
    exec: LabExecutor,
    config: Record<string, string>,
    secretKeys: string[],
    program: () => Record<string, unknown> | void,
    label = "program",
): Promise<LabRun> {
    exec.beginRun();
    started = [];
    await pulumi.runtime.setMocks(exec, "microservice", "lab", false);
    pulumi.runtime.setAllConfig(config, secretKeys);

    // A failed registration surfaces as rejections of its own and its dependents' outputs: collect
    // them for the run instead of letting mocha treat them as crashes.
    const errors: unknown[] = [];
    const saved = process.listeners("unhandledRejection");
    process.removeAllListeners("unhandledRejection");
    const collect = (e: unknown) => errors.push(e);
    process.on("unhandledRejection", collect);

    const t0 = Date.now();
    const outputs: Record<string, unknown> = {};
    const unresolved: string[] = [];
    let stalled: boolean;
    try {
        const out = program() ?? {};
        await Promise.all(
            Object.entries(out).map(async ([k, v]) => {
                const r = await untilIdle(exec, (pulumi.output(v) as any).promise() as Promise<unknown>).catch((e) => {
                    errors.push(e);
                    return { value: undefined };
                });
                if (r === IDLE) unresolved.push(`output:${k}`);
                else outputs[k] = r.value;
            }),
        );
        stalled = (await untilIdle(exec, drain())) === IDLE;
    } catch (e) {
        errors.push(e);
        stalled = (await untilIdle(exec, drain())) === IDLE;
    } finally {
        process.removeListener("unhandledRejection", collect);
        for (const l of saved) process.on("unhandledRejection", l as (...a: any[]) => void);
    }
    const ms = Date.now() - t0;

    const failures = [...exec.failures];
    for (const e of errors) {
        const message = e instanceof Error ? e.message : String(e);
        // Dependents of a failed step reject with that step's error: it is reported once.
        if (failures.some((f) => message.includes(f.message))) continue;
        failures.push({ resource: label, message });
    }
    const carried = new Set(exec.registrations.map((r) => r.name));
    const notRun = [...new Set(started.filter((n) => !carried.has(n))), ...unresolved];
    // What never ran waits forever by design (see above), with all its promises: not the leak the
    // SDK would report (and fail the process with) at exit. `stalled` only says how the run ended.
    if (notRun.length || stalled) state.getStore().leakCandidates?.clear();
    started = undefined;
    const steps = [...exec.steps];
    const run: LabRun = {
        ok: failures.length === 0,
        failures,
        steps,
        outputs,
        registrations: [...exec.registrations],
        notRun,
        ms,
        changedSteps: () => steps.filter((s) => s.result === "changed").map((s) => `${s.resource} (${/: changed \((.*)\)\s*$/m.exec(s.stdout)?.[1] ?? "?"})`),
    };
    const changed = steps.filter((s) => s.result === "changed").length;
    console.log(
        `    [lab] ${label}: ${(ms / 1000).toFixed(1)} s, ${steps.length} steps run (${changed} changed), ${failures.length} failure(s), ${notRun.length} ` +
            `not run`,
    );
    return run;
}

const IDLE = Symbol("idle");

/** The promise's value, or IDLE once the executor has had nothing to do for IDLE_MS while it is pending. */
async function untilIdle<T>(exec: LabExecutor, p: Promise<T>): Promise<{ value: T } | typeof IDLE> {
    let settled: { value: T } | undefined;
    let failed: { error: unknown } | undefined;
    p.then(
        (value) => (settled = { value }),
        (error) => (failed = { error }),
    );
    for (;;) {
        await new Promise((r) => setTimeout(r, 100));
        if (settled) return settled;
        if (failed) throw failed.error;
        if (exec.inFlight === 0 && Date.now() - exec.lastActivity > IDLE_MS) return IDLE;
    }
}

/** Waits until no registration is pending and none was started meanwhile (an apply may start new ones). */
async function drain(): Promise<void> {
    for (;;) {
        const before = state.getStore().settings.rpcDone;
        await settings.waitForRPCs();
        await new Promise((r) => setImmediate(r));
        if (state.getStore().settings.rpcDone === before) return;
    }
}
