import { expect } from "chai";
import { describeFailures, Lab, LabRun } from "./harness";
import { labStackExtras } from "./config";
import { firstRun, lab as theLab } from "./shared";
import { stepPayload } from "../../components/provision";
import { DockerEngine } from "../../components/docker";
import { FlockerZfsCluster } from "../../components/volumes";
import { DatasetSettings } from "../../components/volumes/settings";
import {
    APP,
    appHooks,
    appListing,
    dataListing,
    IMAGE,
    maxHeartbeatGapMs,
    MoveReport,
    startApp,
    waitForHeartbeats,
    writeData,
} from "../../bench/volume-move.scenario";

/**
 * FlockerZfsCluster for real on the lab (zfs-fuse: the kernel here has no ZFS and no modules):
 * the stack's first run creates the pool on every agent and `mongo` on node2; data written through
 * a container on node2 moves to node3 when the config says so, with the app (a container that
 * appends a timestamp every 50 ms) stopped and started by the move's hooks; the checksums on node3
 * equal those taken on node2, and the downtime is measured twice: by the move's own clock and by
 * the largest gap in the app's heartbeat file. A move that fails after the app was stopped (the
 * target runs out of space for the final increment) leaves node2 primary, readable, and the app
 * running there again. At the end the volume goes back to node2 with the first run's config, so
 * that the whole-stack idempotence test (80) finds the lab as the first run left it.
 *
 * VOLUMES_LAB_ISOLATED=1 runs DockerEngine + FlockerZfsCluster instead of the full stack first.
 */
const base = (labStackExtras.volumes as { datasets: DatasetSettings[] }).datasets;
const withMongo = (primary: string, app?: DatasetSettings["app"]): DatasetSettings[] =>
    base.map((d) => (d.name === "mongo" ? { ...d, primary, ...(app ? { app } : {}) } : d));

const isolated = process.env.VOLUMES_LAB_ISOLATED === "1";

