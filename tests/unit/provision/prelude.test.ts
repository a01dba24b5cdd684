import { expect } from "chai";
import * as fs from "fs";
import {
    absent,
    directory,
    emit,
    exec,
    file,
    Op,
    packages,
    renderScript,
    service,
    stepPayload,
    unit,
    waitFor,
    STEP_RESULT,
} from "../../../components/provision";
import { LocalHost } from "./run-local";

// These tests run generated scripts for real on this machine (in a temp dir, with fake systemctl,
// dpkg-query and apt-get): they prove the desired-state behaviour, not only the text.
describe("step prelude (scripts run locally)", () => {
    let h: LocalHost;
    beforeEach(() => (h = new LocalHost()));
    afterEach(() => h.cleanup());

    // Unit files go to /etc/systemd/system; point that at the temp dir for these runs.
    const run = (ops: Op[]) => {
        const script = renderScript("t", "s", ops)
            .split("'/etc/systemd/system/")
            .join(`'${h.p("systemd")}/`);
        const r = h.run(script);
        const m = STEP_RESULT.exec(r.stdout);
        return { ...r, result: m ? m[2] : "none", changes: m?.[3] ?? "" };
    };
    const mine = () => ({ owner: h.user, group: h.group });
    // apt-get's calls since the last look: "update", or "install <packages>".
    const apt = () =>
        h
            .takeCalls()
            .filter((c) => c.startsWith("apt-get "))
            .map((c) => (c.endsWith(" update -qq") ? "update" : `install ${c.split(" --no-install-recommends ")[1]}`));

    it("file: writes content, mode and owner once; a second run is unchanged", () => {
        const ops = [file(h.p("etc/a.conf"), "x=1\n", { mode: "0640", ...mine() })];
        const first = run(ops);
        expect(first.code, first.stderr).to.equal(0);
        expect(first.result).to.equal("changed");
        expect(fs.readFileSync(h.p("etc/a.conf"), "utf8")).to.equal("x=1\n");
        expect((fs.statSync(h.p("etc/a.conf")).mode & 0o777).toString(8)).to.equal("640");
        expect(run(ops).result).to.equal("unchanged");
        expect(fs.readdirSync(h.p("etc"))).to.deep.equal(["a.conf"]); // no temp files left behind
    });

    it("file: repairs drifted content and drifted mode", () => {
        const ops = [file(h.p("a"), "x=1\n", { mode: "0600", ...mine() })];
        run(ops);
        fs.writeFileSync(h.p("a"), "x=2\n");
        expect(run(ops).changes).to.equal(h.p("a"));
        fs.chmodSync(h.p("a"), 0o644);
        expect(run(ops).changes).to.equal(`mode ${h.p("a")}`);
        expect((fs.statSync(h.p("a")).mode & 0o777).toString(8)).to.equal("600");
        expect(run(ops).result).to.equal("unchanged");
    });

    it("file: keeps exact bytes without a final newline, and through a symlink stays idempotent", () => {
        expect(run([file(h.p("raw"), "a\nb", mine())]).code).to.equal(0);
        expect(fs.readFileSync(h.p("raw"), "utf8")).to.equal("a\nb");
        fs.writeFileSync(h.p("target"), "1\n");
        fs.chmodSync(h.p("target"), 0o644);
        fs.symlinkSync(h.p("target"), h.p("link"));
        expect(run([file(h.p("link"), "1\n", mine())]).result).to.equal("unchanged");
    });

    it("directory and absent: converge, then report unchanged", () => {
        const ops = [directory(h.p("d/e"), { mode: "0750", ...mine() }), absent(h.p("gone"))];
        fs.writeFileSync(h.p("gone"), "");
        const first = run(ops);
        expect(first.changes).to.equal(`dir ${h.p("d/e")},removed ${h.p("gone")}`);
        expect((fs.statSync(h.p("d/e")).mode & 0o777).toString(8)).to.equal("750");
        expect(fs.existsSync(h.p("gone"))).to.equal(false);
        expect(run(ops).result).to.equal("unchanged");
    });

    it("packages: installs only the missing ones, and runs apt-get only then", () => {
        const first = run([packages("aa", "bb")]);
        expect(first.changes).to.equal("packages aa bb");
        expect(h.takeCalls().filter((c) => c.startsWith("apt-get"))).to.have.length(2); // update + install
        expect(run([packages("aa", "bb")]).result).to.equal("unchanged");
        expect(h.takeCalls().filter((c) => c.startsWith("apt-get"))).to.deep.equal([]);
    });

    it("packages: one apt-get update per host for two steps that install, then none while the lists are under an hour old", () => {
        expect(run([packages("aa")]).changes).to.equal("packages aa");
        expect(run([packages("aa", "bb")]).changes).to.equal("packages bb");
        expect(apt()).to.deep.equal(["update", "install aa", "install bb"]);
        expect(fs.existsSync(h.aptStamp)).to.equal(true);
        // Lists older than an hour (or none in this boot: /run is empty after a reboot) are updated first.
        const old = new Date(Date.now() - 61 * 60_000);
        fs.utimesSync(h.aptStamp, old, old);
        expect(run([packages("cc")]).changes).to.equal("packages cc");
        expect(apt()).to.deep.equal(["update", "install cc"]);
        fs.rmSync(h.aptStamp);
        expect(run([packages("dd")]).code).to.equal(0);
        expect(apt()).to.deep.equal(["update", "install dd"]);
    });

    it("packages: an install that fails on lists updated earlier updates them and tries once more", () => {
        run([packages("aa")]);
        h.takeCalls();
        fs.writeFileSync(h.p(".fake/apt-install-fails"), "");
        const r = run([packages("bb")]);
        expect(r.code, r.stderr).to.equal(0);
        expect(r.changes).to.equal("packages bb");
        expect(apt()).to.deep.equal(["install bb", "update", "install bb"]);
        expect(r.stderr).to.contain("apt-get install bb failed on lists updated earlier: updating them, then once more");
        expect(r.stderr).to.not.contain("FAILED"); // a retried failure is no step failure
        // Just updated, a failure is final: no second update.
        fs.rmSync(h.aptStamp);
        fs.writeFileSync(h.p(".fake/apt-install-fails"), "");
        const failed = run([packages("cc")]);
        expect(failed.code).to.not.equal(0);
        expect(failed.result).to.equal("none");
        expect(apt()).to.deep.equal(["update", "install cc"]);
        expect(h.installed("cc")).to.equal(false);
    });

    it("packages: a command of an exec op installs through the same apt_install (no second update)", () => {
        run([packages("aa")]);
        h.takeCalls();
        expect(run([exec("zz installed", "dpkg-query -W zz", "apt_install zz")]).changes).to.equal("zz installed");
        expect(apt()).to.deep.equal(["install zz"]);
        expect(h.installed("zz")).to.equal(true);
    });

    it("service: restarts only when one of its own tags changed", () => {
        const ops = (conf: string) => [
            file(h.p("svc.conf"), conf, { ...mine(), tag: "svc-config" }),
            file(h.p("other"), "o\n", mine()),
            service("svc", ["svc-config"]),
        ];
        const first = run(ops("v1\n"));
        expect(first.changes).to.equal(`${h.p("svc.conf")},${h.p("other")},enabled svc,started svc`);
        h.takeCalls();
        expect(run(ops("v1\n")).result).to.equal("unchanged");
        expect(h.takeCalls().filter((c) => /restart|start svc|systemctl enable/.test(c))).to.deep.equal([]);
        fs.writeFileSync(h.p("other"), "drift\n");
        expect(run(ops("v1\n")).changes).to.equal(h.p("other")); // not its tag: no restart
        expect(run(ops("v2\n")).changes).to.equal(`${h.p("svc.conf")},restarted svc`);
        h.setActive("svc", false);
        expect(run(ops("v2\n")).changes).to.equal("started svc"); // stopped: started, never restarted
    });

    it("unit: a changed unit reloads systemd once and restarts its own service", () => {
        const ops = (body: string) => [unit("u.service", body), unit("u.timer", "[Timer]\n"), service("u"), service("u.timer")];
        run(ops("[Service]\nExecStart=/bin/true\n"));
        h.takeCalls();
        expect(run(ops("[Service]\nExecStart=/bin/true\n")).result).to.equal("unchanged");
        expect(h.takeCalls().filter((c) => /daemon-reload|restart/.test(c))).to.deep.equal([]);
        const changed = run(ops("[Service]\nExecStart=/bin/false\n"));
        expect(changed.changes).to.equal(`${h.p("systemd")}/u.service,restarted u`);
        expect(h.takeCalls().filter((c) => /daemon-reload|restart/.test(c))).to.deep.equal(["systemctl daemon-reload", "systemctl restart u"]);
    });

    it("unit: reloads systemd even when no service op follows", () => {
        run([unit("lone.service", "[Service]\n")]);
        expect(h.takeCalls()).to.include("systemctl daemon-reload");
    });

    it("exec: runs only when its guard fails, and a failing run fails the step with its description", () => {
        const ops = [exec("make token", `test -s ${h.p("token")}`, `echo t >${h.p("token")}`)];
        expect(run(ops).changes).to.equal("make token");
        expect(run(ops).result).to.equal("unchanged");
        const bad = run([exec("break things", "false", "exit 3")]);
        expect(bad.code).to.equal(3);
        expect(bad.stderr).to.contain("FAILED t/s: break things (exit 3)");
        expect(bad.result).to.equal("none");
    });

    it("waitFor: returns once the check passes, fails with its message when the time is up", () => {
        expect(run([waitFor("ok", "true", 5, "never")]).result).to.equal("unchanged");
        const late = run([waitFor("the moon", "false", 1, "no moon")]);
        expect(late.code).to.equal(1);
        expect(late.stderr).to.contain("FAILED t/s: no moon (waited 1 s for: the moon)");
    });

    it("emit: only emitted text and the result line reach stdout", () => {
        const r = run([exec("noisy", "false", "echo noise; echo more noise"), emit("echo -----BEGIN X-----; echo -----END X-----")]);
        expect(r.stdout).to.equal("-----BEGIN X-----\n-----END X-----\nSTEP t/s: changed (noisy)\n");
        expect(r.stderr).to.contain("noise");
        expect(stepPayload(r.stdout)).to.equal("-----BEGIN X-----\n-----END X-----");
    });

    it("a command that reads stdin cannot swallow the rest of the script", () => {
        const r = run([exec("reads stdin", "false", "cat >/dev/null"), file(h.p("after"), "still here\n", mine())]);
        expect(r.code, r.stderr).to.equal(0);
        expect(fs.readFileSync(h.p("after"), "utf8")).to.equal("still here\n");
    });

    it("commands never write to the result stream, nor inherit the host lock", () => {
        const r = run([exec("stray write", "false", "echo stray >&3 || true; ls -l /proc/self/fd/ >&2"), waitFor("stray", "echo x >&3; true", 2, "m")]);
        expect(r.code, r.stderr).to.equal(0);
        expect(r.stdout).to.equal("STEP t/s: changed (stray write)\n");
        expect(r.stderr).to.not.match(/ 9 -> /);
    });

    it("an unexpected failure names the step and the command", () => {
        const r = run([file("/proc/definitely/not/writable", "x\n")]);
        expect(r.code).to.not.equal(0);
        expect(r.stderr).to.match(/FAILED t\/s: exit \d+ at line \d+/);
    });
});
