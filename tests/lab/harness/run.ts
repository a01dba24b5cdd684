import * as pulumi from "@pulumi/pulumi";
import { LabExecutor, LabFailure, LabStep } from "./executor";

// Internal to the SDK but exported: drains pending resource registrations (see tests/support/outputs.ts).
const settings = require("@pulumi/pulumi/runtime/settings");
const state = require("@pulumi/pulumi/runtime/state");

export interface LabRun {
    ok: boolean;
    failures: LabFailure[];
    steps: LabStep[];
    outputs: Record<string, unknown>;
    /** Every registration in the run (type and name), in the order they reached the executor. */
    registrations: { type: string; name: string }[];
    /** Whole-run wall time. */
    ms: number;
    /** Changed steps as `<resource> (<what changed>)`. */
    changedSteps(): string[];
}

/**
 * Evaluates a program under the executing mocks and waits until every registration it caused has
 * finished (or failed). Never throws for a failed resource: the run reports it.
 */
export async function runProgram(
    exec: LabExecutor,
    config: Record<string, string>,
    secretKeys: string[],
    program: () => Record<string, unknown> | void,
    label = "program",
): Promise<LabRun> {
    exec.beginRun();
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
    let outputs: Record<string, unknown> = {};
    try {
        const out = program() ?? {};
        outputs = await settleOutputs(out, errors);
        await drain();
    } catch (e) {
        errors.push(e);
        await drain();
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
        if (failures.some((f) => f.message === message)) continue;
        failures.push({ resource: label, message });
    }
    const steps = [...exec.steps];
    const run: LabRun = {
        ok: failures.length === 0,
        failures,
        steps,
        outputs,
        registrations: [...exec.registrations],
        ms,
        changedSteps: () => steps.filter((s) => s.result === "changed").map((s) => `${s.resource} (${/\((.*)\)\s*$/m.exec(s.stdout.split("\n").filter((l) => l.startsWith("STEP ")).pop() ?? "")?.[1] ?? "?"})`),
    };
    const changed = steps.filter((s) => s.result === "changed").length;
    console.log(`    [lab] ${label}: ${(ms / 1000).toFixed(1)} s, ${steps.length} steps run (${changed} changed), ${failures.length} failure(s)`);
    return run;
}

/** Resolves every stack output (a rejected output becomes an error of the run). */
async function settleOutputs(out: Record<string, unknown>, errors: unknown[]): Promise<Record<string, unknown>> {
    const entries = await Promise.all(
        Object.entries(out).map(async ([k, v]) => {
            try {
                const value = await (pulumi.output(v) as any).promise();
                return [k, value] as const;
            } catch (e) {
                errors.push(e);
                return [k, undefined] as const;
            }
        }),
    );
    return Object.fromEntries(entries);
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
