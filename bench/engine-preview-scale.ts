/**
 * Scale of the apps layer under the real Pulumi engine: `pulumi preview` on an empty stack (the CLI of
 * scripts/pulumi-cli.sh through the Automation API, file backend: tests/lab/engine/engine.ts) of the
 * stack of bench/scale-stack.ts, program bench/engine-preview-scale.program.ts, each case in its own
 * stack and temp dir. Medians of RUNS previews per case, the cases taking turns, written to
 * bench/results.md (section "apps: MarathonApp at scale, engine preview"). Nothing needs Docker or
 * the network.
 *
 *   npx ts-node --transpile-only bench/engine-preview-scale.ts        (RUNS=3 APPS=1000 AGENTS=100)
 *
 * Marathon's URL is a local port this bench listens on, counting connections: a preview of creates
 * calls the providers' `check` only, so it must see none.
 */
import * as fs from "fs";
import * as net from "net";
import * as os from "os";
import * as path from "path";
import { EngineStack, ROOT } from "../tests/lab/engine/engine";
import type { ScaleMode } from "./scale-stack";

const RUNS = Number(process.env.RUNS ?? 3);
const APPS = Number(process.env.APPS ?? 1000);
const AGENTS = Number(process.env.AGENTS ?? 100);
const RESULTS = path.join(ROOT, "bench/results.md");
const BEGIN = "<!-- engine-preview-scale:begin -->";
const END = "<!-- engine-preview-scale:end -->";

interface Case {
    key: string;
    label: string;
    mode: ScaleMode;
    agents: number;
    apps: number;
    /** The smaller case of the same kind: what this one adds over it is its marginal cost. */
    base: string;
}

const scaled = (f: number) => ({ agents: Math.ceil(AGENTS * f), apps: Math.ceil(APPS * f) });
const CASES = (
    [
        { key: "empty", label: "empty program", mode: "bare", agents: 0, apps: 0, base: "empty" },
        { key: "small", label: "(c) %a agents + %p MarathonApps", mode: "marathon", ...scaled(0.1), base: "empty" },
        { key: "smallBare", label: "%a agents + %p bare resources", mode: "bare", ...scaled(0.1), base: "empty" },
        { key: "half", label: "%a agents + %p MarathonApps", mode: "marathon", ...scaled(0.5), base: "small" },
        { key: "marathon", label: "(a) %a agents + %p MarathonApps", mode: "marathon", ...scaled(1), base: "half" },
        { key: "bare", label: "(b) %a agents + %p bare resources", mode: "bare", ...scaled(1), base: "smallBare" },
    ] as Case[]
).map((c) => ({ ...c, label: c.label.replace("%a", String(c.agents)).replace("%p", String(c.apps)) }));
const byKey = new Map(CASES.map((c) => [c.key, c]));

/** A program dir for EngineStack: an index.ts that loads the bench program, the repo's tsconfig and node_modules. */
function programRoot(): string {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "preview-scale-program-"));
    fs.writeFileSync(path.join(dir, "index.ts"), `import ${JSON.stringify(path.join(ROOT, "bench/engine-preview-scale.program"))};\n`);
    fs.writeFileSync(path.join(dir, "tsconfig.json"), JSON.stringify({ extends: path.join(ROOT, "tsconfig.json") }));
    fs.symlinkSync(fs.realpathSync(path.join(ROOT, "node_modules")), path.join(dir, "node_modules"));
    return dir;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const load = () =>
    os
        .loadavg()
        .map((x) => x.toFixed(1))
        .join(" / ");

