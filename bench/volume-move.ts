/**
 * Measures the downtime of moving a ZFS volume between lab hosts with its app running (zfs-fuse in
 * containers as hosts: see docs/volumes.md), and writes the "Volume move" section of
 * bench/results.md (only that section, and in it only the table of the measured data size).
 *
 *   LAB_ID=5 [BENCH_VOLUME_MB=20] npx ts-node bench/volume-move.ts [moves=6]
 *
 * The lab (Docker + FlockerZfsCluster only) is created, or reused with KEEP_LAB=1, and removed at
 * the end unless KEEP_LAB=1. Each move: the program runs with the other primary; downtime is read
 * from the move's own clock (app stop requested -> app started on the target) and from the largest
 * gap in the app's heartbeat file (a timestamp every 50 ms).
 */
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { Lab } from "../tests/lab/harness";
import { stepPayload } from "../components/provision";
import { DockerEngine } from "../components/docker";
import { FlockerZfsCluster } from "../components/volumes";
import { APP, appHooks, dataListing, IMAGE, maxHeartbeatGapMs, MoveReport, startApp, waitForHeartbeats, writeData } from "./volume-move.scenario";

const RESULTS = path.join(__dirname, "results.md");
const HEADING = "## Volume move";
const BEGIN = "<!-- volumes:volume-move:begin -->";
const END = "<!-- volumes:volume-move:end -->";
/** One table per data size inside the section: a run replaces only its own size's table. */
const sizeBegin = (mb: number) => `<!-- volumes:volume-move:${mb}mb:begin -->`;
const sizeEnd = (mb: number) => `<!-- volumes:volume-move:${mb}mb:end -->`;
/** The issue's goal: downtime at most this much more than the final increment. */
const GOAL_MS = 2000;

interface Row {
    from: string;
    to: string;
    report: MoveReport;
    gapMs: number;
    identical: boolean;
}

async function main(): Promise<void> {
    const moves = Number(process.argv[2] ?? 6);
    const mb = Number(process.env.BENCH_VOLUME_MB ?? 20);
    if (!Number.isInteger(mb) || mb < 1) throw new Error(`BENCH_VOLUME_MB must be a whole number of MB >= 1, got "${process.env.BENCH_VOLUME_MB}"`);
    const loadStart = fs.readFileSync("/proc/loadavg", "utf8").trim();
    const lab = await Lab.up({ hosts: ["mgmt", "node1", "node2", "node3"] });
    try {
        // The quota holds the data twice over (the source keeps the move's snapshots); the pool is a 10 GB sparse file.
        const sizeGb = Math.max(1, Math.ceil((2 * mb) / 1024));
        const dataset = (primary: string, app = true) => [{ name: "mongo", sizeGb, primary, ...(app ? { app: appHooks() } : {}) }];
        // Set up without the app: its image is loaded once Docker runs (a fresh volume would start it at once). A reused
        // lab may have it running where an odd number of moves left it: stopped first, or the move back would (rightly) not verify.
        await Promise.all(["node2", "node3"].map((h) => lab.hosts[h].sh(`docker rm -f ${APP} >/dev/null 2>&1 || true`)));
        const setup = await lab.run((hosts) => {
            const docker = new DockerEngine("docker", { hosts });
            new FlockerZfsCluster("volumes", {
                hosts,
                datasets: dataset("node2", false),
                hostReady: docker.hostReady,
            });
        }, "bench set-up");
        if (!setup.ok) throw new Error(`set-up failed: ${setup.failures.map((f) => `${f.resource}: ${f.message}`).join("; ")}`);
        // Wherever an earlier run left it, start from node2 with fresh data and the app running.
        await Promise.all(["node2", "node3"].map((h) => lab.loadImage(h, IMAGE)));
        await writeData(lab.hosts.node2, undefined, mb);
        const listing = await dataListing(lab.hosts.node2);
        await startApp(lab.hosts.node2);
        await waitForHeartbeats(lab.hosts.node2, 10);

        const rows: Row[] = [];
        let at = "node2";
        for (let i = 0; i < moves; i++) {
            const to = at === "node2" ? "node3" : "node2";
            const run = await lab.run(
                (hosts) => {
                    new FlockerZfsCluster("volumes", { hosts, datasets: dataset(to) });
                },
                `move ${i + 1}: ${at} -> ${to}`,
            );
            const step = run.steps.find((s) => s.resource.endsWith(`volumes-${to}-dataset-mongo`));
            if (!run.ok || step?.result !== "changed") throw new Error(`move ${i + 1} failed: ${run.failures.map((f) => f.message).join("; ")}`);
            const report = JSON.parse(stepPayload(step.stdout)) as MoveReport;
            await waitForHeartbeats(lab.hosts[to], 10);
            const gapMs = await maxHeartbeatGapMs(lab.hosts[to], report.stoppedAt - 5000, report.startedAt + 5000);
            const identical = (await dataListing(lab.hosts[to])) === listing;
            rows.push({ from: at, to, report, gapMs, identical });
            console.log(
                `move ${i + 1} ${at} -> ${to}: downtime ${report.downtimeMs} ms (final increment ${report.finalSendMs} ms, verify ${report.verifyMs} ms), ` +
                    `heartbeat gap ${gapMs} ms, identical ${identical}`,
            );
            at = to;
        }
        const loadEnd = fs.readFileSync("/proc/loadavg", "utf8").trim();
        const doc = fs.existsSync(RESULTS) ? fs.readFileSync(RESULTS, "utf8") : "# Benchmarks\n";
        fs.writeFileSync(RESULTS, withSection(doc, section(doc, mb, sizeTable(mb, rows, loadStart, loadEnd))));
        console.log(`wrote the "${HEADING.slice(3)}" section of ${path.relative(process.cwd(), RESULTS)}`);
    } finally {
        if (process.env.KEEP_LAB !== "1") await lab.down();
    }
}

