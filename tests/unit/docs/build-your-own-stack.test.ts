import { expect } from "chai";
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as path from "path";
import * as ts from "typescript";

const ROOT = path.resolve(__dirname, "../../..");
const DOC = path.join(ROOT, "docs/build-your-own-stack.md");

/** The page's code blocks: ```ts blocks form the program, in order; ```ts test is its unit test. */
function blocks(): { program: string[]; test: string[] } {
    const out = { program: [] as string[], test: [] as string[] };
    for (const m of fs.readFileSync(DOC, "utf8").matchAll(/^```ts( test)?\n([\s\S]*?)^```$/gm)) (m[1] ? out.test : out.program).push(m[2]);
    return out;
}

/** The package's name, as the page imports it, pointed at this checkout's sources. */
function fromSources(code: string): string {
    return code
        .replace(/"microservice-platform\/testing"/g, JSON.stringify(path.join(ROOT, "components/testing")))
        .replace(/"microservice-platform"/g, JSON.stringify(path.join(ROOT, "components/index")));
}

describe("docs/build-your-own-stack.md: its code is one program that compiles and runs", function () {
    this.timeout(300_000);
    let dir: string;

    before(() => {
        // Inside the checkout (git-ignored), so that the program resolves @pulumi/pulumi as a stack would.
        dir = fs.mkdtempSync(path.join(ROOT, ".build-test-doc-"));
        const { program, test } = blocks();
        fs.writeFileSync(path.join(dir, "index.ts"), fromSources(program.join("\n")));
        fs.writeFileSync(path.join(dir, "test.ts"), fromSources(test.join("\n")));
    });

    after(() => {
        if (dir) fs.rmSync(dir, { recursive: true, force: true });
    });

    it("composes every layer from the package's main entry (hosts, platform, mesh, logging, scheduler, volume, app)", () => {
        const { program, test } = blocks();
        expect(program.length).to.be.greaterThanOrEqual(6);
        expect(test.length).to.equal(1);
        const code = program.join("\n");
        for (const c of [
            "ExistingHosts",
            "StackCa",
            "DockerRegistry",
            "DockerEngine",
            "OverlayMesh",
            "RsyslogAggregator",
            "MesosCluster",
            "FlockerZfsCluster",
            "MarathonApp",
        ]) {
            expect(code, c).to.contain(`new ${c}(`);
        }
        expect(code).to.match(/from "microservice-platform"/);
        expect(code, "no import from the repository's own program").to.not.match(/from "\.\.?\//);
    });

    it("type-checks strictly (the project's compiler options)", () => {
        const base = ts.readConfigFile(path.join(ROOT, "tsconfig.base.json"), ts.sys.readFile).config;
        const { options } = ts.parseJsonConfigFileContent(base, ts.sys, ROOT);
        const program = ts.createProgram({ rootNames: [path.join(dir, "index.ts"), path.join(dir, "test.ts")], options: { ...options, noEmit: true } });
        const diagnostics = ts.getPreEmitDiagnostics(program);
        const host: ts.FormatDiagnosticsHost = { getCanonicalFileName: (f) => f, getCurrentDirectory: () => dir, getNewLine: () => "\n" };
        expect(diagnostics.length, ts.formatDiagnostics(diagnostics, host)).to.equal(0);
    });

    it("runs under its own unit test's mocks (microservice-platform/testing): every output resolves, no component fails", () => {
        fs.writeFileSync(
            path.join(dir, "run.ts"),
            [
                `const errors: string[] = [];`,
                `process.on("unhandledRejection", (e: any) => void errors.push(String(e?.message ?? e)));`,
                `import { marathonUrlOfProgram } from "./test";`,
                `marathonUrlOfProgram().then(async (url) => {`,
                `    const p = require("./index");`,
                `    const value = (o: any) => new Promise((r) => o.apply(r));`,
                `    const out = { url, registry: await value(p.registryAddress), appId: await value(p.notesAppId) };`,
                `    await new Promise((r) => setTimeout(r, 500));`,
                `    console.log(JSON.stringify({ ...out, errors }));`,
                `});`,
            ].join("\n"),
        );
        const r = spawnSync(process.execPath, ["-r", "ts-node/register/transpile-only", path.join(dir, "run.ts")], {
            cwd: ROOT,
            encoding: "utf8",
            env: { PATH: process.env.PATH, HOME: process.env.HOME, NODE_NO_WARNINGS: "1" },
            timeout: 240_000,
        });
        const line = r.stdout.split("\n").find((l) => l.startsWith("{"));
        expect(line, `${r.stdout}\n${r.stderr}`).to.not.equal(undefined);
        const result = JSON.parse(line!);
        expect(result.errors).to.deep.equal([]);
        expect(result.url).to.equal("https://10.0.30.11:8443");
        expect(result.registry).to.equal("10.0.30.11:5000");
        expect(result.appId).to.equal("/team/notes");
    });
});
