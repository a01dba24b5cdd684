import { expect } from "chai";
import { exec, file, image, renderScript, STEP_RESULT, waitFor } from "../../../components/provision";
import { LocalHost } from "./run-local";

// Issue 15: steps on one host take turns on its lock, but a step that only waits (for a service to
// answer) or pulls an image changes nothing the others touch: it lets them run meanwhile. Before, a
// readiness wait held the lock for its whole length and every other step on the host queued behind it.
describe("provision: waits and image pulls let the host's other steps run", () => {
    let host: LocalHost;
    beforeEach(() => (host = new LocalHost()));
    afterEach(() => host.cleanup());

    const result = (stdout: string) => STEP_RESULT.exec(stdout)?.slice(1, 3);

    it("a step waiting for what another step makes does not block that step, and goes on once it is there", async () => {
        const flag = host.p("made-by-b");
        const a = host.start(
            host.rooted(
                renderScript("node1", "a", [
                    waitFor("the other step made its file", `test -e ${flag}`, 15, "never made"),
                    file("/etc/a/after-wait.conf", "x\n"),
                ]),
            ),
        );
        await new Promise((r) => setTimeout(r, 700)); // a is waiting by now
        const t0 = Date.now();
        const b = await host.start(host.rooted(renderScript("node1", "b", [exec("make the flag", `test -e ${flag}`, `touch ${flag}`)])));
        expect(b.code, b.stderr).to.equal(0);
        expect(Date.now() - t0, "b waited for a's lock").to.be.lessThan(5000);
        const ra = await a;
        expect(ra.code, ra.stderr).to.equal(0);
        expect(result(ra.stdout)).to.deep.equal(["node1/a", "changed"]);
        expect(host.run(host.rooted(renderScript("node1", "a", [file("/etc/a/after-wait.conf", "x\n")]))).stdout).to.match(/unchanged/);
    });

    it("a wait that already holds keeps the lock throughout (no release, no second take)", () => {
        const r = host.run(host.rooted(renderScript("node1", "a", [waitFor("true", "true", 5, "m")])));
        expect(r.code, r.stderr).to.equal(0);
        expect(result(r.stdout)).to.deep.equal(["node1/a", "unchanged"]);
    });

    it("a wait that runs out fails naming what it waited for, with the lock given back", async () => {
        const r = host.run(host.rooted(renderScript("node1", "a", [waitFor("the flag", "false", 1, "gave up on the flag")])));
        expect(r.code).to.equal(1);
        expect(r.stderr).to.contain("FAILED node1/a: gave up on the flag (waited 1 s for: the flag)");
        const b = host.run(host.rooted(renderScript("node1", "b", [file("/etc/b.conf", "b\n")])));
        expect(b.code, b.stderr).to.equal(0);
    });

    it("a step pulling an image does not block the host's other steps while the pull runs", async () => {
        const release = host.p("registry-answers");
        // A pull that lasts until another step has run (the fake's state dir is $S).
        host.fake(
            "docker",
            `f() { printf '%s/image-%s' "$S" "\${1//\\//%}"; }
case $1 in
  image) [ -e "$(f "\${@: -1}")" ] || exit 1; cat "$(f "\${@: -1}")" ;;
  pull) for _ in $(seq 150); do [ -e ${release} ] && break; sleep 0.1; done; [ -e ${release} ] || exit 1
    echo sha256:1 >"$(f "\${@: -1}")" ;;
  *) exit 2 ;;
esac`,
        );
        const a = host.start(host.rooted(renderScript("node1", "images", [image("registry.example/mesos@sha256:" + "a".repeat(64))])));
        await new Promise((r) => setTimeout(r, 700));
        const b = await host.start(host.rooted(renderScript("node1", "b", [exec("the registry answers", `test -e ${release}`, `touch ${release}`)])));
        expect(b.code, b.stderr).to.equal(0);
        const ra = await a;
        expect(ra.code, ra.stderr).to.equal(0);
        expect(result(ra.stdout)).to.deep.equal(["node1/images", "changed"]);
    });
});
