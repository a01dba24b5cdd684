// Lab bring-up bench (docs/lab.md). Usage: npx ts-node bench/lab-bringup.ts   (BENCH_RUNS=3, LAB_ID=0)
// Whole-process wall times, median of BENCH_RUNS runs each, written to its own section of bench/results.md:
//   cold     a process that creates the lab from nothing (4 hosts) and runs the whole stack once
//   noop     a process that runs the whole stack again on that converged lab
//   install  only `apt-get update && apt-get install` of the Debian packages the stack installed,
//            on one fresh host (same image, same flags): the floor any provisioning pays
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { Lab } from "../tests/lab/harness";
import { runProc } from "../tests/lab/harness/proc";

const ROOT = path.resolve(__dirname, "..");
const RUNS = Number(process.env.BENCH_RUNS ?? 3);
const ID = process.env.LAB_ID ?? "0";
const IMAGE = process.env.NODE_IMAGE ?? "microservice/node:bookworm";

interface PhaseResult {
    seconds: number;
    ok: boolean;
    detail: string;
}

async function phase(name: "cold" | "noop"): Promise<PhaseResult> {
    const t0 = Date.now();
    const r = await runProc(process.execPath, ["-r", "ts-node/register/transpile-only", path.join(ROOT, "bench/lab-phase.ts"), name], {
        cwd: ROOT,
        env: { ...process.env, LAB_ID: ID, KEEP_LAB: "1" },
        timeoutMs: 40 * 60_000,
    });
    const seconds = (Date.now() - t0) / 1000;
    const last = r.stdout.trim().split("\n").pop() ?? "";
    if (r.code !== 0 || !last.startsWith("{")) throw new Error(`${name} phase failed (exit ${r.code}): ${r.stderr.slice(-2000)}`);
    const s = JSON.parse(last) as { ok: boolean; failures: string[]; steps: number; changed: number };
    const detail = `${s.steps} steps, ${s.changed} changed, failures: ${s.failures.length ? s.failures.join(", ") : "none"}`;
    console.log(`${name}: ${seconds.toFixed(1)} s (${detail})`);
    return { seconds, ok: s.ok, detail };
}

/** Packages the stack asked for on any host: manually installed there and not in the node image. */
async function stackPackages(lab: Lab): Promise<string[]> {
    const base = await runProc("docker", ["run", "--rm", IMAGE, "apt-mark", "showmanual"]);
    if (base.code !== 0) throw new Error(`apt-mark in ${IMAGE} failed: ${base.stderr}`);
    const inImage = new Set(base.stdout.split("\n").filter(Boolean));
    const all = new Set<string>();
    for (const h of Object.values(lab.hosts)) {
        const r = await h.sh("apt-mark showmanual");
        for (const p of r.stdout.split("\n").filter(Boolean)) if (!inImage.has(p)) all.add(p);
    }
    return [...all].sort();
}

async function installOnly(packages: string[]): Promise<PhaseResult> {
    process.env.KEEP_LAB = "0";
    const lab = await Lab.up({ id: ID, hosts: ["node1"] });
    try {
        const t0 = Date.now();
        const r = await lab.hosts.node1.sh(
            `export DEBIAN_FRONTEND=noninteractive; apt-get update -qq && apt-get install -y -qq ${packages.join(" ")} >/dev/null`,
            { timeoutMs: 30 * 60_000 },
        );
        const seconds = (Date.now() - t0) / 1000;
        if (r.code !== 0) throw new Error(`apt-get install failed: ${r.stderr.slice(-2000)}`);
        console.log(`install: ${seconds.toFixed(1)} s`);
        return { seconds, ok: true, detail: `${packages.length} packages` };
    } finally {
        await lab.down();
    }
}

const RESULTS = path.join(ROOT, "bench/results.md");
const BEGIN = "<!-- lab:bringup:begin -->";
const END = "<!-- lab:bringup:end -->";

/** Replaces (or appends) this bench's own section of bench/results.md; other benches own the rest. */
function writeSection(text: string): void {
    const old = fs.existsSync(RESULTS) ? fs.readFileSync(RESULTS, "utf8") : "# Benchmarks\n";
    const section = `${BEGIN}\n${text}\n${END}`;
    const i = old.indexOf(BEGIN);
    const j = old.indexOf(END);
    const next = i >= 0 && j > i ? old.slice(0, i) + section + old.slice(j + END.length) : `${old.trimEnd()}\n\n${section}\n`;
    fs.writeFileSync(RESULTS, next);
}

function median(xs: number[]): number {
    const s = [...xs].sort((a, b) => a - b);
    const m = Math.floor(s.length / 2);
    return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

async function machine(): Promise<string> {
    const docker = (await runProc("docker", ["version", "-f", "{{.Server.Version}}"])).stdout.trim();
    const others = (await runProc("docker", ["ps", "-q"])).stdout.split("\n").filter(Boolean).length;
    return [
        `- date: ${new Date().toISOString()}`,
        `- machine: ${os.cpus().length} cores (${os.cpus()[0]?.model ?? "?"}), ${(os.totalmem() / 2 ** 30).toFixed(1)} GiB, ` +
            `kernel ${os.release()}, Docker ${docker}, Node ${process.version}`,
        `- load when started: ${os
            .loadavg()
            .map((l) => l.toFixed(2))
            .join(" ")} (1/5/15 min), ${others} other containers running`,
    ].join("\n");
}

async function main(): Promise<void> {
    const started = await machine();
    const cold: PhaseResult[] = [];
    const noop: PhaseResult[] = [];
    let packages: string[] = [];
    for (let i = 0; i < RUNS; i++) {
        await Lab.downById(ID);
        cold.push(await phase("cold"));
        noop.push(await phase("noop"));
        if (i === 0) {
            process.env.KEEP_LAB = "1";
            packages = await stackPackages(await Lab.up({ id: ID }));
        }
    }
    await Lab.downById(ID);
    const install: PhaseResult[] = [];
    for (let i = 0; i < RUNS; i++) install.push(await installOnly(packages));

    const row = (name: string, what: string, rs: PhaseResult[]) =>
        `| ${name} | ${what} | ${rs.map((r) => r.seconds.toFixed(1)).join(", ")} | **${median(rs.map((r) => r.seconds)).toFixed(1)}** |`;
    const text = `## Lab bring-up

Command: \`npx ts-node bench/lab-bringup.ts\` (BENCH_RUNS=${RUNS}, LAB_ID=${ID}). Whole-process wall times in seconds;
each cold and no-op time is a separate \`node\` process (start, TypeScript load, lab, run), the install time is the
\`ssh … apt-get\` process.

${started}

| phase | what | runs (s) | median (s) |
|---|---|---|---|
${row("cold", "create 4 hosts from nothing + whole stack run", cold)}
${row("noop", "whole stack run again on the converged lab", noop)}
${row("install", `only apt-get install of the stack's ${packages.length} packages on one fresh host`, install)}

- cold runs: ${cold.map((r) => r.detail).join("; ")}
- no-op runs: ${noop.map((r) => r.detail).join("; ")}
- packages: ${packages.join(" ") || "(none)"}

Failures listed above are the steps that cannot succeed on this machine (Mesos; see docs/lab.md). Other
helpers' labs may have been running at the same time on the same 2 cores (see "load when started").
`;
    writeSection(text.trim());
    console.log(text);
}

main().then(
    () => process.exit(0),
    (e) => {
        console.error(e instanceof Error ? e.stack : e);
        process.exit(1);
    },
);
