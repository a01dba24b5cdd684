import { LabRun } from "./run";

/**
 * True when every failure of the run matches `pattern` (e.g. /mesos/: the Mesos readiness steps
 * that cannot succeed on this machine). Throws with the unexpected failures listed otherwise, so a
 * test failure shows what went wrong instead of `expected false to be true`.
 */
export function expectedFailuresOnly(run: LabRun, pattern: RegExp): true {
    // Matched on the resource name only: a message that merely mentions an allowed word proves nothing.
    const unexpected = run.failures.filter((f) => !pattern.test(f.resource));
    if (unexpected.length) {
        throw new Error(`unexpected failures (allowed: ${pattern}):\n${unexpected.map((f) => `  - ${f.resource}: ${f.message}`).join("\n")}`);
    }
    return true;
}

/** The steps of a run on one host, by resource name. */
export function stepsOn(run: LabRun, host: string): LabRun["steps"] {
    return run.steps.filter((s) => s.host === host);
}

/** A readable list of a run's failures (for assertion messages). */
export function describeFailures(run: LabRun): string {
    return run.failures.map((f) => `${f.resource}: ${f.message}`).join("\n") || "(none)";
}