async function main(): Promise<void> {
    const loadAtStart = load();
    let connections = 0;
    const marathon = net.createServer((socket) => {
        connections++;
        socket.destroy();
    });
    await new Promise<void>((resolve) => marathon.listen(0, "127.0.0.1", resolve));
    const marathonUrl = `http://127.0.0.1:${(marathon.address() as net.AddressInfo).port}`;
    const program = programRoot();
    const stacks = new Map<string, EngineStack>();
    const seconds = new Map<string, number[]>(CASES.map((c) => [c.key, []]));
    const created = new Map<string, number>();
    try {
        for (const c of CASES)
            stacks.set(c.key, await EngineStack.create(`scale-${c.key}`, { mode: c.mode, agents: c.agents, apps: c.apps, marathonUrl }, {}, program));
        for (let r = 0; r < RUNS; r++) {
            for (const c of CASES) {
                const p = await stacks.get(c.key)!.preview();
                // The stack resource is among the creates.
                if (p.created !== c.agents + c.apps + 1)
                    throw new Error(`${c.key}: preview would create ${p.created} resources, expected ${c.agents + c.apps + 1}`);
                created.set(c.key, p.created);
                seconds.get(c.key)!.push(p.seconds);
            }
        }
    } finally {
        for (const s of stacks.values()) s.dispose();
        fs.rmSync(program, { recursive: true, force: true });
        marathon.close();
    }
    const t = (key: string) => median(seconds.get(key)!);
    const size = (key: string) => byKey.get(key)!.agents + byKey.get(key)!.apps;
    /** ms per resource this case adds over its base case. */
    const marginal = (c: Case) => (1000 * (t(c.key) - t(c.base))) / (size(c.key) - size(c.base));
    const row = (c: Case) => {
        const runs = seconds.get(c.key)!.map((x) => x.toFixed(1));
        const added = c.apps ? `${marginal(c).toFixed(1)} (over ${byKey.get(c.base)!.label})` : "-";
        return `| ${c.label} | ${created.get(c.key)} | ${runs.join(", ")} | ${t(c.key).toFixed(1)} | ${(t(c.key) - t("empty")).toFixed(1)} | ${added} |`;
    };
    const ratio = t("marathon") / t("bare");
    const netRatio = (t("marathon") - t("empty")) / (t("bare") - t("empty"));
    const marginalRatio = (t("marathon") - t("small")) / (t("bare") - t("smallBare"));
    const steps = ["small", "half", "marathon"].map((k) => marginal(byKey.get(k)!));
    const linear = steps.every((x, k) => k === 0 || x <= steps[k - 1]);
    const section = [
        BEGIN,
        "## apps: MarathonApp at scale, engine preview",
        "",
        `\`npx ts-node --transpile-only bench/engine-preview-scale.ts\` (RUNS=${RUNS}), ${new Date().toISOString().slice(0, 10)}, ` +
            `on ${os.cpus().length} cores, ${(os.totalmem() / 2 ** 30).toFixed(0)} GiB; load (1/5/15 min) ${loadAtStart} at the start, ${load()} at the end.`,
        "`pulumi preview` of an empty stack through the real CLI (v3.248.0 built from tools/pulumi, Automation API, file backend),",
        "the program run by the Node language host as the project runs it (ts-node transpile-only, default stack trace limit).",
        "Agents are exec RemoteCommands (dynamic); the bare resources are a dynamic resource whose provider has no `check`,",
        "with the inputs a MarathonApp hands its provider (definition and access); each app depends on one agent",
        "(bench/scale-stack.ts, as the mocks bench). Time: the whole `preview` call, CLI start included. The empty program's",
        "time is the fixed part: CLI, language host, ts-node and the program's modules. The first resources add another: the",
        "dynamic provider host's start, with ts-node and the providers' modules in it; so the cost per resource is that of",
        "the resources a case adds over a smaller case of its kind.",
        "",
        "| case | creates in the preview (with the stack) | previews (s) | median (s) | less the empty program (s) | ms per resource added |",
        "|---|---|---|---|---|---|",
        ...CASES.map(row),
        "",
        `Against the goal of at most 3x the time of bare resources: (a) takes ${ratio.toFixed(2)}x the time of (b) whole, ` +
            `${netRatio.toFixed(2)}x less the empty program and ${marginalRatio.toFixed(2)}x per resource added from ${byKey.get("small")!.apps} ` +
            `to ${APPS} apps: ${Math.max(ratio, netRatio, marginalRatio) <= 3 ? "within it" : "over it"}. The time per MarathonApp-case resource added is ` +
            `${steps.map((x) => `${x.toFixed(1)} ms`).join(", then ")} (the first with the provider host's start): ` +
            `${linear ? "it does not grow with the stack, so the preview grows at most linearly" : "it grows with the stack"}. ` +
            "Over the mocks bench, the engine adds every resource's `check` in the provider host (MarathonApp's validates the definition " +
            "against Marathon's schema once more; the bare provider has none) and runs the program with Node's default stack trace limit. " +
            `Nothing reached Marathon (${connections} connections to its URL). Other sessions' work ran alongside (the load above; the ` +
            "spread of a case's previews): the ratios are rough. State per MarathonApp after an `up` is not measured here (it needs a " +
            "Marathon): the mocks bench above gives its serialized provider, ~850 characters per app (~1 MB per 1,000 apps), on top of " +
            "its inputs and outputs.",
        END,
    ].join("\n");
    const old = fs.readFileSync(RESULTS, "utf8");
    const i = old.indexOf(BEGIN);
    const j = old.indexOf(END);
    fs.writeFileSync(RESULTS, i >= 0 && j > i ? old.slice(0, i) + section + old.slice(j + END.length) : `${old.trimEnd()}\n\n${section}\n`);
    console.log(section);
}

main().catch((e) => {
    console.error(e);
    process.exit(1);
});
