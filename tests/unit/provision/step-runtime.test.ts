import { expect } from "chai";
import { file, renderScript, service, STEP_RESULT } from "../../../components/provision";
import { renderStepCheck } from "../../../components/provision/check";
import { renderMain, renderStep, STEP_RUNTIMES } from "../../../components/provision/script";
import { runtimeInstallScript } from "../../../components/hosts/ready";
import { LocalHost } from "./run-local";

// Issue 14.5: a step's text (its trigger's hash) is its ops; the runtime is a shipped file that each
// host's ready step installs, so a runtime change re-runs no step.
describe("provision: the step runtime installed on the host, sourced by every step", () => {
    let host: LocalHost;
    beforeEach(() => (host = new LocalHost()));
    afterEach(() => host.cleanup());

    const ops = [file("/etc/demo.d/app.conf", "port = 1\n", { tag: "conf" })];
    /** A host script with its `source` pointing into the fake host's root. */
    const onHost = (script: string) =>
        host.rooted(
            script
                .split(STEP_RUNTIMES.run.path)
                .join(host.p(STEP_RUNTIMES.run.path.slice(1)))
                .split(STEP_RUNTIMES.check.path)
                .join(host.p(STEP_RUNTIMES.check.path.slice(1))),
        );

    it("renders a step as its ops alone: the runtime's text is not in it", () => {
        const step = renderStep("node2", "demo", ops);
        expect(step).to.equal(
            `#!/bin/bash\nsource ${STEP_RUNTIMES.run.path} || { echo 'FAILED node2/demo: ${STEP_RUNTIMES.run.path} is missing (the host'\\''s ready step ` +
                `installs it: run pulumi up)' >&2; exit 1; }\n${renderMain("node2", "demo", ops, false)}`,
        );
        expect(step).to.not.contain("ensure_file() {");
        expect(renderStepCheck("node2", "demo", ops)).to.not.contain("ensure_file() {");
    });

    it("the ready step installs both runtimes once: a second run changes nothing", () => {
        const first = host.run(host.rooted(runtimeInstallScript("node2")));
        expect(first.code, first.stderr).to.equal(0);
        expect(STEP_RESULT.exec(first.stdout)?.slice(1, 3)).to.deep.equal(["node2/step-runtime", "changed"]);
        const again = host.run(host.rooted(runtimeInstallScript("node2")));
        expect(STEP_RESULT.exec(again.stdout)?.slice(1, 3)).to.deep.equal(["node2/step-runtime", "unchanged"]);
    });

    it("a step that sources the installed runtime does what the self-contained script does", () => {
        host.run(host.rooted(runtimeInstallScript("node2")));
        const withService = [...ops, service("demo", ["conf"])];
        const r = host.run(onHost(renderStep("node2", "demo", withService)));
        expect(r.code, r.stderr).to.equal(0);
        expect(STEP_RESULT.exec(r.stdout)?.slice(1, 3)).to.deep.equal(["node2/demo", "changed"]);
        expect(STEP_RESULT.exec(host.run(onHost(renderStep("node2", "demo", withService))).stdout)?.[2]).to.equal("unchanged");
        expect(STEP_RESULT.exec(host.run(host.rooted(renderScript("node2", "demo", withService))).stdout)?.[2]).to.equal("unchanged");
        expect(host.run(onHost(renderStepCheck("node2", "demo", withService))).stdout.trim()).to.equal("");
    });

    it("without the runtime, a step fails naming the file, and a check reports drift (a refresh never fails on it)", () => {
        const r = host.run(onHost(renderStep("node2", "demo", ops)));
        expect(r.code).to.equal(1);
        expect(r.stderr).to.contain(`FAILED node2/demo: ${host.p(STEP_RUNTIMES.run.path.slice(1))} is missing`);
        const c = host.run(onHost(renderStepCheck("node2", "demo", ops)));
        expect(c.code, c.stderr).to.equal(0);
        expect(c.stdout.trim()).to.equal(`DRIFT node2/demo: ${host.p(STEP_RUNTIMES.check.path.slice(1))} missing`);
    });
});
