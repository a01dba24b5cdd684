import { expect } from "chai";
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import {
    directory,
    exec,
    file,
    absent,
    renderScript,
    runtimeDirectory,
    service,
    STEP_RESULT,
    tmpfilesDirectoryLine,
    unit,
    waitFor,
} from "../../../components/provision";
import { LocalHost } from "./run-local";
import { createdAtBoot, lostAtReboot, runPathsChecked, tmpfilesEntries } from "./runtime-paths";

const result = (stdout: string) => STEP_RESULT.exec(stdout)?.[2];
const hasSystemdTmpfiles = spawnSync("systemd-tmpfiles", ["--version"]).status === 0;

describe("runtime directories under /run (runtimeDirectory)", () => {
    it("declares the directory in a tmpfiles.d file and applies it only when the directory is missing or differs", () => {
        const ops = runtimeDirectory("/run/demo", {
            conf: "/etc/tmpfiles.d/microservice-demo.conf",
            mode: "0750",
            owner: "demo",
            group: "adm",
            comment: "Managed by a test.\nSecond line.",
        });
        expect(ops).to.have.length(2);
        expect(ops[0]).to.deep.equal({
            kind: "file",
            path: "/etc/tmpfiles.d/microservice-demo.conf",
            content: "# Managed by a test.\n# Second line.\nd /run/demo 0750 demo adm -\n",
            mode: "0644",
        });
        expect(ops[1]).to.deep.include({
            kind: "exec",
            unless: `[ -d '/run/demo' ] && [ "$(stat -L -c '%a %U %G' '/run/demo')" = '750 demo adm' ]`,
            run: "systemd-tmpfiles --create '/etc/tmpfiles.d/microservice-demo.conf'",
        });
        // Defaults: 0755 root root, the conf named after the directory.
        expect((runtimeDirectory("/run/x")[0] as { path: string; content: string }).path).to.equal("/etc/tmpfiles.d/microservice-x.conf");
        expect((runtimeDirectory("/run/x")[0] as { content: string }).content).to.equal("d /run/x 0755 root root -\n");
        expect(spawnSync("bash", ["-n"], { input: renderScript("h", "s", ops) }).status).to.equal(0);
    });

    it("refuses what a tmpfiles.d line cannot carry, and the legacy /var/run", () => {
        expect(tmpfilesDirectoryLine("/run/mesos")).to.equal("d /run/mesos 0755 root root -");
        expect(tmpfilesDirectoryLine("/run/a", "755", "a", "b")).to.equal("d /run/a 0755 a b -");
        expect(() => tmpfilesDirectoryLine("/var/run/mesos")).to.throw('expected the canonical path under /run, got "/var/run/mesos" (use "/run/mesos")');
        expect(() => tmpfilesDirectoryLine("/run/a b")).to.throw("expected an absolute path");
        expect(() => tmpfilesDirectoryLine("run/a")).to.throw("expected an absolute path");
        expect(() => tmpfilesDirectoryLine("/run/../etc")).to.throw("expected an absolute path");
        expect(() => tmpfilesDirectoryLine("/run/a", "u+rwx")).to.throw('expected an octal mode like 0755, got "u+rwx"');
        expect(() => tmpfilesDirectoryLine("/run/a", "0755", "root; rm")).to.throw('expected a user or group name, got "root; rm"');
    });

    it("is a line systemd-tmpfiles itself accepts and applies", function () {
        if (!hasSystemdTmpfiles || process.getuid?.() !== 0) this.skip();
        const root = fs.mkdtempSync(path.join(os.tmpdir(), "tmpfiles-"));
        try {
            const op = runtimeDirectory("/run/demo", { mode: "0750", comment: "test" })[0] as { content: string };
            const conf = path.join(root, "demo.conf");
            fs.writeFileSync(conf, op.content);
            const r = spawnSync("systemd-tmpfiles", ["--create", `--root=${root}`, conf], { encoding: "utf8" });
            expect(r.status, r.stderr).to.equal(0);
            expect(r.stderr).to.equal("");
            expect((fs.statSync(path.join(root, "run/demo")).mode & 0o7777).toString(8)).to.equal("750");
        } finally {
            fs.rmSync(root, { recursive: true, force: true });
        }
    });

    describe("on a fake host", () => {
        let h: LocalHost;
        beforeEach(() => (h = new LocalHost()));
        afterEach(() => h.cleanup());

        it("creates the directory once; after a reboot (empty /run, tmpfiles applied at boot) the step is unchanged", () => {
            const dir = h.p("run/demo");
            const conf = h.p("etc/tmpfiles.d/microservice-demo.conf");
            const script = renderScript("h", "demo", runtimeDirectory(dir, { conf, mode: "0750", owner: h.user, group: h.group }));
            const first = h.run(script);
            expect(first.code, first.stderr).to.equal(0);
            expect(first.stdout).to.contain(`changed (${conf},runtime directory ${dir}`);
            expect(h.takeCalls()).to.deep.equal([`systemd-tmpfiles --create ${conf}`]);
            expect((fs.statSync(dir).mode & 0o777).toString(8)).to.equal("750");
            expect(result(h.run(script).stdout)).to.equal("unchanged");
            expect(h.takeCalls()).to.deep.equal([]);

            h.reboot();
            expect(fs.existsSync(dir), "the boot re-created it").to.equal(true);
            const after = h.run(script);
            expect(result(after.stdout), after.stderr).to.equal("unchanged");
            expect(h.takeCalls()).to.deep.equal([]);

            // Drift is repaired: a wrong mode, or the directory gone without a reboot.
            fs.chmodSync(dir, 0o700);
            expect(result(h.run(script).stdout)).to.equal("changed");
            fs.rmdirSync(dir);
            expect(result(h.run(script).stdout)).to.equal("changed");
            expect((fs.statSync(dir).mode & 0o777).toString(8)).to.equal("750");
        });

        it("where a directory op under /run reports a change after every reboot (what runtimeDirectory avoids)", () => {
            const script = renderScript("h", "demo", [directory(h.p("run/plain"), { owner: h.user, group: h.group })]);
            expect(result(h.run(script).stdout)).to.equal("changed");
            expect(result(h.run(script).stdout)).to.equal("unchanged");
            h.reboot();
            expect(result(h.run(script).stdout)).to.equal("changed");
        });
    });
});

