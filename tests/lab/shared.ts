import { Lab, LabRun } from "./harness";
import { labStackExtras } from "./config";

let labP: Promise<Lab> | undefined;
let firstP: Promise<{ lab: Lab; run: LabRun }> | undefined;

/** The one lab of this mocha run (LAB_ID selects it; KEEP_LAB=1 reuses a running one). */
export function lab(): Promise<Lab> {
    labP ??= Lab.up();
    return labP;
}

/**
 * The first full-stack run on the lab (config: lab.stackConfig(labStackExtras)), done once and
 * shared by every lab test file.
 */
export function firstRun(): Promise<{ lab: Lab; run: LabRun }> {
    firstP ??= lab().then(async (l) => ({ lab: l, run: await l.runStack(l.stackConfig(labStackExtras), "first full-stack run") }));
    return firstP;
}

/** Removes the lab at the end of the run, unless KEEP_LAB=1. */
export async function releaseLab(): Promise<void> {
    if (!labP) return;
    const l = await labP.catch(() => undefined);
    labP = undefined;
    firstP = undefined;
    if (l && process.env.KEEP_LAB !== "1") await l.down();
}

/**
 * Failures the full-stack run is expected to have on this machine: Mesos (and so Marathon) cannot
 * be installed here, so its readiness steps fail; nothing else may.
 */
export const EXPECTED_FAILURES = /^mesos-[a-z0-9]+-(mesos-master|mesos-agent|marathon)-ready$/;

/** Units of what cannot run here (they restart in a loop): left out of "restarts nothing". */
export const NOT_EXERCISED_UNITS = /^(mesos-|marathon)/;
