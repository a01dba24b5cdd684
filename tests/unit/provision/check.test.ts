import { expect } from "chai";
import * as fs from "fs";
import { absent, directory, emit, exec, file, packages, renderScript, service, STEP_RESULT, unit } from "../../../components/provision";
import { DRIFT_LINE, renderCheck } from "../../../components/provision/check";
import { Op } from "../../../components/provision/ops";
import { LocalHost } from "./run-local";

/** The `pulumi refresh` side of a step: its check-only script, run on a fake host. */
describe("provision/check: the check-only form of a step (drift)", () => {
    let host: LocalHost;
    beforeEach(() => (host = new LocalHost()));
    afterEach(() => host.cleanup());

    const ops = (): Op[] => [
        packages("rsyslog"),
        directory("/etc/demo.d", { mode: "0750" }),
        file("/etc/demo.d/app.conf", "port = 1\n", { mode: "0640", tag: "conf" }),
        absent("/etc/demo.d/old.conf"),
        unit("demo.service", "[Service]\nExecStart=/bin/true\n"),
        service("demo", ["conf"]),
        exec("marker made", `[ -f /etc/demo.d/marker ]`, `touch /etc/demo.d/marker`),
        emit("echo payload"),
    ];
    const apply = () => host.run(host.rooted(renderScript("node2", "demo", ops())));
    const check = () => {
        const r = host.run(host.rooted(renderCheck("node2", "demo", ops())));
        expect(r.code, r.stderr).to.equal(0);
        return r.stdout.split("\n").filter(Boolean);
    };

    it("reports nothing on a host in its desired state, and changes nothing there", () => {
        expect(STEP_RESULT.exec(apply().stdout)?.[2]).to.equal("changed");
        host.takeCalls();
        expect(check()).to.deep.equal([]); // no payload either: emit is left out
        expect(host.takeCalls().filter((c) => !/^(systemctl is-|dpkg-query)/.test(c))).to.deep.equal([]);
        expect(STEP_RESULT.exec(apply().stdout)?.[2]).to.equal("unchanged");
    });

    it("reports each hand edit as one DRIFT line naming what differs, changes nothing; the step's run repairs it", () => {
        apply();
        fs.writeFileSync(host.p("etc/demo.d/app.conf"), "port = 2\n"); // edited by hand
        fs.chmodSync(host.p("etc/demo.d"), 0o755);
        fs.writeFileSync(host.p("etc/demo.d/old.conf"), "");
        fs.rmSync(host.p("etc/demo.d/marker"));
        fs.rmSync(host.p("etc/systemd/system/demo.service"));
        host.setActive("demo", false);
        host.takeCalls();
        const lines = check();
        expect(
            lines.every((l) => DRIFT_LINE.test(l) && l.startsWith("DRIFT node2/demo: ")),
            lines.join("\n"),
        ).to.equal(true);
        expect(lines.map((l) => DRIFT_LINE.exec(l)![2])).to.deep.equal([
            `directory ${host.p("etc/demo.d")} mode or owner differs`,
            `${host.p("etc/demo.d/app.conf")} content differs`,
            `${host.p("etc/demo.d/old.conf")} present`,
            `${host.p("etc/systemd/system/demo.service")} missing`,
            "service demo not running",
            "marker made",
        ]);
        expect(fs.readFileSync(host.p("etc/demo.d/app.conf"), "utf8")).to.equal("port = 2\n");
        expect(host.takeCalls().filter((c) => !/^(systemctl is-|dpkg-query)/.test(c))).to.deep.equal([]);
        expect(STEP_RESULT.exec(apply().stdout)?.[2]).to.equal("changed");
        expect(check()).to.deep.equal([]);
    });

    it("reports a package that is missing and a mode changed on a file whose content is right", () => {
        apply();
        fs.rmSync(host.p(".fake/pkg-rsyslog"));
        fs.chmodSync(host.p("etc/demo.d/app.conf"), 0o644);
        expect(check().map((l) => DRIFT_LINE.exec(l)![2])).to.deep.equal([
            "package rsyslog not installed",
            `${host.p("etc/demo.d/app.conf")} mode or owner differs`,
        ]);
    });
});
