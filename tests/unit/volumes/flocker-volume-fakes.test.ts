import { expect } from "chai";
import * as fs from "fs";
import * as path from "path";
import { spawnSync } from "child_process";
import { toolConf } from "../../../components/volumes/zfs/ops";
import { FAKE_TOOLS_DIR } from "../../support/fake-tools";
import { GIB, mutating, ZfsWorld } from "./zfs-world";

/**
 * The real flocker-volume (host-programs/flocker-volume.sh, filled as the stack fills it) run by bash
 * on three fake agents: zfs, ssh, sudo and docker are the fakes of tests/support/fake-tools/ (state
 * in a temp dir, every call logged). Fast unit tests of the placement and move protocol; the lab
 * (tests/lab/40-volumes.lab.ts) runs the same tool on zfs-fuse.
 */
describe("flocker-volume with fake zfs/ssh/sudo/docker (placement and move protocol)", function () {
    this.timeout(60_000);
    let w: ZfsWorld;
    afterEach(() => w?.cleanup());

    /** mongo created on node2 with some data, the log cleared. */
    const created = (app: "command" | "marathon" = "command", o: { zfsFuse?: boolean } = {}) => {
        w = new ZfsWorld(app, o);
        expect(w.tool("node2", "place", "mongo", GIB).code).to.equal(0);
        w.write("node2", { "db/collection.bin": Buffer.from(Array.from({ length: 4096 }, (_, i) => (i * 7) % 256)), "notes.txt": "hello\n" });
        w.clearCalls();
    };
    const move = () => w.tool("node3", "place", "mongo", GIB);

    it("the fake world's conf has exactly the keys the stack writes (toolConf)", () => {
        w = new ZfsWorld();
        const keys = toolConf({
            hostName: "h",
            hostIp: "1.2.3.4",
            pool: "p",
            mountRoot: "/m",
            user: "u",
            publicKey: "k",
            appTimeoutSeconds: 1,
            transferTimeoutSeconds: 1,
        })
            .trim()
            .split("\n")
            .map((l) => l.split("=")[0]);
        expect(w.confKeys).to.deep.equal(keys);
    });

    it("first run: asks every peer, creates the dataset with the quota, records the primary everywhere, starts the app", () => {
        w = new ZfsWorld();
        const r = w.tool("node2", "place", "mongo", GIB);
        expect(r.code, r.stderr).to.equal(0);
        const c = w.calls();
        expect(c.filter((l) => / ssh .* status\\ mongo$/.test(l)).map((l) => l.split(" ")[0] + " " + l.match(/@(\S+)/)![1])).to.deep.equal([
            "node2 10.0.15.11",
            "node2 10.0.15.13",
        ]);
        const mp = path.join(w.dir("node2"), "flocker/mongo");
        expect(c).to.include(`node2 zfs create -o quota=${GIB} -o mountpoint=${mp} -o microservice:primary=true -o microservice:epoch=1 flocker/mongo`);
        expect(w.at(/^node2 docker start db 10\.0\.15\.12 /)).to.be.greaterThan(w.at(/ zfs create /));
        expect(w.tool("node2", "status", "mongo").stdout).to.equal("primary 1\n");
        for (const h of ["node1", "node2", "node3"] as const)
            expect(fs.readFileSync(path.join(w.dir(h), "state/mongo.primary-host"), "utf8")).to.equal("node2\n");
        expect(fs.existsSync(path.join(w.dir("node2"), "state/mongo.pending-start"))).to.equal(false);
        expect(fs.statSync(path.join(w.dir("node2"), "state")).mode & 0o777).to.equal(0o700);
    });

    it("is idempotent: is-placed then only reads; a second place creates, copies, destroys and starts nothing", () => {
        created();
        const guard = w.tool("node2", "is-placed", "mongo", GIB);
        expect(guard.code).to.equal(0);
        expect(
            w.calls().every((l) => / zfs (list|get) /.test(l)),
            w.calls().join("\n"),
        ).to.equal(true);
        w.clearCalls();
        expect(w.tool("node2", "place", "mongo", GIB).code).to.equal(0);
        // Only the record of where the volume is is written again (the same line on every agent).
        expect(mutating(w.calls()).filter((l) => !/ remember\\ mongo\\ node2$/.test(l))).to.deep.equal([]);
        expect(w.files("node2")["notes.txt"]).to.equal("hello\n");
    });

    it("a new quota: is-placed says no, place sets exactly that many bytes", () => {
        created();
        expect(w.tool("node2", "is-placed", "mongo", "2147483648").code).to.equal(1);
        expect(w.tool("node2", "place", "mongo", "2147483648").code).to.equal(0);
        expect(w.calls()).to.include("node2 zfs set quota=2147483648 flocker/mongo");
        expect(w.prop("node2", "flocker/mongo", "quota")).to.equal("2147483648");
        expect(w.tool("node2", "is-placed", "mongo", "2147483648").code).to.equal(0);
    });

    it("a move: full copy while the app runs, app stopped, final increment, verify, commit, demote the source, start on the target", () => {
        created();
        const before = w.files("node2");
        const r = move();
        expect(r.code, r.stderr).to.equal(0);
        const mp = path.join(w.dir("node3"), "flocker/mongo");
        // In this order; the final increment and the verification run side by side (see below), as do the start and the demotion.
        const inOrder = (steps: RegExp[]) => {
            const at = steps.map((re) => w.at(re));
            expect(
                at.every((i) => i >= 0),
                String(at),
            ).to.equal(true);
            expect(at).to.deep.equal([...at].sort((a, b) => a - b));
        };
        const head = [
            /^node2 zfs snapshot flocker\/mongo@move-2-1$/,
            /^node3 zfs recv -u flocker\/incoming_mongo$/,
            // While the app runs: the incoming copy's quota and epoch (not read by anyone before the commit).
            new RegExp(`^node3 zfs set quota=${GIB} microservice:epoch=2 flocker/incoming_mongo$`),
            /^node2 docker stop db$/,
            /^node2 zfs snapshot flocker\/mongo@move-2-2$/,
        ];
        const commit = [
            /^node3 zfs rename flocker\/incoming_mongo flocker\/mongo$/,
            new RegExp(`^node3 zfs set mountpoint=${mp} microservice:primary=true flocker/mongo$`),
            /^node3 zfs mount flocker\/mongo$/,
        ];
        inOrder([...head, /^node3 zfs recv -F -u flocker\/incoming_mongo$/, ...commit, /^node3 docker start db 10\.0\.15\.13 /]);
        // Verification: nothing written on the source since move-2-2 (a third snapshot, taken and removed).
        inOrder([...head, /^node2 zfs snapshot flocker\/mongo@move-2-3$/, /^node2 zfs destroy flocker\/mongo@move-2-3$/, ...commit]);
        // The source demoted once the copy here is committed (beside the start: either may come first).
        inOrder([...commit, /^node2 zfs set microservice:primary=false canmount=noauto flocker\/mongo$/, /^node2 zfs umount flocker\/mongo$/]);
        expect(w.calls()).to.include("node2 zfs send -i @move-2-1 flocker/mongo@move-2-2");
        expect(w.calls().filter((l) => / docker /.test(l))).to.have.length(2); // one stop on the source, one start on the target
        // The verification compares the received snapshot's guid with the source's and asks ZFS what was written since.
        expect(w.calls()).to.include("node3 zfs get -Hp -o value guid flocker/incoming_mongo@move-2-2");
        expect(w.calls()).to.include("node2 zfs get -Hp -o value written flocker/mongo@move-2-3");
        // Data on the target as on the source; the source keeps its copy, demoted and unmounted.
        expect(w.files("node3")).to.deep.equal(before);
        expect(Object.keys(before)).to.deep.equal(["db/collection.bin", "notes.txt"]);
        expect(w.tool("node3", "status", "mongo").stdout).to.equal("primary 2\n");
        expect(w.tool("node2", "status", "mongo").stdout).to.equal("secondary 1\n");
        expect(w.mounted("node2", "flocker/mongo")).to.equal(false);
        expect(w.prop("node2", "flocker/mongo", "canmount")).to.equal("noauto");
        const report = JSON.parse(fs.readFileSync(path.join(w.dir("node3"), "state/mongo.last-move"), "utf8"));
        expect(report).to.include({ volume: "mongo", from: "node2", to: "node3", epoch: 2 });
        expect(report.downtimeMs).to.be.at.least(0);
        expect(w.tool("node3", "is-placed", "mongo", GIB).code).to.equal(0);
        // The temp dir of the move is gone (TMPDIR is inside the fake world).
        expect(fs.readdirSync(path.join(w.root, "tmp"))).to.deep.equal([]);
    });

    it("a move leaves no snapshot on the new primary (a snapshot counts against the quota and pins old data)", () => {
        created();
        expect(move().code).to.equal(0);
        expect(w.datasets("node3")).to.deep.equal(["flocker/mongo"]);
    });

    it("a move back replaces the old copy with a newer epoch, data intact", () => {
        created();
        expect(move().code).to.equal(0);
        w.write("node3", { "written-on-node3": "x" });
        const r = w.tool("node2", "place", "mongo", GIB);
        expect(r.code, r.stderr).to.equal(0);
        expect(w.tool("node2", "status", "mongo").stdout).to.equal("primary 3\n");
        expect(w.files("node2")).to.include({ "notes.txt": "hello\n", "written-on-node3": "x" });
        expect(w.tool("node3", "status", "mongo").stdout).to.equal("secondary 2\n");
    });

    it("nothing in the downtime window costs the volume's size: no file is read, listed or hashed, no copy destroyed before the start", () => {
        created();
        w.write("node2", Object.fromEntries(Array.from({ length: 50 }, (_, i) => [`db/f${i}`, "x".repeat(1000 * i)])));
        expect(move().code).to.equal(0);
        // Back to node2, over its old copy: set aside by a rename, destroyed once the app runs again.
        w.clearCalls();
        const r = w.tool("node2", "place", "mongo", GIB);
        expect(r.code, r.stderr).to.equal(0);
        const c = w.calls();
        const window = c.slice(w.at(/^node3 docker stop db$/), w.at(/^node2 docker start db /));
        expect(window.length).to.be.greaterThan(0);
        expect(window.filter((l) => / (hashes|mount flocker\/incoming_mongo|destroy -r|sha256sum|find) /.test(l))).to.deep.equal([]);
        // The old copy is set aside before the app stops, and only the commit's three calls change anything here in the window.
        expect(w.at(/^node2 zfs rename flocker\/mongo flocker\/replaced_mongo$/)).to.be.lessThan(w.at(/^node3 docker stop db$/));
        expect(mutating(window.filter((l) => l.startsWith("node2 zfs")))).to.deep.equal([
            "node2 zfs recv -F -u flocker/incoming_mongo",
            "node2 zfs rename flocker/incoming_mongo flocker/mongo",
            `node2 zfs set mountpoint=${path.join(w.dir("node2"), "flocker/mongo")} microservice:primary=true flocker/mongo`,
            "node2 zfs mount flocker/mongo",
        ]);
        expect(w.at(/^node2 zfs destroy -r flocker\/replaced_mongo$/)).to.be.greaterThan(w.at(/^node2 docker start db /));
        expect(w.at(/^node2 zfs destroy -r flocker\/mongo@move-3-1$/)).to.be.greaterThan(w.at(/^node2 docker start db /));
        expect(w.datasets("node2")).to.deep.equal(["flocker/mongo"]);
        expect(w.files("node2")["db/f49"]).to.equal("x".repeat(49000));
        const report = JSON.parse(fs.readFileSync(path.join(w.dir("node2"), "state/mongo.last-move"), "utf8"));
        expect(report).to.include({ from: "node3", to: "node2", epoch: 3 });
    });

    it("a copy that is not the source's snapshot (another guid): refused, nothing destroyed on the source, the app resumed there", () => {
        created();
        w.fault("node3", "zfs recv -F -u flocker/incoming_mongo", "CORRUPT");
        const r = move();
        expect(r.code).to.equal(1);
        expect(r.stderr).to.contain("the copy of mongo on node3 differs from node2: not moved (its snapshot move-2-2 is not node2's)");
        // Only the verification's own snapshot was taken and removed on the source.
        expect(w.calls().filter((l) => l.startsWith("node2 zfs") && / (destroy|rename|set|umount) /.test(l))).to.deep.equal([
            "node2 zfs destroy flocker/mongo@move-2-3",
        ]);
        expect(w.at(/^node2 docker start db 10\.0\.15\.12 /)).to.be.greaterThan(w.at(/^node2 docker stop db$/));
        expect(w.at(/^node3 docker /)).to.equal(-1);
        expect(w.tool("node2", "status", "mongo").stdout).to.equal("primary 1\n");
        expect(w.mounted("node2", "flocker/mongo")).to.equal(true);
        expect(w.files("node2")["notes.txt"]).to.equal("hello\n");
        expect(w.datasets("node3")).to.deep.equal([]); // the incoming copy is removed
        expect(fs.readdirSync(path.join(w.root, "tmp"))).to.deep.equal([]);
    });

    it("the source written after its app stopped (a stop that did not stop it all): refused, the app resumed there, the late data kept", () => {
        created();
        const late = path.join(w.dir("node2"), "flocker/mongo/db/late-write");
        w.fault("node2", "zfs snapshot flocker/mongo@move-2-2", `THEN echo 1 >> ${late}`);
        const r = move();
        expect(r.code).to.equal(1);
        expect(r.stderr).to.contain("the copy of mongo on node3 differs from node2: not moved (mongo was written on node2 after its app stopped)");
        expect(r.stderr).to.contain("move of mongo failed: the source stays primary");
        expect(w.at(/^node2 docker start db 10\.0\.15\.12 /)).to.be.greaterThan(w.at(/^node2 docker stop db$/));
        expect(w.at(/^node3 docker /)).to.equal(-1);
        expect(w.tool("node2", "status", "mongo").stdout).to.equal("primary 1\n");
        expect(w.files("node2")).to.include({ "db/late-write": "1\n", "notes.txt": "hello\n" });
        expect(w.datasets("node3")).to.deep.equal([]);
        expect(w.datasets("node2")).to.deep.equal(["flocker/mongo", "flocker/mongo@move-2-1", "flocker/mongo@move-2-2"]);
    });

    it("where ZFS has no `written` (zfs-fuse): the incremental stream since the snapshot decides; a stream it cannot read refuses the move", () => {
        created();
        // The fake's streams are not ZFS streams: the reader must say so, and the move must not go on.
        fs.writeFileSync(path.join(w.dir("node2"), "no-written"), "");
        const r = move();
        expect(r.code).to.equal(1);
        expect(r.stderr).to.contain("could not tell whether mongo changed on node2 after its app stopped (unreadable): not moved");
        expect(w.calls()).to.include("node2 zfs send -i @move-2-2 flocker/mongo@move-2-3");
        expect(w.tool("node2", "status", "mongo").stdout).to.equal("primary 1\n");
        expect(w.at(/^node2 docker start db 10\.0\.15\.12 /)).to.be.greaterThan(w.at(/^node2 docker stop db$/));
        expect(w.datasets("node3")).to.deep.equal([]);
    });

    it("a failure after the previous copy on the target was set aside puts it back; the source stays primary", () => {
        created();
        expect(move().code).to.equal(0); // node2 now holds a demoted copy
        w.fault("node2", "zfs rename flocker/incoming_mongo flocker/mongo", "cannot rename: I/O error");
        w.clearCalls();
        const r = w.tool("node2", "place", "mongo", GIB);
        expect(r.code).to.equal(1);
        expect(w.calls()).to.include("node2 zfs rename flocker/replaced_mongo flocker/mongo");
        expect(w.tool("node2", "status", "mongo").stdout).to.equal("secondary 1\n");
        expect(w.tool("node3", "status", "mongo").stdout).to.equal("primary 2\n");
        expect(w.datasets("node2").filter((x) => !x.includes("@"))).to.deep.equal(["flocker/mongo"]);
        expect(w.at(/^node3 docker start db 10\.0\.15\.13 /)).to.be.greaterThan(w.at(/^node3 docker stop db$/));
    });

    it("a failed full receive: the app was never stopped, the source is untouched, the next run moves", () => {
        created();
        w.fault("node3", "zfs recv -u flocker/incoming_mongo", "cannot receive: I/O error", 1);
        const r = move();
        expect(r.code).to.equal(1);
        expect(r.stderr).to.contain("move of mongo failed: the source stays primary");
        expect(w.at(/ docker /)).to.equal(-1);
        expect(w.tool("node2", "status", "mongo").stdout).to.equal("primary 1\n");
        expect(w.datasets("node3")).to.deep.equal([]);
        w.clearCalls();
        expect(move().code).to.equal(0);
        expect(w.calls()).to.include("node2 zfs destroy flocker/mongo@move-2-1"); // the same move's leftover snapshot is taken again
        expect(w.tool("node3", "status", "mongo").stdout).to.equal("primary 2\n");
    });

    it("a failed final increment: the app stopped on the source is resumed there", () => {
        created();
        w.fault("node3", "zfs recv -F -u *", "cannot receive incremental stream: checksum mismatch");
        expect(move().code).to.equal(1);
        expect(w.calls().filter((l) => / docker /.test(l))).to.deep.equal([
            "node2 docker stop db",
            `node2 docker start db 10.0.15.12 ${w.dir("node2")}/flocker/mongo`,
        ]);
        expect(w.tool("node2", "status", "mongo").stdout).to.equal("primary 1\n");
    });

    it("one SSH connection to the source for the whole move: opened pinned before the full copy, every verb a session on it, closed at the end", () => {
        created();
        expect(move().code).to.equal(0);
        const c = w.calls();
        const master = w.at(/^node3 ssh -M -N -f .* flocker-repl@10\.0\.15\.12$/);
        expect(master).to.be.greaterThan(-1);
        const pinned = [`-i ${w.dir("node3")}/id_replication`, "-o StrictHostKeyChecking=yes", `-o UserKnownHostsFile=${w.dir("node3")}/known_hosts`];
        for (const opt of [...pinned, "-o BatchMode=yes"]) expect(c[master]).to.contain(opt);
        expect(master).to.be.lessThan(w.at(/^node2 zfs snapshot flocker\/mongo@move-2-1$/));
        const sock = c[master].match(/ -o ControlPath=(\S+) /)![1];
        const close = w.at(/^node3 ssh -O exit /);
        expect(c[close]).to.equal(`node3 ssh -O exit -o ControlPath=${sock} flocker-repl@10.0.15.12`);
        // Every verb to the source after it (stop, snapshots, sends, check, demote, remember) goes through it, each
        // still through the forced command (serve -> sudo ... peer <verb>), and none after it is closed.
        const sessions = c.filter((l, i) => i > master && /^node3 ssh -n .*@10\.0\.15\.12 /.test(l));
        expect(sessions.map((l) => l.split("@10.0.15.12 ")[1])).to.have.members([
            "snapshot\\ mongo\\ move-2-1",
            "send\\ mongo\\ move-2-1",
            "app\\ stop\\ mongo",
            "snapshot\\ mongo\\ move-2-2",
            "check\\ mongo\\ move-2-2",
            "send\\ mongo\\ move-2-2\\ move-2-1",
            "demote\\ mongo\\ 2",
            "remember\\ mongo\\ node3",
        ]);
        expect(sessions.every((l) => l.includes(` -o ControlPath=${sock} `))).to.equal(true);
        expect(c.filter((l, i) => i > master && l.startsWith("node2 sudo -n "))).to.have.length(sessions.length);
        expect(c.findIndex((l, i) => i > close && / ssh .*@10\.0\.15\.12/.test(l))).to.equal(-1);
        // The window between the stop and the start opens no new connection (to any host).
        const window = c.slice(w.at(/^node2 docker stop db$/), w.at(/^node3 docker start db /));
        expect(window.filter((l) => l.startsWith("node3 ssh ") && !l.includes(` -o ControlPath=${sock} `))).to.deep.equal([]);
        expect(fs.readdirSync(path.join(w.root, "tmp"))).to.deep.equal([]);
    });

    it("a shared connection that cannot be opened costs only time: each verb connects on its own, the move completes", () => {
        created();
        w.fault("node3", "ssh -M *", "ssh: connect to host 10.0.15.12 port 22: Connection refused", 1);
        const r = move();
        expect(r.code, r.stderr).to.equal(0);
        expect(r.stderr).to.contain("no shared connection to 10.0.15.12 (ssh: connect to host 10.0.15.12 port 22: Connection refused )");
        expect(w.calls().filter((l) => l.includes("ControlPath=") && !/^node3 ssh -M /.test(l))).to.deep.equal([]);
        expect(w.tool("node3", "status", "mongo").stdout).to.equal("primary 2\n");
        expect(fs.readdirSync(path.join(w.root, "tmp"))).to.deep.equal([]);
    });

    it("the verification runs beside the final increment, not after it (it needs only the source's snapshot)", () => {
        created();
        // The final receive takes 3 s; the source's check (its third snapshot taken and removed) is over before it ends.
        w.fault("node3", "zfs recv -F -u *", 'THEN sleep 3; echo "node3 final-increment-received" >>"$FAKE_ROOT/calls.log"');
        const r = move();
        expect(r.code, r.stderr).to.equal(0);
        expect(w.at(/^node2 zfs destroy flocker\/mongo@move-2-3$/)).to.be.greaterThan(w.at(/^node2 zfs snapshot flocker\/mongo@move-2-2$/));
        expect(w.at(/^node2 zfs destroy flocker\/mongo@move-2-3$/)).to.be.lessThan(w.at(/^node3 final-increment-received$/));
        const report = JSON.parse(fs.readFileSync(path.join(w.dir("node3"), "state/mongo.last-move"), "utf8"));
        expect(report.finalSendMs).to.be.at.least(3000);
        expect(report.verifyMs).to.be.below(1500);
    });

    it("a write on the source after its snapshot is still caught while the increment is on its way: refused, the app resumed there", () => {
        created();
        const late = path.join(w.dir("node2"), "flocker/mongo/db/late-write");
        w.fault("node2", "zfs snapshot flocker/mongo@move-2-2", `THEN echo 1 >> ${late}`);
        w.fault("node3", "zfs recv -F -u *", "THEN sleep 2");
        const r = move();
        expect(r.code).to.equal(1);
        expect(r.stderr).to.contain("not moved (mongo was written on node2 after its app stopped)");
        expect(w.at(/^node2 docker start db 10\.0\.15\.12 /)).to.be.greaterThan(w.at(/^node2 zfs destroy flocker\/mongo@move-2-3$/));
        expect(w.tool("node2", "status", "mongo").stdout).to.equal("primary 1\n");
        expect(w.files("node2")).to.include({ "db/late-write": "1\n" });
        expect(w.datasets("node2")).to.deep.equal(["flocker/mongo", "flocker/mongo@move-2-1", "flocker/mongo@move-2-2"]);
        expect(w.datasets("node3")).to.deep.equal([]);
        expect(w.at(/^node3 ssh -O exit /)).to.be.greaterThan(w.at(/^node2 docker start db /));
        expect(fs.readdirSync(path.join(w.root, "tmp"))).to.deep.equal([]);
    });

    it("a final increment that fails while the check still runs: the check is awaited (its snapshot removed) before the app resumes", () => {
        created();
        w.fault("node2", "zfs snapshot flocker/mongo@move-2-3", "THEN sleep 2");
        w.fault("node3", "zfs recv -F -u *", "cannot receive incremental stream: checksum mismatch");
        expect(move().code).to.equal(1);
        expect(w.at(/^node2 docker start db 10\.0\.15\.12 /)).to.be.greaterThan(w.at(/^node2 zfs destroy flocker\/mongo@move-2-3$/));
        expect(w.datasets("node2")).to.deep.equal(["flocker/mongo", "flocker/mongo@move-2-1", "flocker/mongo@move-2-2"]);
        expect(w.at(/^node3 ssh -O exit /)).to.be.greaterThan(w.at(/^node2 docker start db /));
        expect(fs.readdirSync(path.join(w.root, "tmp"))).to.deep.equal([]);
    });

    it("a check that cannot reach the source refuses the move after the final increment; the app resumed there", () => {
        created();
        w.fault("node3", "ssh * check\\ mongo\\ move-2-2", "Control socket connect: Connection refused", 1);
        const r = move();
        expect(r.code).to.equal(1);
        expect(r.stderr).to.contain("could not check mongo on node2");
        expect(w.calls()).to.include("node3 zfs recv -F -u flocker/incoming_mongo");
        expect(w.tool("node2", "status", "mongo").stdout).to.equal("primary 1\n");
        expect(w.at(/^node2 docker start db 10\.0\.15\.12 /)).to.be.greaterThan(w.at(/^node2 docker stop db$/));
        expect(w.datasets("node3")).to.deep.equal([]);
    });

    it("the app starts on the target without waiting for the source's demotion; the step waits for it", () => {
        created();
        w.fault("node2", "zfs umount flocker/mongo", 'THEN sleep 2; echo "node2 demoted" >>"$FAKE_ROOT/calls.log"');
        const r = move();
        expect(r.code, r.stderr).to.equal(0);
        expect(w.at(/^node3 docker start db /)).to.be.lessThan(w.at(/^node2 demoted$/));
        expect(w.at(/^node3 ssh -O exit /)).to.be.greaterThan(w.at(/^node2 demoted$/));
        expect(fs.existsSync(path.join(w.dir("node3"), "state/mongo.pending-demote"))).to.equal(false);
        expect(w.tool("node3", "is-placed", "mongo", GIB).code).to.equal(0);
    });

    it("zfs-fuse (its `zfs set` takes one property): one call per property, same result", () => {
        created("command", { zfsFuse: true });
        const zfs = (...a: string[]) => w.run("node2", path.join(FAKE_TOOLS_DIR, "zfs"), a);
        // As zfs-fuse: a second property=value is read as a dataset.
        expect(zfs("set", "a:b=1", "c:d=2", "flocker/mongo").stderr).to.contain("cannot open 'c:d=2'");
        w.clearCalls();
        expect(move().code).to.equal(0);
        const sets = w.calls().filter((l) => / zfs set /.test(l));
        expect(sets).to.deep.equal([
            `node3 zfs set quota=${GIB} flocker/incoming_mongo`,
            "node3 zfs set microservice:epoch=2 flocker/incoming_mongo",
            `node3 zfs set mountpoint=${path.join(w.dir("node3"), "flocker/mongo")} flocker/mongo`,
            "node3 zfs set microservice:primary=true flocker/mongo",
            "node2 zfs set microservice:primary=false flocker/mongo",
            "node2 zfs set canmount=noauto flocker/mongo",
        ]);
        expect(w.tool("node3", "status", "mongo").stdout).to.equal("primary 2\n");
        expect(w.prop("node3", "flocker/mongo", "quota")).to.equal(GIB);
        expect(w.tool("node2", "status", "mongo").stdout).to.equal("secondary 1\n");
        expect(w.prop("node2", "flocker/mongo", "canmount")).to.equal("noauto");
    });

    it("a leftover incoming copy (ZFS busy for a moment) is destroyed before the copy, with bounded retries", () => {
        created();
        w.run("node3", path.join(FAKE_TOOLS_DIR, "zfs"), ["create", "flocker/incoming_mongo"]);
        w.fault("node3", "zfs destroy -r flocker/incoming_mongo", "cannot destroy 'flocker/incoming_mongo': dataset is busy", 2);
        w.clearCalls();
        const r = move();
        expect(r.code, r.stderr).to.equal(0);
        expect(w.calls().filter((l) => l === "node3 zfs destroy -r flocker/incoming_mongo")).to.have.length(3);
        expect(w.at(/^node3 zfs destroy -r flocker\/incoming_mongo$/)).to.be.lessThan(w.at(/ snapshot flocker\/mongo@move-2-1$/));
    });

    it("the source unreachable when it should be demoted: committed, step fails (pending-demote), the next run demotes only", () => {
        created();
        w.fault("node3", "ssh * demote\\ mongo\\ 2", "ssh: connect to host 10.0.15.12 port 22: Connection timed out", 1);
        const r = move();
        expect(r.code).to.equal(1);
        expect(r.stderr).to.contain("an older copy still says primary: re-run to demote it");
        expect(w.tool("node3", "status", "mongo").stdout).to.equal("primary 2\n");
        expect(w.at(/^node3 docker start db /)).to.be.greaterThan(-1); // the data is here: the app runs here
        expect(w.tool("node3", "is-placed", "mongo", GIB).code).to.equal(1);
        w.clearCalls();
        expect(move().code).to.equal(0);
        expect(w.calls()).to.include("node2 zfs set microservice:primary=false canmount=noauto flocker/mongo");
        expect(w.at(/ (snapshot|recv|docker) /)).to.equal(-1);
        expect(w.tool("node3", "is-placed", "mongo", GIB).code).to.equal(0);
    });

    it("with a Marathon app: stop on the source, start pinned to the target's IP, resume on the source after a failure", () => {
        created("marathon");
        expect(move().code).to.equal(0);
        const conf2 = `${w.dir("node2")}/apps/mongo.marathon`;
        expect(w.calls().filter((l) => l.includes("marathon-app"))).to.deep.equal([
            `node2 marathon-app stop ${conf2}`,
            `node3 marathon-app start ${w.dir("node3")}/apps/mongo.marathon 10.0.15.13`,
        ]);
        w.clearCalls();
        w.fault("node2", "zfs recv -F -u *", "cannot receive: out of space");
        expect(w.tool("node2", "place", "mongo", GIB).code).to.equal(1);
        expect(w.calls().filter((l) => l.includes("marathon-app"))).to.deep.equal([
            `node3 marathon-app stop ${w.dir("node3")}/apps/mongo.marathon`,
            `node3 marathon-app resume ${w.dir("node3")}/apps/mongo.marathon`,
        ]);
    });

    it("refuses to guess: a peer down, two primaries with one epoch, only non-primary copies, a primary host that left", () => {
        w = new ZfsWorld();
        fs.writeFileSync(path.join(w.dir("node3"), "down"), "");
        let r = w.tool("node2", "place", "mongo", GIB);
        expect(r.code).to.equal(1);
        expect(r.stderr).to.contain(
            "flocker-volume[node2]: ERROR: cannot ask node3 (10.0.15.13) about mongo: refusing to guess where it is (is the host up?)\n",
        );
        expect(mutating(w.calls())).to.deep.equal([]);
        fs.rmSync(path.join(w.dir("node3"), "down"));

        expect(w.tool("node2", "place", "mongo", GIB).code).to.equal(0);
        expect(w.tool("node3", "place", "mongo", GIB).code).to.equal(0);
        // node2's demoted copy says primary again with node3's epoch: two primaries.
        const zfs = (h: "node2" | "node3", ...a: string[]) => w.run(h, path.join(FAKE_TOOLS_DIR, "zfs"), a);
        zfs("node2", "set", "microservice:primary=true", "flocker/mongo");
        zfs("node2", "set", "microservice:epoch=2", "flocker/mongo");
        w.clearCalls();
        r = w.tool("node1", "place", "mongo", GIB);
        expect(r.code).to.equal(1);
        expect(r.stderr).to.contain("two hosts hold mongo as primary with epoch 2");
        expect(mutating(w.calls())).to.deep.equal([]);

        zfs("node2", "set", "microservice:primary=false", "flocker/mongo");
        zfs("node3", "set", "microservice:primary=false", "flocker/mongo");
        w.clearCalls();
        r = w.tool("node1", "place", "mongo", GIB);
        expect(r.stderr).to.contain("no host holds mongo as primary, but copies exist on: node2 node3; refusing to create an empty one");
        expect(mutating(w.calls())).to.deep.equal([]);

        zfs("node2", "destroy", "-r", "flocker/mongo");
        zfs("node3", "destroy", "-r", "flocker/mongo");
        w.clearCalls();
        r = w.tool("node1", "place", "mongo", GIB);
        expect(r.code).to.equal(1);
        expect(r.stderr).to.contain("mongo was last placed on node3, which does not hold it now");
        expect(mutating(w.calls())).to.deep.equal([]);
    });

    it("hostile or malformed arguments are refused before any tool runs; usage exits 2", () => {
        w = new ZfsWorld();
        for (const name of ["../x", "Mongo", "mongo;touch x", "mongo x", "", "-r", "a".repeat(64)]) {
            const r = w.tool("node2", "place", name, GIB);
            expect([r.code, r.stderr], name).to.deep.equal([1, `flocker-volume[node2]: ERROR: bad volume name: '${name}'\n`]);
        }
        for (const quota of ["1e9", "-1", "1 2", "$(id)", ""]) {
            expect(w.tool("node2", "is-placed", "mongo", quota).stderr, quota).to.contain(`expected a number, got '${quota}'`);
        }
        expect(w.tool("node2", "demote", "mongo", "1;id").code).to.equal(1);
        expect(w.tool("node2", "app", "start", "mongo", "10.0.0.1;id").stderr).to.contain("expected an IPv4 address");
        expect(w.calls()).to.deep.equal([]);
        const u = w.tool("node2", "destroy", "mongo");
        expect([u.code, u.stderr]).to.deep.equal([
            2,
            "usage: flocker-volume place|is-placed <name> <quota-bytes> | status|hashes <name> | demote <name> <epoch> | app stop|start|resume <name> [ip]\n",
        ]);
    });

    it("serve (the replication key's forced command) passes only the move's verbs to sudo, each argument checked again", () => {
        created();
        const serve = (cmd: string) => w.run("node2", path.join(w.dir("node2"), "flocker-volume"), ["serve"], { SSH_ORIGINAL_COMMAND: cmd });
        for (const cmd of ["rm -rf /", "place mongo 1", "is-placed mongo 1", "app start mongo 10.0.15.13", "", "peer status mongo"]) {
            const r = serve(cmd);
            expect(r.code, cmd).to.equal(1);
            expect(r.stderr, cmd).to.match(/ERROR: not allowed/);
        }
        expect(w.calls(), "nothing reached sudo").to.deep.equal([]);
        for (const [cmd, err] of [
            ["status ../x", "bad volume name"],
            ["status mongo;id", "bad volume name: 'mongo;id'"],
            ["snapshot mongo @evil", "bad snapshot name"],
            ["send mongo move-2-1 x", "bad snapshot name: 'x'"],
            ["check mongo move-2-3", "bad snapshot name: 'move-2-3'"],
            ["demote mongo x", "expected a number"],
            ["remember mongo Node;id", "bad host name"],
        ]) {
            const r = serve(cmd);
            expect([r.code, r.stderr], cmd).to.satisfy(([c, e]: [number, string]) => c === 1 && e.includes(err));
        }
        expect(mutating(w.calls())).to.deep.equal([]);
        // Only the first line counts: a second line is not a second command.
        expect(serve("status mongo\nrm -rf /").stdout).to.equal("primary 1\n");
        // A snapshot verb through the key takes exactly the named snapshot.
        expect(serve("snapshot mongo move-9-1").code).to.equal(0);
        expect(w.datasets("node2")).to.deep.equal(["flocker/mongo", "flocker/mongo@move-9-1"]);
    });

    it("the fakes themselves pass shellcheck", function () {
        if (spawnSync("shellcheck", ["--version"]).status !== 0) return this.skip();
        // All at once, from their folder: the fakes source common.sh from there.
        const r = spawnSync("shellcheck", ["--severity=style", "--shell=bash", ...fs.readdirSync(FAKE_TOOLS_DIR)], { cwd: FAKE_TOOLS_DIR, encoding: "utf8" });
        expect(r.stdout + r.stderr).to.equal("");
    });
});

