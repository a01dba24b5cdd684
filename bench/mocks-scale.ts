/**
 * Scale of the apps layer under Pulumi's mocks: a stack of 100 agents and 1,000 MarathonApps
 * against the same number of bare CustomResources with the same definitions (bench/scale-stack.ts).
 * Each evaluation runs in its own Node process (so peak RSS is its own); time is from the first
 * registration until the mock monitor has seen every one. Medians of RUNS runs are written to bench/results.md (section
 * "apps: MarathonApp at scale under mocks").
 *
 *   npx ts-node --transpile-only bench/mocks-scale.ts            (RUNS=3 APPS=1000 AGENTS=100)
 *
 * Child processes run with --stack-trace-limit=0 (Pulumi captures a stack per resource; with the
 * default limit ts-node's source maps dominate the cost, pulumi/NOTES.md §2).
 */
import { execFileSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import type { CustomResourceOptions, Inputs } from "@pulumi/pulumi";
import * as path from "path";
import type { ScaleMode } from "./scale-stack";

const RUNS = Number(process.env.RUNS ?? 3);
const APPS = Number(process.env.APPS ?? 1000);
const AGENTS = Number(process.env.AGENTS ?? 100);
const RESULTS = path.join(__dirname, "results.md");
const BEGIN = "<!-- apps:mocks-scale:begin -->";
const END = "<!-- apps:mocks-scale:end -->";

interface Sample {
    mode: string;
    ms: number;
    rssMb: number;
    registered: number;
    providerChars: number;
}

/** One evaluation (in this process): `mode` is "marathon" or "bare". */
async function evaluate(mode: string): Promise<Sample> {
    const pulumi = await import("@pulumi/pulumi");
    const command = await import("@pulumi/command");
    let registered = 0;
    let providerChars = 0;
    await pulumi.runtime.setMocks(
        {
            newResource: (args) => {
                registered++;
                if (typeof args.inputs.__provider === "string") providerChars = args.inputs.__provider.length;
                return { id: `${args.name}-id`, state: {} };
            },
            call: (args) => args.inputs,
        },
        "microservice",
        "bench",
        false,
    );
    const { declareScaleStack } = await import("./scale-stack");
    // eslint-disable-next-line @typescript-eslint/no-require-imports -- the SDK's internal module, used untyped (what is used here is not all in its typings)
    const settings = require("@pulumi/pulumi/runtime/settings");
    class Bare extends pulumi.CustomResource {
        constructor(name: string, inputs: Inputs, opts: CustomResourceOptions) {
            super("microservice:bench:Bare", name, inputs, opts);
        }
    }
    const t0 = process.hrtime.bigint();
    declareScaleStack({
        mode: mode as ScaleMode,
        agents: AGENTS,
        apps: APPS,
        access: { url: "http://10.0.15.11:8080", username: "marathon", password: pulumi.secret("bench-password-123") },
        // As a target gives them: each a `ready` step other resources depend on.
        agent: (name, host) => new command.remote.Command(name, { connection: { host }, create: "true" }),
        bare: (name, inputs, opts) => new Bare(name, inputs, opts),
    });
    await settings.waitForRPCs();
    const ms = Number(process.hrtime.bigint() - t0) / 1e6;
    return { mode, ms, rssMb: process.resourceUsage().maxRSS / 1024, registered, providerChars };
}

function median(xs: number[]): number {
    const s = [...xs].sort((a, b) => a - b);
    return s[Math.floor(s.length / 2)];
}

function main(): void {
    const load = os
        .loadavg()
        .map((x: number) => x.toFixed(1))
        .join(" / ");
    const samples: Record<string, Sample[]> = { bare: [], marathon: [] };
    for (let r = 0; r < RUNS; r++) {
        for (const mode of ["bare", "marathon"]) {
            const out = execFileSync(process.execPath, ["--stack-trace-limit=0", "-r", "ts-node/register/transpile-only", __filename, "--child", mode], {
                cwd: path.join(__dirname, ".."),
                env: { ...process.env, APPS: String(APPS), AGENTS: String(AGENTS) },
                maxBuffer: 1 << 24,
            }).toString();
            const s = JSON.parse(out.trim().split("\n").pop()!) as Sample;
            samples[mode].push(s);
            console.log(`run ${r + 1} ${mode}: ${s.ms.toFixed(0)} ms, peak RSS ${s.rssMb.toFixed(0)} MB, ${s.registered} registered`);
        }
    }
    const row = (mode: string, label: string) => {
        const xs = samples[mode];
        const ms = median(xs.map((x) => x.ms));
        const rssMb = median(xs.map((x) => x.rssMb));
        return `| ${label} | ${xs[0].registered} | ${ms.toFixed(0)} | ${(ms / APPS).toFixed(2)} | ${rssMb.toFixed(0)} |`;
    };
    const m = samples.marathon;
    const b = samples.bare;
    const timeRatio = median(m.map((x) => x.ms)) / median(b.map((x) => x.ms));
    const extraRssMb = median(m.map((x) => x.rssMb)) - median(b.map((x) => x.rssMb));
    const section = [
        BEGIN,
        "## apps: MarathonApp at scale under mocks",
        "",
        `${AGENTS} agents (a remote command each) and ${APPS} apps, each app depending on one agent; medians of ${RUNS} runs, each evaluation in its own`,
        "Node process with `--stack-trace-limit=0` (ts-node transpile-only), on this machine (2 cores). Command:",
        "`npx ts-node --transpile-only bench/mocks-scale.ts`. Time: first registration until the mock monitor has seen every",
        "resource (`waitForRPCs`); memory: the process's peak RSS.",
        `Load average (1/5/15 min) when the bench started: ${load} (other sessions' labs were running; the ratio matters more than the absolute times).`,
        "",
        "| resources | registered | time (ms) | ms per app | peak RSS (MB) |",
        "|---|---|---|---|---|",
        row("bare", `${APPS} bare CustomResources (same definition and access as inputs)`),
        row("marathon", `${APPS} MarathonApps (dynamic resources)`),
        "",
        `MarathonApp costs ${timeRatio.toFixed(1)}x the time and ${extraRssMb.toFixed(0)} MB more peak memory than a bare resource:`,
        `its constructor validates the args (zod) and the definition (Marathon's schema, ajv, compiled once), and every`,
        `registration carries the serialized provider (\`__provider\`, ${m[0].providerChars} characters, serialized once and cached),`,
        `which also lands in each app's state: about ${((m[0].providerChars * APPS) / 1e6).toFixed(0)} MB of state for ${APPS} apps.`,
        END,
    ].join("\n");
    const old = fs.existsSync(RESULTS) ? fs.readFileSync(RESULTS, "utf8") : "# Benchmarks\n";
    const next = old.includes(BEGIN)
        ? old.slice(0, old.indexOf(BEGIN)) + section + old.slice(old.indexOf(END) + END.length)
        : `${old.trimEnd()}\n\n${section}\n`;
    fs.writeFileSync(RESULTS, next);
    console.log(section);
}

if (process.argv.includes("--child")) {
    evaluate(process.argv[process.argv.indexOf("--child") + 1]).then(
        (s) => {
            console.log(JSON.stringify(s));
            process.exit(0);
        },
        (e) => {
            console.error(e);
            process.exit(1);
        },
    );
} else {
    main();
}