const stats = (xs: number[]) => {
    const s = [...xs].sort((a, b) => a - b);
    return `median ${s[Math.floor(s.length / 2)]} ms, min ${s[0]} ms, max ${s[s.length - 1]} ms`;
};

/** The table of one data size (between its own markers). */
export function sizeTable(mb: number, rows: Row[], loadStart: string, loadEnd: string): string {
    const within = rows.filter((r) => r.report.downtimeMs <= GOAL_MS + r.report.finalSendMs).length;
    return [
        sizeBegin(mb),
        `### ${mb} MB`,
        "",
        `Measured ${new Date().toISOString().slice(0, 16).replace("T", " ")} UTC on ${os.cpus().length} cores, ${Math.round(os.totalmem() / 2 ** 30)} GiB, ` +
            `${os.type()} ${os.release()}; \`/proc/loadavg\` at the start \`${loadStart}\`, at the end \`${loadEnd}\` (other jobs share the machine).`,
        `Command: \`LAB_ID=5 BENCH_VOLUME_MB=${mb} npx ts-node --transpile-only bench/volume-move.ts ${rows.length}\`; ` +
            `the volume holds ${mb} MB of random data + 40 small files.`,
        "",
        "| # | move | full copy (app running) | stop | final increment | verify | start | downtime | downtime - final increment | heartbeat gap | checksums |",
        "|---|---|---|---|---|---|---|---|---|---|---|",
        ...rows.map(
            (r, i) =>
                `| ${i + 1} | ${r.from} -> ${r.to} | ${r.report.copyMs} ms | ${r.report.stopMs} ms | ${r.report.finalSendMs} ms | ` +
                `${r.report.verifyMs} ms | ${r.report.startMs} ms | ${r.report.downtimeMs} ms | ${r.report.downtimeMs - r.report.finalSendMs} ms | ` +
                `${r.gapMs} ms | ${r.identical ? "identical" : "DIFFERENT"} |`,
        ),
        "",
        `Downtime: ${stats(rows.map((r) => r.report.downtimeMs))}. Final increment: ${stats(rows.map((r) => r.report.finalSendMs))}. ` +
            `Verify: ${stats(rows.map((r) => r.report.verifyMs))}. Heartbeat gap: ${stats(rows.map((r) => r.gapMs))}. ` +
            `Downtime <= ${GOAL_MS / 1000} s + final increment: ${within} of ${rows.length} moves.`,
        sizeEnd(mb),
    ].join("\n");
}

/** The whole section: the common description, then every size's table (this run's replaced, the others kept), smallest first. */
export function section(doc: string, mb: number, table: string): string {
    const tables = new Map<number, string>();
    const start = doc.indexOf(BEGIN);
    const end = doc.indexOf(END);
    const old = start >= 0 && end > start ? doc.slice(start, end) : "";
    const sized = /<!-- volumes:volume-move:(\d+)mb:begin -->[\s\S]*?<!-- volumes:volume-move:\1mb:end -->/g;
    for (const m of old.matchAll(sized)) tables.set(Number(m[1]), m[0]);
    tables.set(mb, table);
    const lines = [
        BEGIN,
        HEADING,
        "",
        "Hosts are containers (tests/lab harness), ZFS is zfs-fuse 0.7 (pool v23) on a 10 GB sparse file per agent; the app is a",
        "container appending a timestamp every 50 ms, stopped and started by the move's hooks. Downtime = app stop requested -> app",
        "started on the target (the move's own clock); heartbeat gap = the largest gap in the app's own file around the move.",
        `Goal (issue 15): downtime at most ${GOAL_MS / 1000} s plus the final increment, whatever the volume's size.`,
        "",
        ...[...tables.entries()].sort(([a], [b]) => a - b).flatMap(([, t]) => [t, ""]),
        END,
        "",
    ];
    return lines.join("\n");
}

/** Replaces (or appends) this benchmark's section (between its markers), leaving every other section as it is. */
export function withSection(doc: string, text: string): string {
    const start = doc.indexOf(BEGIN);
    const end = doc.indexOf(END);
    if (start < 0 || end < 0) return `${doc.trimEnd()}\n\n${text}`;
    return doc.slice(0, start) + text.trimEnd() + doc.slice(end + END.length);
}

if (require.main === module) {
    main().catch((e) => {
        console.error(e);
        process.exit(1);
    });
}
