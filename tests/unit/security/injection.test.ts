import { expect } from "chai";
import { platformConfigSchema } from "../../../config/schema";
import { Registered } from "../../support/mocks";
import { findInjections, filesOf, Marker } from "./shell";
import { runProgram, variants } from "./stack";

/**
 * Property: no value the stack schema accepts changes what a rendered script does.
 *
 * For every string in a whole-stack config that sets every key it can (each target, both meshes,
 * both volume backends: ./stack.ts), and for every object key (record keys such as logOpts), each
 * hostile payload below is appended to the value (so that a URL or a path stays valid around it) or,
 * when the schema refuses that, replaces it. A payload is bracketed by two markers unique to that
 * site. A mutation the schema refuses is fine (that is the point of a strict schema: names, paths,
 * hostnames, URLs refuse these characters). The mutations it accepts are put into one config per
 * payload and the whole stack program runs under the mocks; then every script
 * any resource carries (create/update/delete/stdin of the command resources, and any other input
 * that is a script: userData, cmd) goes through the detector of ./shell.ts, which proves, per
 * marker, that the value stays single-quoted data for bash at every level (and data for the format
 * of every file it lands in). See ./shell.ts for exactly what that covers.
 *
 * By design, volumes.datasets[].app.stop/start are shell commands (the operator's own hooks): for
 * those the test asserts instead that they land only in their hook files.
 */

const DANGERS: [string, string][] = [
    ["command substitution", "$(touch${IFS}/tmp/pwned)"],
    ["backticks", "`touch${IFS}/tmp/pwned`"],
    ["single quote", "';touch${IFS}/tmp/pwned;'"],
    ["double quote", '";touch${IFS}/tmp/pwned;"'],
    ["semicolon", ";touch${IFS}/tmp/pwned"],
    ["pipe and redirection", "|touch${IFS}/tmp/pwned>/tmp/x&"],
    ["newline", "\ntouch /tmp/pwned\n"],
    ["glob", "*"],
    ["path traversal", "/../../../etc/shadow"],
    ["backslash", '\\"\\'],
];

/** Keys that are shell code by design (run as root on purpose: the operator's hooks). */
const CODE_BY_DESIGN = /^volumes\.datasets\[\d+\]\.app\.(stop|start)$/;
/** Inputs that carry scripts (bash) on any resource type. */
const SCRIPT_INPUTS = ["create", "update", "delete", "stdin", "userData", "cmd"];

type Path = (string | number)[];
interface Site {
    path: Path;
    /** Mutate the key at `path` (an object key) instead of the value. */
    key: boolean;
}

const show = (p: Path) => p.map((x, i) => (typeof x === "number" ? `[${x}]` : i ? `.${x}` : x)).join("");

function sites(v: unknown, path: Path = []): Site[] {
    if (typeof v === "string") return [{ path, key: false }];
    if (Array.isArray(v)) return v.flatMap((x, i) => sites(x, [...path, i]));
    if (v && typeof v === "object") {
        return Object.entries(v).flatMap(([k, x]) =>
            x === undefined ? [] : [...(path.length ? [{ path: [...path, k], key: true }] : []), ...sites(x, [...path, k])],
        );
    }
    return [];
}

function mutate(root: Record<string, any>, site: Site, f: (old: string) => string): Record<string, any> {
    const copy = JSON.parse(JSON.stringify(root));
    let parent: any = copy;
    for (const p of site.path.slice(0, -1)) parent = parent[p];
    const last = site.path[site.path.length - 1];
    if (site.key) {
        const entries = Object.entries(parent).map(([k, x]) => (k === last ? [f(k), x] : [k, x]));
        for (const k of Object.keys(parent)) delete parent[k];
        for (const [k, x] of entries) parent[k as string] = x;
    } else parent[last] = f(parent[last]);
    return copy;
}

function scripts(resources: Registered[]): { where: string; script: string }[] {
    const out: { where: string; script: string }[] = [];
    for (const r of resources) {
        for (const k of SCRIPT_INPUTS) {
            const v = r.inputs[k];
            if (typeof v === "string") out.push({ where: `${r.name}.${k}`, script: v });
        }
    }
    return out;
}

