import { expect } from "chai";
import { describeFailures, expectedFailuresOnly, Lab, LabRun } from "./harness";
import { labStackExtras } from "./config";
import { EXPECTED_FAILURES, firstRun, NOT_EXERCISED_UNITS } from "./shared";
import { differences, HostSnapshot, snapshot } from "./snapshot";

// The whole program run a second time on the converged lab must be a no-op.
describe("idempotence (whole stack, second run)", () => {
    let l: Lab;
    let first: LabRun;
    let second: LabRun;
    let pre: Record<string, HostSnapshot>;
    let post: Record<string, HostSnapshot>;

    before(async () => {
        ({ lab: l, run: first } = await firstRun());
        pre = await snapshot(l);
        second = await l.runStack(l.stackConfig(labStackExtras), "second full-stack run");
        post = await snapshot(l);
    });

    it("the first run fails only at steps that need Mesos", () => {
        expectedFailuresOnly(first, EXPECTED_FAILURES);
        expect(first.steps.length, "steps run").to.be.greaterThan(10);
    });

    it("the second run reports zero changed steps and the same failures", () => {
        expect(second.changedSteps(), "changed steps").to.deep.equal([]);
        expect(second.failures.map((f) => f.resource).sort(), describeFailures(second)).to.deep.equal(first.failures.map((f) => f.resource).sort());
        // Every host step that ran the first time ran again (and reported unchanged). Local commands
        // (generated passwords and keys) keep their first result, as with Pulumi state.
        const remote = (r: LabRun) =>
            r.steps
                .filter((s) => s.host !== "localhost")
                .map((s) => s.resource)
                .sort();
        expect(remote(second)).to.deep.equal(remote(first));
    });

    it("restarts nothing: every running service keeps its main PID", () => {
        for (const host of Object.keys(pre)) expect(Object.keys(pre[host].pids), `${host} running services`).to.include("ssh.service");
        // Mesos and Marathon units restart in a loop here (their images cannot be had): not compared.
        const changed = differences(pre, post, "pids").filter((d) => !NOT_EXERCISED_UNITS.test(d.split(" ")[1]));
        expect(changed, "services whose PID changed").to.deep.equal([]);
    });

    it("leaves every file under /etc, /usr/local and /opt byte-identical (same mode and owner)", () => {
        expect(Object.keys(pre.node1.files).length).to.be.greaterThan(100);
        expect(differences(pre, post, "files"), "files that changed").to.deep.equal([]);
    });

    it("rewrites no file (modification times unchanged)", () => {
        expect(differences(pre, post, "mtimes"), "files rewritten").to.deep.equal([]);
    });
});
