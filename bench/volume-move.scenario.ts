import { DatasetSettings } from "../components/volumes/settings";

/**
 * The lab's stand-in for the app that uses the `mongo` volume (shared by tests/lab/40-volumes and
 * bench/volume-move): a container that appends a millisecond timestamp to /data/heartbeat every
 * 50 ms and exits at once on SIGTERM, so that the gaps in its file show when it was not running.
 */
export const IMAGE = "microservice/debian-minbase:bookworm";
export const APP = "vol-app-mongo";
const LOOP = `trap "exit 0" TERM; while :; do date +%s%3N >> /data/heartbeat; sleep 0.05 & wait $!; done`;

export interface Shell {
    name: string;
    sh(cmd: string, opts?: { input?: string; timeoutMs?: number }): Promise<{ code: number; stdout: string; stderr: string }>;
}

/** What the move step prints (flocker-volume's report). */
export interface MoveReport {
    volume: string;
    from: string;
    to: string;
    epoch: number;
    copyMs: number;
    stopMs: number;
    finalSendMs: number;
    verifyMs: number;
    startMs: number;
    downtimeMs: number;
    stoppedAt: number;
    startedAt: number;
}

const START = `docker rm -f ${APP} >/dev/null 2>&1 || true
docker run -d --name ${APP} -v "$VOLUME_PATH:/data" ${IMAGE} bash -c '${LOOP}' >/dev/null`;

/**
 * The move's hooks for the stand-in. `lateWriter`: the stop hook returns while something still
 * writes into the volume for 10 s (an app that did not really stop), which the move's verification
 * must catch.
 */
export function appHooks(o: { lateWriter?: boolean } = {}): NonNullable<DatasetSettings["app"]> {
    const late = o.lateWriter
        ? `\nsetsid bash -c 'for i in $(seq 1 100); do echo $i >> "$0/db/late-write"; sleep 0.1; done' "$VOLUME_PATH" >/dev/null 2>&1 </dev/null &`
        : "";
    return {
        kind: "command",
        stop: `if docker inspect ${APP} >/dev/null 2>&1; then docker stop -t 10 ${APP} >/dev/null; docker rm ${APP} >/dev/null; fi${late}`,
        start: START,
    };
}

async function must(host: Shell, cmd: string, timeoutMs = 120_000): Promise<string> {
    const r = await host.sh(cmd, { timeoutMs });
    if (r.code !== 0) throw new Error(`${host.name}: ${cmd.split("\n")[0]}: exit ${r.code}: ${r.stderr.trim()}`);
    return r.stdout;
}

export async function startApp(host: Shell, volumePath = "/flocker/mongo"): Promise<void> {
    await must(host, `export VOLUME_PATH=${volumePath}\n${START}`);
}

// The data script, run in a container with the volume at /data.
const writeDataScript = (mb: number) =>
    [
        "rm -rf /data/db /data/heartbeat",
        "mkdir -p /data/db",
        `head -c ${mb * 1048576} /dev/urandom > /data/db/blob`,
        "for i in $(seq 1 40); do head -c $((i * 1000)) /dev/urandom > /data/db/small-$i; done",
    ].join(" && ");

/** `mb` MB (default 20) of random data and 40 small files, written through a container into the volume. */
export async function writeData(host: Shell, volumePath = "/flocker/mongo", mb = 20): Promise<void> {
    if (!Number.isInteger(mb) || mb < 1) throw new Error(`data size must be a whole number of MB >= 1, got ${mb}`);
    await must(host, `docker run --rm -v ${volumePath}:/data ${IMAGE} bash -c '${writeDataScript(mb)}'`, 120_000 + mb * 1000);
}

/** sha256 of every file the data container wrote (the heartbeat is the app's, not compared). */
export async function dataListing(host: Shell, volumePath = "/flocker/mongo"): Promise<string> {
    return (await must(host, `cd ${volumePath}/db && find . -type f -print0 | LC_ALL=C sort -z | xargs -0 sha256sum`)).trim();
}

/** Polls (bounded: 15 s) until the app has written `n` more heartbeats on this host. */
export async function waitForHeartbeats(host: Shell, n: number, volumePath = "/flocker/mongo"): Promise<void> {
    const count = async () => Number((await host.sh(`wc -l < ${volumePath}/heartbeat 2>/dev/null || echo 0`)).stdout.trim()) || 0;
    const start = await count();
    const deadline = Date.now() + 15_000;
    while ((await count()) < start + n) {
        if (Date.now() > deadline) throw new Error(`${host.name}: the app wrote fewer than ${n} heartbeats in 15 s`);
        await new Promise((r) => setTimeout(r, 200));
    }
}

/** Largest gap between consecutive heartbeats within [from, to] (ms since the epoch). */
export async function maxHeartbeatGapMs(host: Shell, from: number, to: number, volumePath = "/flocker/mongo"): Promise<number> {
    const beats = (await must(host, `cat ${volumePath}/heartbeat`))
        .split("\n")
        .map(Number)
        .filter((t) => t >= from && t <= to);
    let gap = 0;
    for (let i = 1; i < beats.length; i++) gap = Math.max(gap, beats[i] - beats[i - 1]);
    return gap;
}

/** The hook files on a host (none once no dataset has an app). */
export async function appListing(host: Shell): Promise<string> {
    return (await must(host, "ls -A /etc/microservice/volumes/apps")).trim();
}