describe("/run paths that a step's checks read (runtime-paths.ts)", () => {
    it("finds file, directory and exec-guard paths under /run or /var/run, not contents, commands, absences or waits", () => {
        const ops = [
            file("/run/a/state.json", "{}\n"),
            directory("/var/run/b"),
            exec("x", "test -e /var/run/c/marker && grep -q x /etc/y", "touch /run/d/not-a-check"),
            file("/etc/e.conf", "pid=/run/e.pid\n"),
            absent("/run/f"),
            waitFor("g", "[ -S /run/g.sock ]", 5, "no g"),
        ];
        expect(runPathsChecked(ops)).to.deep.equal(["/run/a/state.json", "/run/b", "/run/c/marker"]);
        expect(lostAtReboot(ops)).to.deep.equal(["/run/a/state.json", "/run/b", "/run/c/marker"]);
    });

    it("counts tmpfiles.d lines and the RuntimeDirectory= of enabled units as re-created at boot", () => {
        const ops = [
            ...runtimeDirectory("/run/b"),
            exec("x", "test -d /var/run/b && test -d /run/svc", "true"),
            unit("svc.service", "[Service]\nRuntimeDirectory=svc\nExecStart=/bin/true\n"),
            service("svc"),
        ];
        expect(tmpfilesEntries(ops)).to.deep.equal([
            { conf: "/etc/tmpfiles.d/microservice-b.conf", type: "d", path: "/run/b", mode: "0755", user: "root", group: "root", age: "-" },
        ]);
        expect(createdAtBoot(ops)).to.deep.equal(["/run/b", "/run/svc"]);
        expect(lostAtReboot(ops)).to.deep.equal([]);
        // A unit that is not enabled does not start at boot.
        expect(lostAtReboot([ops[2], ops[3], service("svc", [], false)])).to.deep.equal(["/run/b", "/run/svc"]);
    });
});
