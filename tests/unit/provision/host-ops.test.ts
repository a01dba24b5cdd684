import { expect } from "chai";
import * as fs from "fs";
import { assertThat, image, masked, Op, renderScript, STEP_RESULT, systemUser } from "../../../components/provision";
import { DRIFT_LINE, renderCheck } from "../../../components/provision/check";
import { LocalHost } from "./run-local";

// Issue 14.4: what steps wrote as raw exec/waitFor (a masked unit, a system user, a pinned image,
// a check with no wait) as ops, run for real on a fake host: the step applies them once, a second
// run changes nothing, the check-only form reports nothing until a hand change, then one DRIFT line.
describe("provision ops: masked unit, system user, container image, assertion (scripts run locally)", () => {
    let h: LocalHost;
    beforeEach(() => {
        h = new LocalHost();
        h.fakeDockerAndAccounts();
    });
    afterEach(() => h.cleanup());

    const apply = (ops: Op[]) => {
        const r = h.run(h.rooted(renderScript("node2", "demo", ops)));
        const m = STEP_RESULT.exec(r.stdout);
        return { ...r, result: m?.[2] ?? "none", changes: m?.[3] ?? "" };
    };
    const check = (ops: Op[]) => {
        const r = h.run(h.rooted(renderCheck("node2", "demo", ops)));
        expect(r.code, r.stderr).to.equal(0);
        const lines = r.stdout.split("\n").filter(Boolean);
        expect(
            lines.every((l) => l.startsWith("DRIFT node2/demo: ")),
            lines.join("\n"),
        ).to.equal(true);
        return lines.map((l) => DRIFT_LINE.exec(l)![2]);
    };
    /** Calls of the fakes that change something (not the reads). */
    const writes = () => h.takeCalls().filter((c) => !/^(systemctl is-|docker image inspect|getent )/.test(c));

    describe("masked", () => {
        it("stops and masks the unit once; a second run and the check find it masked; an unmask is drift, repaired", () => {
            const ops = [masked("zfs-fuse.service")];
            h.setActive("zfs-fuse.service", true);
            const first = apply(ops);
            expect(first.code, first.stderr).to.equal(0);
            expect(first.changes).to.equal("masked zfs-fuse.service");
            expect(writes()).to.deep.equal(["systemctl stop zfs-fuse.service", "systemctl mask zfs-fuse.service"]);
            expect(apply(ops).result).to.equal("unchanged");
            expect(writes()).to.deep.equal([]);
            expect(check(ops)).to.deep.equal([]);

            h.run(`PATH=${h.p(".bin")}:$PATH systemctl unmask zfs-fuse.service`);
            h.takeCalls();
            expect(check(ops)).to.deep.equal(["unit zfs-fuse.service not masked"]);
            expect(writes()).to.deep.equal([]);
            expect(apply(ops).changes).to.equal("masked zfs-fuse.service");
            expect(check(ops)).to.deep.equal([]);
        });

        it("with `when`: does nothing, and reports nothing, where that command fails", () => {
            const ops = [masked("zfs-fuse.service", `[ -e ${h.p("installed")} ]`)];
            expect(apply(ops).result).to.equal("unchanged");
            expect(check(ops)).to.deep.equal([]);
            expect(writes()).to.deep.equal([]);
            fs.writeFileSync(h.p("installed"), "");
            expect(check(ops)).to.deep.equal(["unit zfs-fuse.service not masked"]);
            expect(apply(ops).changes).to.equal("masked zfs-fuse.service");
            expect(apply(ops).result).to.equal("unchanged");
        });

        it("refuses what is not a unit name", () => {
            expect(() => renderScript("h", "s", [masked("--now")])).to.throw('masked: expected a systemd unit name like zfs-fuse.service, got "--now"');
            expect(() => renderScript("h", "s", [masked("a b.service")])).to.throw("masked: expected a systemd unit name");
            expect(() => renderScript("h", "s", [masked("getty@tty1.service"), masked("a\\x2db.mount")])).to.not.throw();
        });
    });

    describe("user", () => {
        const passwd = () => fs.readFileSync(h.p(".fake/passwd"), "utf8");
        const ops = [systemUser("flocker", { home: "/home/flocker", shell: "/bin/sh" })];

        it("creates a system account, not locked, once; a wrong shell or a deleted account is drift, repaired", () => {
            const first = apply(ops);
            expect(first.code, first.stderr).to.equal(0);
            expect(first.changes).to.equal("user flocker");
            expect(writes()).to.deep.equal(["useradd --system --home-dir /home/flocker --shell /bin/sh flocker", "usermod -p * flocker"]);
            expect(passwd()).to.equal("flocker:x:999:999::/home/flocker:/bin/sh\n");
            expect(fs.readFileSync(h.p(".fake/shadow"), "utf8")).to.equal("flocker:*\n");
            expect(apply(ops).result).to.equal("unchanged");
            expect(writes()).to.deep.equal([]);
            expect(check(ops)).to.deep.equal([]);

            fs.writeFileSync(h.p(".fake/passwd"), "flocker:x:999:999::/home/flocker:/bin/bash\n");
            expect(check(ops)).to.deep.equal(["user flocker home or shell differs"]);
            expect(writes()).to.deep.equal([]);
            expect(apply(ops).changes).to.equal("user flocker home or shell");
            expect(passwd()).to.equal("flocker:x:999:999::/home/flocker:/bin/sh\n");
            expect(check(ops)).to.deep.equal([]);

            fs.writeFileSync(h.p(".fake/passwd"), "");
            expect(check(ops)).to.deep.equal(["user flocker missing"]);
        });

        it("refuses a name or a path that useradd or /etc/passwd cannot carry", () => {
            expect(() => renderScript("h", "s", [systemUser("Bad Name", { home: "/x" })])).to.throw('user: expected a user name like flocker, got "Bad Name"');
            expect(() => renderScript("h", "s", [systemUser("ok", { home: "rel" })])).to.throw(
                `user ok: expected home to be an absolute path without ':', got "rel"`,
            );
            expect(() => renderScript("h", "s", [systemUser("ok", { home: "/x", shell: "/bin/a:b" })])).to.throw("user ok: expected shell");
            expect((systemUser("ok", { home: "/x" }) as { shell: string }).shell).to.equal("/usr/sbin/nologin");
        });
    });

    describe("image", () => {
        const ref = `weaveworks/weavedb@sha256:${"3".repeat(64)}`;
        const ops = [image(ref, "weaveworks/weavedb:latest", "weaveworks/weavedb:2.8.1")];

        it("pulls by ref only when missing and tags it locally once; a retag or a removal is drift, repaired", () => {
            const first = apply(ops);
            expect(first.code, first.stderr).to.equal(0);
            expect(first.changes).to.equal(`image ${ref},image weaveworks/weavedb:latest = ${ref},image weaveworks/weavedb:2.8.1 = ${ref}`);
            expect(writes()).to.deep.equal([
                `docker pull -q ${ref}`,
                `docker tag ${ref} weaveworks/weavedb:latest`,
                `docker tag ${ref} weaveworks/weavedb:2.8.1`,
            ]);
            expect(apply(ops).result).to.equal("unchanged");
            expect(writes()).to.deep.equal([]);
            expect(check(ops)).to.deep.equal([]);

            // A newer weavedb pulled by hand under the local name: the tag no longer names the pin.
            h.run(`PATH=${h.p(".bin")}:$PATH; docker pull weaveworks/weavedb:latest`);
            h.takeCalls();
            expect(check(ops)).to.deep.equal([`image weaveworks/weavedb:latest is not ${ref}`]);
            expect(writes()).to.deep.equal([]);
            const again = apply(ops);
            expect(again.changes).to.equal(`image weaveworks/weavedb:latest = ${ref}`);
            expect(writes()).to.deep.equal([`docker tag ${ref} weaveworks/weavedb:latest`], "no pull: the pinned image is there");

            h.run(`PATH=${h.p(".bin")}:$PATH; docker rmi ${ref}`);
            expect(check(ops)).to.deep.equal([`image ${ref} missing`]);
            expect(apply(ops).changes).to.equal(`image ${ref}`);
            expect(check(ops)).to.deep.equal([]);
        });

        it("without local tags: pulled once", () => {
            expect(apply([image(ref)]).changes).to.equal(`image ${ref}`);
            expect(apply([image(ref)]).result).to.equal("unchanged");
            expect(() => renderScript("h", "s", [image("a b")])).to.throw('image: expected an image reference without spaces, got "a b"');
        });

        it("a failed pull fails the step", () => {
            h.fake("docker", `[ "$1" = pull ] && { echo "Error response from daemon: manifest unknown" >&2; exit 1; }; exit 1`);
            const r = apply(ops);
            expect(r.code).to.equal(1);
            expect(r.stderr).to.contain("FAILED node2/demo: exit 1").and.contain("docker pull");
        });
    });

    describe("assert", () => {
        const ops = () => [assertThat("the marker is there", `[ -e ${h.p("marker")} ]`, "no marker: make it by hand")];

        it("fails the step at once with its message when the check fails; holds: no change, no drift", () => {
            const started = Date.now();
            const failed = apply(ops());
            expect(failed.code).to.equal(1);
            expect(Date.now() - started).to.be.below(3000);
            expect(failed.stderr).to.contain("FAILED node2/demo: no marker: make it by hand (checked: the marker is there)");
            expect(check(ops())).to.deep.equal(["failed check (the marker is there): no marker: make it by hand"]);

            fs.writeFileSync(h.p("marker"), "");
            const held = apply(ops());
            expect(held.code, held.stderr).to.equal(0);
            expect(held.result).to.equal("unchanged");
            expect(check(ops())).to.deep.equal([]);
        });
    });
});
