import { Op } from "./ops";
import { q, renderMain, STEP_RUNTIMES } from "./script";

/**
 * The check-only form of a step (like pyinfra's facts): the same ops, run by `pulumi refresh`
 * (RemoteCommand's read), each reporting on stdout what differs on the host, one line
 * `DRIFT <host>/<step>: <what>` per op, and changing nothing. A host in its desired state prints
 * nothing. A step whose check found drift is then updated (its script runs again) by the next up.
 *
 * An `assert` whose check fails is reported too (the next up fails on it with its message).
 * Not checked: `waitFor` (readiness, not state), `emit` (left out), a service's restart tags (a
 * restart is a change made by a run, not a state), and packages' versions (only their presence).
 */
export function renderCheck(host: string, step: string, ops: readonly Op[]): string {
    return `${STEP_RUNTIMES.check.text}${renderMain(host, step, ops, true)}`;
}

/**
 * The check as a host runs it, with the check runtime sourced from the host (see renderStep). A host
 * without it (a library upgrade, refreshed before any up) reports drift, so the next up runs the step
 * after its ready step installed the runtime: a refresh never fails on it and never guesses "no drift".
 */
export function renderStepCheck(host: string, step: string, ops: readonly Op[]): string {
    const missing = `DRIFT ${host}/${step}: ${STEP_RUNTIMES.check.path} missing`;
    return `#!/bin/bash\nsource ${STEP_RUNTIMES.check.path} 2>/dev/null || { echo ${q(missing)}; exit 0; }\n${renderMain(host, step, ops, true)}`;
}

/** A drift line of a check's output. */
export const DRIFT_LINE = /^DRIFT (\S+): (.+)$/;
