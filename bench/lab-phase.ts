// One phase of the lab bench, run as its own process so that its whole wall time (Node start,
// TypeScript load, lab, run) is what bench/lab-bringup.ts measures.
//   cold:  create the lab from nothing and run the whole stack once
//   noop:  reuse the running lab (KEEP_LAB=1) and run the whole stack again
// Prints one JSON line: { ok, failures, steps, changed }.
import { Lab } from "../tests/lab/harness";
import { labStackExtras } from "../tests/lab/config";

async function main(): Promise<void> {
    const phase = process.argv[2];
    if (phase !== "cold" && phase !== "noop") throw new Error(`usage: lab-phase.ts cold|noop (got ${phase})`);
    const lab = await Lab.up();
    const run = await lab.runStack(lab.stackConfig(labStackExtras), `bench ${phase} run`);
    console.log(
        JSON.stringify({
            ok: run.ok,
            failures: run.failures.map((f) => f.resource),
            steps: run.steps.length,
            changed: run.changedSteps().length,
        }),
    );
}

main().then(
    () => process.exit(0),
    (e) => {
        console.error(e instanceof Error ? e.stack : e);
        process.exit(1);
    },
);
