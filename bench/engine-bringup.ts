// Engine bring-up bench (docs/lab.md, docs/engine.md). Usage: npx ts-node bench/engine-bringup.ts   (LAB_ID=11)
// With the real Pulumi engine (scripts/pulumi-cli.sh, built from Go modules unless told otherwise), on
// the local target with the lab's Mesos/Marathon doubles, one after the other:
//   cli      building the CLI from the pinned Go modules into a fresh dir (module cache as it is)
//   preview  `pulumi preview` of the new stack
//   cold     `pulumi up` from nothing (host containers included)
//   noop     `pulumi up` again on the converged stack (goal: at most 10% of cold)
//   install  only `apt-get install` of the busiest host's packages (those the stack installed there,
//            not in the node image) in a fresh container of the node image (goal: cold at most 1.5x)
//   destroy  `pulumi destroy`
// With BENCH_BAKE=1, then the same stack with hosts.local.bakePackages on (a stack of its own):
//   bake     making the baked node image (one time: reused by every stack, so not part of its cold up)
//   cold     `pulumi up` from nothing on the baked image (the bake's command finds the image), then destroy,
//            then an install only again: BENCH_BAKED_RUNS rounds (default 3), the ratio of the medians
// Written to its own section of bench/results.md with the machine, its load and the date.
import { execFileSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { DoublesRegistry } from "../tests/lab/engine/doubles";
import { breakdown, EngineStack } from "../tests/lab/engine/engine";
import { engineHosts, enginePrefix, engineStackConfig } from "../tests/lab/engine/config";
import { platformConfigSchema } from "../config/schema";
import { stackPackages } from "../stack/packages";
import { packageUnion } from "../components/provision";
import { bakeImage } from "../components/hosts/local/docker-cli";
import { BAKE_INSIDE, bakedImageTag } from "../components/hosts/local/hosts";

const ROOT = path.resolve(__dirname, "..");
const ID = Number(process.env.LAB_ID ?? 11);
const RESULTS = path.join(ROOT, "bench/results.md");
const BEGIN = "<!-- engine-bringup:begin -->";
const END = "<!-- engine-bringup:end -->";

function timeCliBuild(): number {
    const out = fs.mkdtempSync(path.join(os.tmpdir(), "pulumi-cli-bench-"));
    const t0 = Date.now();
    execFileSync("bash", [path.join(ROOT, "tools/pulumi/build.sh"), out, path.join(ROOT, "node_modules/@pulumi/pulumi")], { stdio: "inherit" });
    fs.rmSync(out, { recursive: true, force: true });
    return (Date.now() - t0) / 1000;
}

const NODE_IMAGE = "microservice/node:bookworm";
const docker = (...args: string[]) => execFileSync("docker", args, { stdio: ["ignore", "pipe", "pipe"], maxBuffer: 1 << 24 }).toString();
const lines = (s: string) => s.split("\n").filter(Boolean);

/** The host with the most packages the stack installed (apt's manual marks, less the node image's). */
function busiestHost(prefix: string, hosts: string[]): { host: string; packages: string[] } {
    const inImage = new Set(lines(docker("run", "--rm", "--entrypoint", "apt-mark", NODE_IMAGE, "showmanual")));
    const per = hosts.map((host) => ({
        host,
        packages: lines(docker("exec", `${prefix}-${host}`, "apt-mark", "showmanual"))
            .filter((p) => !inImage.has(p))
            .sort(),
    }));
    return per.sort((a, b) => b.packages.length - a.packages.length)[0];
}

/** Seconds for `apt-get update && apt-get install` of `packages` in a fresh container of the node image. */
function timeInstallOnly(packages: string[]): number {
    const t0 = Date.now();
    docker(
        "run",
        "--rm",
        "--entrypoint",
        "bash",
        NODE_IMAGE,
        "-c",
        `export DEBIAN_FRONTEND=noninteractive; apt-get update -qq && apt-get install -y -qq --no-install-recommends ${packages.join(" ")} >/dev/null`,
    );
    return (Date.now() - t0) / 1000;
}

/**
 * The baked image as the stack makes it (LocalHosts: the union of stack/packages.ts over the hosts, the
 * bake command of docker-cli.ts), made anew and timed: an image of that tag is removed first.
 */
function timeBake(config: Record<string, unknown>): { seconds: number; tag: string; packages: string[] } {
    const cfg = platformConfigSchema.parse(config);
    const packages = packageUnion(...cfg.hosts.map((h) => stackPackages(cfg, cfg.hosts, h)));
    const id = docker("image", "inspect", "-f", "{{.Id}}", NODE_IMAGE).trim();
    const tag = bakedImageTag(NODE_IMAGE, id, packages);
    execFileSync("bash", ["-c", 'docker image rm "$1" >/dev/null 2>&1 || true', "-", tag]);
    const t0 = Date.now();
    execFileSync("bash", ["-c", bakeImage], {
        env: { ...process.env, IMAGE: id, BAKED: tag, PACKAGES: packages.join(" "), INSIDE: BAKE_INSIDE },
        stdio: ["ignore", "ignore", "inherit"],
    });
    return { seconds: (Date.now() - t0) / 1000, tag, packages };
}

/**
 * On the baked hosts: whether apt-get ran this boot (the step runtime's stamp under /run says so) and
 * which of the packages' services run, per host.
 */
function bakedHostsState(prefix: string, hosts: string[]): string {
    const services = ["docker", "rsyslog", "zookeeper", "docker-registry"];
    return hosts
        .map((h) => {
            const state = docker(
                "exec",
                `${prefix}-${h}`,
                "bash",
                "-c",
                `if [ -e /run/microservice/apt-updated ]; then echo -n "apt ran"; else echo -n "no apt"; fi; ` +
                    `for s in ${services.join(" ")}; do if systemctl is-active -q $s; then echo -n " $s"; fi; done`,
            );
            return `${h}: ${state.trim()}`;
        })
        .join("; ");
}

/**
 * The cold up's breakdown (docs/lab.md): per layer and per host, when its first resource began and
 * its last ended, and how long its host commands ran, summed (a host's steps take turns on its lock).
 */
function whereTheTimeWent(steps: Parameters<typeof breakdown>[0]): string[] {
    const { layers, hosts } = breakdown(steps);
    const row = (x: (typeof layers)[number]) => `| ${x.key} | ${x.begin.toFixed(0)} s | ${x.end.toFixed(0)} s | ${x.commands.toFixed(0)} s |`;
    return [
        "Where the cold up's time went (seconds from its start; host command time summed):",
        "",
        "| layer or host | first began | last ended | commands |",
        "|---|---|---|---|",
        ...layers.map(row),
        ...hosts.map(row),
    ];
}

async function main(): Promise<void> {
    const load = os.loadavg()[0].toFixed(1);
    const cli = process.env.BENCH_SKIP_CLI === "1" ? undefined : timeCliBuild();
    const doubles = new DoublesRegistry(`10.1.${ID}.1`, 15000 + ID);
    await doubles.start();
    const config = engineStackConfig(ID, doubles.address, doubles.pushDouble());
    const s = await EngineStack.create(`bench${ID}`, config);
    try {
        const preview = await s.preview();
        const cold = await s.up();
        const noop = await s.up();
        const busiest = busiestHost(
            enginePrefix(ID),
            engineHosts(ID).map((h) => h.name),
        );
        const install = timeInstallOnly(busiest.packages);
        const destroy = await s.destroy();
        const baked = process.env.BENCH_BAKE === "1" ? await bakedRun(config, busiest.packages, install) : undefined;
        const rows = [
            ["CLI build from Go modules", cli === undefined ? "skipped" : `${cli.toFixed(0)} s`],
            ["preview of the new stack", `${preview.seconds.toFixed(1)} s (${preview.created} resources)`],
            ["cold up", `${cold.seconds.toFixed(1)} s (${cold.created} created)`],
            [
                "no-op up",
                `${noop.seconds.toFixed(1)} s (${noop.unchanged} unchanged), ${((100 * noop.seconds) / cold.seconds).toFixed(1)}% of cold (goal <= 10%)`,
            ],
            [
                "install only",
                `${install.toFixed(1)} s (${busiest.host}'s ${busiest.packages.length} packages: ${busiest.packages.join(" ")}); ` +
                    `cold is ${(cold.seconds / install).toFixed(2)}x (goal <= 1.5x)`,
            ],
            ["destroy", `${destroy.seconds.toFixed(1)} s (${destroy.deleted} deleted)`],
            ...(baked?.rows ?? []),
        ];
        const text = [
            "## Engine bring-up (real Pulumi engine, local target, Mesos/Marathon doubles)",
            "",
            `\`${process.env.BENCH_BAKE === "1" ? "BENCH_BAKE=1 " : ""}npx ts-node bench/engine-bringup.ts\` on ${os.cpus().length} cores, ` +
                `${(os.totalmem() / 2 ** 30).toFixed(0)} GiB, load ${load} at the start, ${os.loadavg()[0].toFixed(1)} at the end, ` +
                `${new Date().toISOString().slice(0, 10)}.`,
            "",
            "| phase | time |",
            "|---|---|",
            ...rows.map(([a, b]) => `| ${a} | ${b} |`),
            "",
            ...whereTheTimeWent(cold.steps),
            ...(baked ? ["", "With the packages baked (hosts.local.bakePackages), its first run:", "", ...whereTheTimeWent(baked.steps)] : []),
        ].join("\n");
        const old = fs.existsSync(RESULTS) ? fs.readFileSync(RESULTS, "utf8") : "# Benchmarks\n";
        const i = old.indexOf(BEGIN);
        const j = old.indexOf(END);
        const section = `${BEGIN}\n${text}\n${END}`;
        fs.writeFileSync(RESULTS, i >= 0 && j > i ? old.slice(0, i) + section + old.slice(j + END.length) : `${old.trimEnd()}\n\n${section}\n`);
        console.log(text);
    } finally {
        s.dispose();
        doubles.stop();
    }
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const list = (xs: number[]) => xs.map((x) => x.toFixed(1)).join(", ");

/**
 * The baked stack: the bake timed on its own, then BENCH_BAKED_RUNS rounds (default 3) of a cold up on the
 * baked image, its destroy and an install only of the same packages as before, one after the other, so
 * that each cold up has an install measured under the same load next to it (apt's mirror and the load
 * vary by a third from one hour to the next). The ratio is of the medians; the breakdown is the first round's.
 */
async function bakedRun(
    config: ReturnType<typeof engineStackConfig>,
    packages: string[],
    firstInstall: number,
): Promise<{ rows: string[][]; steps: Parameters<typeof breakdown>[0] }> {
    const rounds = Number(process.env.BENCH_BAKED_RUNS ?? 3);
    const bake = timeBake(config);
    const s = await EngineStack.create(`bench${ID}b`, { ...config, local: { ...config.local, bakePackages: true } });
    const colds: number[] = [];
    const installs: number[] = [firstInstall];
    const destroys: number[] = [];
    let steps: Parameters<typeof breakdown>[0] = [];
    let hosts = "";
    let created = 0;
    try {
        for (let i = 0; i < rounds; i++) {
            const cold = await s.up();
            colds.push(cold.seconds);
            if (i === 0) {
                steps = cold.steps;
                created = cold.created;
                hosts = bakedHostsState(
                    enginePrefix(ID),
                    engineHosts(ID).map((h) => h.name),
                );
            }
            destroys.push((await s.destroy()).seconds);
            installs.push(timeInstallOnly(packages));
        }
        const ratio = median(colds) / median(installs);
        return {
            steps,
            rows: [
                ["bake (one time, reused by every stack)", `${bake.seconds.toFixed(1)} s (${bake.tag}: ${bake.packages.join(" ")})`],
                [
                    `cold up, packages baked (${rounds} runs)`,
                    `${list(colds)} s, median ${median(colds).toFixed(1)} s (${created} created); install only ${list(installs)} s, median ` +
                        `${median(installs).toFixed(1)} s; cold is ${ratio.toFixed(2)}x install only, medians (goal <= 1.5x)`,
                ],
                ["baked hosts after the cold up", hosts],
                ["destroy, packages baked", `${list(destroys)} s`],
            ],
        };
    } catch (e) {
        await s.destroy().catch(() => undefined);
        throw e;
    } finally {
        s.dispose();
    }
}

main().catch((e) => {
    console.error(e);
    process.exit(1);
});
