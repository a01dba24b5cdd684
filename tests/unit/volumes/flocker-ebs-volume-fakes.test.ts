import { expect } from "chai";
import * as fs from "fs";
import { execFileSync } from "child_process";
import { q } from "../../../components/provision";
import { hostProgram } from "../../../components/provision/host-program";
import { ebsConf } from "../../../components/volumes/ebs/ops";
import { FakeWorld } from "../../support/fake-tools";

/**
 * The real flocker-ebs-volume (filled as the stack fills it) run by bash on a fake agent: lsblk,
 * blkid, mkfs, systemctl, mountpoint, umount and docker are fakes (tests/support/fake-tools/); a
 * disk is a file of KEY=VALUE lines in the host's state. The unit file is written to a temp UNIT_DIR.
 */
describe("flocker-ebs-volume with fake disk and systemd tools", function () {
    this.timeout(60_000);
    let w: FakeWorld;
    let h: string;
    afterEach(() => w?.cleanup());

    const VOL = "vol-0abc123";
    beforeEach(() => {
        w = new FakeWorld();
        h = w.host("node2", "10.0.17.12");
        const conf = ebsConf({ hostIp: "10.0.17.12", mountRoot: `${h}/flocker`, fsType: "ext4", appTimeoutSeconds: 20, deviceTimeoutSeconds: 1 });
        // The stack's conf with the apps dir and hook moved into the fake world.
        fs.writeFileSync(
            `${h}/ebs.conf`,
            conf.replace(/^APPS_DIR=.*$/m, `APPS_DIR=${q(`${h}/apps`)}`).replace(/^MARATHON_HOOK=.*$/m, `MARATHON_HOOK=${q(`${h}/marathon-app.py`)}`),
        );
        fs.writeFileSync(`${h}/flocker-ebs-volume`, hostProgram("flocker-ebs-volume.sh", { CONF: `${h}/ebs.conf`, UNIT_DIR: `${h}/units` }), { mode: 0o755 });
        fs.mkdirSync(`${h}/units`);
        fs.mkdirSync(`${h}/apps`);
        fs.writeFileSync(`${h}/apps/mongo.stop`, "docker stop db\n");
        fs.writeFileSync(`${h}/apps/mongo.start`, 'docker start db "$HOST_IP" "$VOLUME_PATH"\n');
        fs.mkdirSync(`${h}/disks`);
    });

    const disk = (name: string, lines: string) => fs.writeFileSync(`${h}/disks/${name}`, lines);
    const tool = (...args: string[]) => w.run("node2", `${h}/flocker-ebs-volume`, args);
    const attach = (fstype = "ext4") => tool("attach-mount", "mongo", VOL, fstype, "/dev/sdf");
    const unit = () => execFileSync("systemd-escape", ["-p", "--suffix=mount", `${h}/flocker/mongo`], { encoding: "utf8" }).trim();
    /** The unit's name as the call log shows it (printf %q doubles its backslashes). */
    const logged = () => unit().replace(/\\/g, "\\\\");
    const tools = () => w.calls().map((l) => l.split(" ").slice(1, 3).join(" "));

    it("first attach: finds the disk by the volume id's serial, formats it once, mounts it by UUID through a unit, then starts the app", () => {
        disk("nvme1n1", "SERIAL=vol0abc123\n");
        disk("nvme0n1", "SERIAL=AWS-root\nTYPE=ext4\nUUID=root-uuid\n");
        const r = attach();
        expect(r.code, r.stderr).to.equal(0);
        expect(w.calls()).to.include("node2 mkfs.ext4 -q /dev/nvme1n1");
        const uuid = fs.readFileSync(`${h}/disks/nvme1n1`, "utf8").match(/^UUID=(.*)$/m)![1];
        expect(fs.readFileSync(`${h}/units/${unit()}`, "utf8")).to.equal(
            `[Unit]\nDescription=Volume mongo (${VOL})\n\n` +
                `[Mount]\nWhat=/dev/disk/by-uuid/${uuid}\nWhere=${h}/flocker/mongo\nType=ext4\nOptions=defaults,nofail\n\n` +
                `[Install]\nWantedBy=multi-user.target\n`,
        );
        expect(w.calls().filter((l) => / (systemctl|docker) /.test(l))).to.deep.equal([
            "node2 systemctl daemon-reload",
            `node2 systemctl enable --quiet ${logged()}`,
            `node2 systemctl start ${logged()}`,
            `node2 docker start db 10.0.17.12 ${h}/flocker/mongo`,
        ]);
        expect(fs.readFileSync(`${h}/disks/nvme0n1`, "utf8")).to.contain("UUID=root-uuid"); // the other disk untouched
    });

    it("a second attach (or a disk that has a filesystem) is never formatted again", () => {
        disk("nvme1n1", "SERIAL=vol0abc123\n");
        expect(attach().code).to.equal(0);
        const first = fs.readFileSync(`${h}/units/${unit()}`, "utf8");
        w.clearCalls();
        expect(attach().code).to.equal(0);
        expect(tools()).not.to.include("mkfs.ext4 -q");
        expect(fs.readFileSync(`${h}/units/${unit()}`, "utf8")).to.equal(first);
        disk("nvme1n1", "SERIAL=vol0abc123\nTYPE=xfs\nUUID=1111-2222\n");
        w.clearCalls();
        expect(attach("xfs").code).to.equal(0);
        expect(w.calls().filter((l) => l.includes("mkfs"))).to.deep.equal([]);
        expect(fs.readFileSync(`${h}/units/${unit()}`, "utf8"))
            .to.contain("What=/dev/disk/by-uuid/1111-2222\n")
            .and.contain("Type=xfs\n");
    });

    it("a disk blkid cannot read plainly (ambivalent signatures, a probe error, a partition table without a filesystem) is refused, never formatted", () => {
        for (const [state, why] of [
            ["BLKID_RC=8", "exit 8"],
            ["BLKID_RC=4", "exit 4"],
            ["PTTYPE=gpt", "partition table"],
        ]) {
            disk("nvme1n1", `SERIAL=vol0abc123\n${state}\n`);
            w.clearCalls();
            const r = attach();
            expect(r.code, state).to.equal(1);
            expect(r.stderr, state).to.contain("refusing to format").and.contain(why);
            expect(
                w.calls().filter((l) => / (mkfs\.ext4|systemctl|docker) /.test(l)),
                state,
            ).to.deep.equal([]);
        }
    });

    it("a disk that does not appear: bounded wait, exit 1, nothing formatted or mounted", () => {
        disk("nvme1n1", "SERIAL=vol0other\n");
        const r = tool("attach-mount", "mongo", VOL, "ext4", "/dev/sdp");
        expect(r.code).to.equal(1);
        expect(r.stderr).to.contain(`volume ${VOL} did not appear as a disk within 1 s`);
        expect(w.calls().filter((l) => !/ lsblk /.test(l))).to.deep.equal([]);
    });

    it("release: stops the app first, then disables and removes the unit (unmounting it); a second release is a no-op", () => {
        disk("nvme1n1", "SERIAL=vol0abc123\n");
        expect(attach().code).to.equal(0);
        w.clearCalls();
        const r = tool("release", "mongo");
        expect(r.code, r.stderr).to.equal(0);
        expect(w.calls().filter((l) => / (systemctl|docker|umount) /.test(l))).to.deep.equal([
            "node2 docker stop db",
            `node2 systemctl disable --quiet --now ${logged()}`,
            "node2 systemctl daemon-reload",
        ]);
        expect(fs.existsSync(`${h}/units/${unit()}`)).to.equal(false);
        expect(fs.readdirSync(`${h}/mounts`)).to.deep.equal([]);
        w.clearCalls();
        expect(tool("release", "mongo").code).to.equal(0);
        expect(tools()).to.deep.equal(["docker stop", "mountpoint -q"]);
    });

    it("with a Marathon app: the hook starts it with this host's IP after the mount, stops it before release", () => {
        fs.rmSync(`${h}/apps/mongo.start`);
        fs.rmSync(`${h}/apps/mongo.stop`);
        fs.writeFileSync(`${h}/apps/mongo.marathon`, "{}\n");
        // Stands in for marathon-app (tested on its own in marathon-hook.test.ts): records its arguments.
        fs.writeFileSync(
            `${h}/marathon-app.py`,
            "import os, sys\nopen(os.environ['FAKE_ROOT'] + '/calls.log', 'a').write('node2 marathon-app ' + ' '.join(sys.argv[1:]) + '\\n')\n",
        );
        disk("nvme1n1", "SERIAL=vol0abc123\n");
        expect(attach().code).to.equal(0);
        expect(tool("release", "mongo").code).to.equal(0);
        const c = w.calls();
        expect(c.filter((l) => l.includes("marathon-app"))).to.deep.equal([
            `node2 marathon-app start ${h}/apps/mongo.marathon 10.0.17.12`,
            `node2 marathon-app stop ${h}/apps/mongo.marathon`,
        ]);
        expect(c.findIndex((l) => l.includes("marathon-app start"))).to.be.greaterThan(c.findIndex((l) => / systemctl start /.test(l)));
        expect(c.findIndex((l) => l.includes("marathon-app stop"))).to.be.lessThan(c.findIndex((l) => / systemctl disable /.test(l)));
    });

    it("hostile or malformed arguments are refused before any tool runs; usage exits 2", () => {
        disk("nvme1n1", "SERIAL=vol0abc123\n");
        const bad: [string[], string][] = [
            [["../x", VOL, "ext4", "/dev/sdf"], "bad volume name"],
            [["mongo", "vol-0abc123;id", "ext4", "/dev/sdf"], "bad volume id"],
            [["mongo", VOL, "ext4\nExecStartPre=/bin/id", "/dev/sdf"], "bad filesystem type"],
            [["mongo", VOL, "../../tmp/x", "/dev/sdf"], "bad filesystem type"],
            [["mongo", VOL, "ext4", "/dev/../etc/passwd"], "bad device name"],
        ];
        for (const [args, err] of bad) {
            const r = tool("attach-mount", ...args);
            expect([r.code, r.stderr.includes(err)], `${args} ${r.stderr}`).to.deep.equal([1, true]);
        }
        expect(tool("release", "a b").code).to.equal(1);
        expect(w.calls()).to.deep.equal([]);
        expect(fs.readdirSync(`${h}/units`)).to.deep.equal([]);
        expect(tool("format", "mongo").code).to.equal(2);
    });
});