/**
 * The reader of `zfs send -i` streams that tells the move whether the source changed since its last
 * snapshot (zfs-fuse has no `written`), run on streams in ZFS's record format: 312-byte records,
 * drr_type first, the begin record's payload length and magic after it.
 */
describe("flocker-volume's stream verdict (zfs-fuse: was anything written since the snapshot?)", () => {
    const tool = fs.readFileSync(path.join(__dirname, "../../../host-programs/flocker-volume.sh"), "utf8");
    const py = tool.match(/^STREAM_VERDICT='\n([\s\S]*?)\n'$/m)![1];
    const [BEGIN, OBJECT, FREEOBJECTS, WRITE, FREE, END] = [0, 1, 2, 3, 4, 5];
    const rec = (type: number, o: { be?: boolean; payload?: number } = {}) => {
        const b = Buffer.alloc(312);
        if (o.be) b.writeUInt32BE(type, 0);
        else b.writeUInt32LE(type, 0);
        if (type === BEGIN) {
            if (o.be) b.writeBigUInt64BE(0x2f5bacbacn, 8);
            else b.writeBigUInt64LE(0x2f5bacbacn, 8);
            if (o.payload) b.writeUInt32LE(o.payload, 4);
        }
        return o.payload ? Buffer.concat([b, Buffer.alloc(o.payload, 7)]) : b;
    };
    const verdict = (...parts: Buffer[]) => {
        const r = spawnSync("python3", ["-c", py], { input: Buffer.concat(parts), encoding: "utf8" });
        expect(r.stderr).to.equal("");
        return r.stdout.trim();
    };

    it("unchanged: only begin, free-objects and end records (what zfs-fuse sends for an untouched dataset: 624 bytes)", () => {
        expect(verdict(rec(BEGIN), rec(END))).to.equal("unchanged");
        expect(verdict(rec(BEGIN), rec(FREEOBJECTS), rec(FREEOBJECTS), rec(END))).to.equal("unchanged");
        expect(verdict(rec(BEGIN, { be: true }), rec(END, { be: true }))).to.equal("unchanged");
        // OpenZFS's begin record may carry a payload (an nvlist) of the length it states.
        expect(verdict(rec(BEGIN, { payload: 40 }), rec(END))).to.equal("unchanged");
    });

    it("changed: any object, write or free record before the end, whatever follows (read no further)", () => {
        for (const t of [OBJECT, WRITE, FREE, 7, 8]) expect(verdict(rec(BEGIN), rec(FREEOBJECTS), rec(t), Buffer.alloc(5000)), String(t)).to.equal("changed");
        expect(verdict(rec(BEGIN), rec(OBJECT))).to.equal("changed");
    });

    it("unreadable: empty, cut short before its end, or not a ZFS stream (the move refuses)", () => {
        expect(verdict()).to.equal("unreadable");
        expect(verdict(rec(BEGIN))).to.equal("unreadable");
        expect(verdict(rec(BEGIN), rec(FREEOBJECTS), Buffer.alloc(100))).to.equal("unreadable");
        expect(verdict(Buffer.from("FAKEZFS - move-2-3 123\n"), Buffer.alloc(600))).to.equal("unreadable");
        expect(verdict(rec(OBJECT), rec(END))).to.equal("unreadable");
    });
});
