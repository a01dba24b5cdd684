import { expect } from "chai";
import { describeFailures, expectedFailuresOnly, Lab, LabRun, stepsOn } from "./harness";
import { labStackExtras } from "./config";
import { EXPECTED_FAILURES, firstRun } from "./shared";

// A host that does not answer makes the run fail, naming the host and the step; back, it converges.
describe("unreachable host", () => {
    let l: Lab;
    let down: LabRun;

    before(async () => {
        ({ lab: l } = await firstRun());
        await l.stop("node3");
        try {
            down = await l.runStack(l.stackConfig(labStackExtras), "full-stack run with node3 stopped");
        } finally {
            await l.start("node3");
        }
    });

    it("the run fails with an error naming node3 and the step", () => {
        expect(down.ok).to.equal(false);
        const onNode3 = down.failures.filter((f) => / on node3: /.test(f.message));
        expect(onNode3, describeFailures(down)).to.have.length.greaterThan(0);
        console.log(`    ${onNode3.map((f) => f.message).join("\n    ")}`);
        for (const f of onNode3) {
            expect(f.message).to.match(new RegExp(`^step ${f.resource.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")} on node3: ssh failed: `));
            expect(f.message).to.match(/connect to host 10\.0\.\d+\.13 port 22|No route to host|timed out/);
        }
        expect(stepsOn(down, "node3"), "steps that ran on node3").to.deep.equal([]);
    });

    it("no other host fails except where Mesos is needed or node3 is waited for", () => {
        expectedFailuresOnly(down, new RegExp(`${EXPECTED_FAILURES.source}|node3`, "i"));
    });

    it("once node3 is back, a re-run converges", async () => {
        const run = await l.runStack(l.stackConfig(labStackExtras), "re-run with node3 back");
        expectedFailuresOnly(run, EXPECTED_FAILURES);
        expect(stepsOn(run, "node3").length, "steps on node3").to.be.greaterThan(0);
        expect(run.failures.filter((f) => / on node3: ssh failed/.test(f.message))).to.deep.equal([]);
    });
});