describe("security: hostile config values never change a rendered script", function () {
    this.timeout(600000);

    for (const variant of variants()) {
        it(`${variant.name}: every string key and record key, every payload`, async () => {
            const base = await runProgram(variant.config);
            expect(base.error, `the baseline config must run: ${base.error?.message}`).to.equal(undefined);

            const failures: string[] = [];
            const accepted: string[] = [];
            /** Keys whose hostile value reached a script (the check is not vacuous). */
            const reached = new Set<string>();
            let id = 0;
            for (const [what, danger] of DANGERS) {
                const markers = new Map<string, Marker>();
                let config = variant.config;
                const inFocus = (s: Site) =>
                    !variant.focus || variant.focus.some((f) => `${show(s.path)}.`.startsWith(`${f}.`) || show(s.path).startsWith(`${f}[`));
                for (const site of sites(variant.config).filter(inFocus)) {
                    // Appended to a valid value (a URL, a path) or replacing it: the first the schema accepts
                    // (a site holds one value per run; both land in the same places).
                    for (const position of ["append", "replace"] as const) {
                        const n = ++id;
                        const m: Marker = { start: `zqx${n}s`, end: `e${n}xqz`, payload: `zqx${n}s${danger}e${n}xqz` };
                        const f = (old: string) => (position === "replace" ? m.payload : `${old}${m.payload}`);
                        if (!platformConfigSchema.safeParse(mutate(variant.config, site, f)).success) continue;
                        const label = `${show(site.path)}${site.key ? " (key)" : ""} ${position} ${what}`;
                        accepted.push(label);
                        const merged = mutate(config, site, f);
                        if (platformConfigSchema.safeParse(merged).success) {
                            config = merged;
                            markers.set(label, m);
                        } else failures.push(`${label}: accepted alone, refused together with other accepted values (run it alone)`);
                        break;
                    }
                }
                if (markers.size === 0) continue;
                const run = await runProgram(config);
                if (run.error) {
                    failures.push(`${what}: the schema accepted [${[...markers.keys()].join("; ")}] but the program failed: ${run.error.message}`);
                    continue;
                }
                const all = scripts(run.resources);
                for (const [label, m] of markers) {
                    if (CODE_BY_DESIGN.test(label.split(" ")[0])) {
                        // Only in its hook file (written by ensure_file), nowhere else.
                        for (const s of all) {
                            const hooks = filesOf(s.script).filter((f) => /^\/etc\/microservice\/volumes\/apps\/[a-z0-9-]+\.(stop|start)$/.test(f.path));
                            let rest = s.script;
                            for (const h of hooks) rest = rest.split(h.content).join("");
                            if (rest.includes(m.start)) failures.push(`${label}: reaches ${s.where} outside its hook file`);
                        }
                        continue;
                    }
                    for (const s of all) {
                        if (s.script.includes(m.start) || filesOf(s.script).some((f) => f.content.includes(m.start))) reached.add(label.split(" ")[0]);
                        if (!s.script.includes(m.start) && !s.script.includes(m.end) && !/[A-Za-z0-9+/]{16,}/.test(s.script)) continue;
                        for (const finding of findInjections(s.script, m, s.where))
                            failures.push(`${label}: ${finding.where}: ${finding.why}\n      ${finding.excerpt}`);
                    }
                }
                // Other inputs are data for providers (JSON APIs, AWS filters, environment variables): not scripts.
            }
            // Logged so that a reader sees which hostile values are accepted at all (secrets, free text).
            const kinds = [...new Set(accepted.map((a) => a.replace(/ (replace|append) .*/, "")))];
            const listed = kinds.length ? ":\n        " + kinds.join("\n        ") : "";
            console.log(`      ${variant.name}: ${accepted.length} hostile values accepted by the schema${listed}`);
            expect(failures, failures.join("\n")).to.deep.equal([]);
            // The secrets are accepted with any of these characters and land in files on the hosts.
            if (!variant.focus)
                expect([...reached]).to.include.members([
                    "registryPassword",
                    "weavePassword",
                    "marathonPassword",
                    "mesosFrameworkSecret",
                    "mesosAgentSecret",
                    "mesosOperatorSecret",
                ]);
        });
    }
});