describe("40 volumes: a ZFS dataset follows its primary (zfs-fuse in lab hosts; EBS and kernel OpenZFS: mocks only)", function () {
    let lab: Lab;
    let first: LabRun;
    let before0: string;
    const moves: { label: string; report: MoveReport; gapMs: number }[] = [];

    /** Only the volume layer, as the stack builds it (same resource names, same generated key). */
    const volumesOnly = (datasets: DatasetSettings[], label: string) =>
        lab.run((hosts) => {
            new FlockerZfsCluster("volumes", { hosts, datasets });
        }, label);
    const volumeFailures = (run: LabRun) => run.failures.filter((f) => /(^|[^a-z])volumes-/.test(f.resource));
    const mongoStep = (run: LabRun, host: string) => run.steps.find((s) => s.resource.endsWith(`volumes-${host}-dataset-mongo`));
    /** flocker/mongo on a host: "<mounted> <primary> <epoch>", or "absent"; any other dataset is listed too. */
    const zfsState = async (host: string) => {
        const r = await lab.hosts[host].sh("zfs list -H -o name,mounted,microservice:primary,microservice:epoch -t filesystem -r flocker");
        const lines = r.stdout
            .trim()
            .split("\n")
            .map((l) => l.split("\t"))
            .filter((f) => f[0] !== "flocker");
        const others = lines.filter((f) => f[0] !== "flocker/mongo").map((f) => f[0]);
        const mongo = lines.find((f) => f[0] === "flocker/mongo");
        return (mongo ? mongo.slice(1).join(" ") : "absent") + (others.length ? ` + ${others.join(" ")}` : "");
    };
    const must = async (host: string, cmd: string) => {
        const r = await lab.hosts[host].sh(cmd);
        if (r.code !== 0) throw new Error(`${host}: ${cmd}: exit ${r.code}: ${r.stderr}`);
        return r.stdout.trim();
    };
    let e0 = 0; // mongo's epoch after the first run (1 on a new lab; more on a lab kept with KEEP_LAB=1)

    before(async function () {
        if (isolated) {
            lab = await theLab();
            first = await lab.run((hosts) => {
                const docker = new DockerEngine("docker", { hosts });
                new FlockerZfsCluster("volumes", {
                    hosts,
                    datasets: base,
                    hostReady: docker.hostReady,
                });
            }, "volumes (isolated)");
        } else {
            ({ lab, run: first } = await firstRun());
        }
        await Promise.all(["node2", "node3"].map((h) => lab.loadImage(h, IMAGE)));
    });

    after(async function () {
        if (!lab) return;
        for (const h of ["node2", "node3"])
            await lab.hosts[h].sh(`docker rm -f ${APP} >/dev/null 2>&1 || true; zfs set quota=none flocker 2>/dev/null || true`);
        if (moves.length)
            console.log(
                `    [volumes] ${moves.map((m) => `${m.label}: downtime ${m.report.downtimeMs} ms (step clock), heartbeat gap ${m.gapMs} ms`).join("; ")}`,
            );
    });

    it("the first run puts the pool on every agent (zfs-fuse under its own unit) and mongo on node2 only", async () => {
        expect(volumeFailures(first), describeFailures(first)).to.deep.equal([]);
        for (const h of ["node1", "node2", "node3"]) {
            const r = await lab.hosts[h].sh(`systemctl is-active microservice-zfs-fuse && zpool list -H -o name flocker && id -u flocker-repl`);
            expect(r.code, `${h}: ${r.stderr}`).to.equal(0);
        }
        const node2 = await zfsState("node2");
        expect(node2).to.match(/^yes true \d+$/);
        e0 = Number(node2.split(" ")[2]);
        expect(await zfsState("node3")).to.match(process.env.KEEP_LAB === "1" ? /^(absent|no false \d+)$/ : /^absent$/);
        expect((await lab.hosts.mgmt.sh("command -v zpool || echo none")).stdout.trim()).to.equal("none");
        const quota = await lab.hosts.node2.sh("zfs get -Hp -o value quota,mountpoint flocker/mongo");
        expect(quota.stdout.trim().split("\n")).to.deep.equal(["1073741824", "/flocker/mongo"]);
    });

    it("a container on node2 writes known data through the host path; the app runs there", async () => {
        await writeData(lab.hosts.node2);
        before0 = await dataListing(lab.hosts.node2);
        expect(before0.split("\n")).to.have.length(41); // 40 small files + the 20 MB blob
        await startApp(lab.hosts.node2);
        await waitForHeartbeats(lab.hosts.node2, 10);
    });

    it("a move whose copy does not verify (something still wrote after the app stopped) leaves node2 primary, readable, the app running", async () => {
        const node3Before = await zfsState("node3");
        const failed = await volumesOnly(withMongo("node3", appHooks({ lateWriter: true })), "move to node3 (late writer)");
        const f = volumeFailures(failed);
        expect(
            f.map((x) => x.resource.replace(/^.*?volumes-/, "volumes-")),
            describeFailures(failed),
        ).to.deep.equal(["volumes-node3-dataset-mongo"]);
        expect(f[0].message).to.match(/the copy of mongo on node3 differs from node2: not moved[\s\S]*the source stays primary/);
        expect(await zfsState("node2")).to.equal(`yes true ${e0}`);
        expect(await zfsState("node3"), "nothing changed on node3, no partial receive left").to.equal(node3Before);
        expect(await must("node2", `docker inspect -f '{{.State.Running}}' ${APP}`), "app resumed on node2").to.equal("true");
        await waitForHeartbeats(lab.hosts.node2, 10);
        // The late writer ends by itself (100 lines in 10 s); then the data is what was written.
        const deadline = Date.now() + 30_000;
        while ((await must("node2", "wc -l < /flocker/mongo/db/late-write")) !== "100") {
            if (Date.now() > deadline) throw new Error("the late writer did not finish in 30 s");
            await new Promise((r) => setTimeout(r, 500));
        }
        await must("node2", "rm /flocker/mongo/db/late-write");
        expect(await dataListing(lab.hosts.node2)).to.equal(before0);
    });

    it("changing mongo's primary to node3 and re-running moves the data: identical checksums, app on node3, node2 kept as a demoted copy", async () => {
        const datasets = withMongo("node3", appHooks());
        const run = isolated
            ? await volumesOnly(datasets, "move mongo to node3")
            : await lab.runStack(lab.stackConfig({ ...labStackExtras, volumes: { datasets } }), "move mongo to node3 (whole program)");
        expect(volumeFailures(run), describeFailures(run)).to.deep.equal([]);
        const step = mongoStep(run, "node3");
        expect(step?.result, step?.stderr).to.equal("changed");
        const report = JSON.parse(stepPayload(step!.stdout)) as MoveReport;
        expect(report).to.deep.include({ volume: "mongo", from: "node2", to: "node3", epoch: e0 + 1 });

        expect(await dataListing(lab.hosts.node3)).to.equal(before0);
        expect(await zfsState("node3")).to.equal(`yes true ${e0 + 1}`);
        expect(await zfsState("node2")).to.equal(`no false ${e0}`);
        expect((await lab.hosts.node2.sh(`docker ps -aq -f name=^${APP}$`)).stdout.trim(), "no app left on node2").to.equal("");
        await waitForHeartbeats(lab.hosts.node3, 10);
        const gapMs = await maxHeartbeatGapMs(lab.hosts.node3, report.stoppedAt - 5000, report.startedAt + 5000);
        moves.push({ label: "node2 -> node3", report, gapMs });
        // The app was surely down while the final increment was sent and verified; it was up again
        // right after the step started it.
        expect(gapMs, "the app's own heartbeat gap")
            .to.be.at.least(report.finalSendMs + report.verifyMs)
            .and.at.most(report.downtimeMs + 2000);
        expect(report.downtimeMs).to.be.below(60_000);
        expect(report.copyMs, "the 20 MB full copy happened before the app stopped").to.be.greaterThan(0);
    });

    it("re-running with the same primary changes nothing", async () => {
        const again = await volumesOnly(withMongo("node3", appHooks()), "same primary again");
        expect(volumeFailures(again), describeFailures(again)).to.deep.equal([]);
        expect(
            again.changedSteps().filter((s) => s.includes("volumes-")),
            "changed volume steps",
        ).to.deep.equal([]);
        expect((await lab.hosts.node3.sh(`docker inspect -f '{{.State.Running}}' ${APP}`)).stdout.trim()).to.equal("true");
    });

    it("a volume whose primary host left the stack is never re-created empty elsewhere", async () => {
        // A second volume, cache, on node1; then node1 leaves the agents and the config asks for
        // cache on node3, where nobody holds a copy: the other agents remember where it was.
        const cache = { name: "cache", sizeGb: 0.125, primary: "node1" };
        const created = await volumesOnly([...withMongo("node3", appHooks()), cache], "cache on node1");
        expect(volumeFailures(created), describeFailures(created)).to.deep.equal([]);
        const orphan = await lab.run((hosts) => {
            new FlockerZfsCluster("volumes", {
                hosts: hosts.filter((h) => h.name !== "node1"),
                datasets: [...withMongo("node3", appHooks()), { ...cache, primary: "node3" }],
            });
        }, "cache asked on node3 without node1");
        const f = volumeFailures(orphan);
        expect(
            f.map((x) => x.resource.replace(/^.*?volumes-/, "volumes-")),
            describeFailures(orphan),
        ).to.deep.equal(["volumes-node3-dataset-cache"]);
        expect(f[0].message).to.match(/cache was last placed on node1, which does not hold it now .*refusing to create an empty one/);
        expect(await must("node3", "zfs list -H -o name flocker/cache 2>/dev/null || echo none")).to.equal("none");
        // Clean up: back to the mongo-only config with every agent, then drop cache and its records.
        const restored = await volumesOnly(withMongo("node3", appHooks()), "without cache");
        expect(volumeFailures(restored), describeFailures(restored)).to.deep.equal([]);
        // zfs-fuse may still call a just-unmounted filesystem busy: bounded retry (10 s).
        await must("node1", "zfs umount flocker/cache; for i in $(seq 1 40); do zfs destroy -r flocker/cache 2>/dev/null && exit 0; sleep 0.25; done; exit 1");
        for (const h of ["node1", "node2", "node3"]) await must(h, "rm -f /var/lib/microservice/volumes/cache.*");
    });

    it("the first run's config brings it back to node2 (over its old copy), verified, as the first run left it", async () => {
        await lab.hosts.node3.sh(`docker rm -f ${APP} >/dev/null 2>&1 || true`);
        const back = await volumesOnly(base, "back to node2");
        expect(volumeFailures(back), describeFailures(back)).to.deep.equal([]);
        const step = mongoStep(back, "node2");
        expect(step?.result, step?.stderr).to.equal("changed");
        const report = JSON.parse(stepPayload(step!.stdout)) as MoveReport;
        expect(report).to.deep.include({ from: "node3", to: "node2", epoch: e0 + 2 });
        moves.push({ label: "node3 -> node2 (no app)", report, gapMs: 0 });
        expect(await zfsState("node2")).to.equal(`yes true ${e0 + 2}`);
        expect(await zfsState("node3")).to.equal(`no false ${e0 + 1}`);
        expect(await dataListing(lab.hosts.node2)).to.equal(before0);
        expect(await appListing(lab.hosts.node2), "app hook files removed with the app").to.equal("");
    });
});
