import { expect } from "chai";
import { execFileSync } from "child_process";
import * as fs from "fs";
import { builtinModules } from "module";
import * as path from "path";
import * as ts from "typescript";
import { packLibrary } from "../../support/consumer";
import { consumerWith, nodeEval, ROOT, tempDir } from "./checkout";

const manifest = JSON.parse(fs.readFileSync(path.join(ROOT, "package.json"), "utf8"));
/** What a stack that uses only the main entry (e.g. ExistingHosts) has installed: the required peer and our dependencies. */
const MINIMAL = ["@pulumi/pulumi", "zod", "ajv", "ajv-draft-04"];

/** Package names that files of the package may load (anything else would be missing in a consumer). */
function allowedModules(file: string): Set<string> {
    const own = file.startsWith("node_modules/@pulumi/vagrant-shim/")
        ? Object.keys(JSON.parse(fs.readFileSync(path.join(ROOT, "packages/vagrant-shim/package.json"), "utf8")).peerDependencies ?? {})
        : [...Object.keys(manifest.dependencies ?? {}), ...Object.keys(manifest.peerDependencies ?? {})];
    // ts-node: only loaded when the library runs from its TypeScript sources (never from dist/).
    return new Set([...own, ...builtinModules, ...builtinModules.map((m) => `node:${m}`), "ts-node"]);
}

function packageName(spec: string): string {
    const parts = spec.split("/");
    return spec.startsWith("@") ? parts.slice(0, 2).join("/") : parts[0];
}

/** Module specifiers a shipped file loads: require()/require.resolve() in .js, imports in .d.ts. */
function specifiers(text: string, file: string): string[] {
    const re = file.endsWith(".d.ts") ? /(?:from |import\()"([^"]+)"/g : /require(?:\.resolve)?\("([^"]+)"/g;
    // Not what comments say (usage examples).
    const code = text.replace(/\/\*[\s\S]*?\*\//g, "").replace(/^\s*\/\/.*$/gm, "");
    return [...code.matchAll(re)].map((m) => m[1]);
}

function resolvesIn(files: Set<string>, from: string, spec: string): boolean {
    const base = path.posix.normalize(path.posix.join(path.posix.dirname(from), spec));
    const candidates = from.endsWith(".d.ts") ? [`${base}.d.ts`, `${base}/index.d.ts`, base] : [base, `${base}.js`, `${base}.json`, `${base}/index.js`];
    return candidates.some((c) => files.has(c));
}

describe("the npm package: npm pack from a fresh checkout (no dist/), installed into a consumer", function () {
    this.timeout(600000);
    let work: string;
    let files: string[];
    let bundled: string[];
    let tarball: string;
    let minimal: { dir: string; pkg: string };

    before(async function () {
        work = tempDir("msp-pack-");
        // The one `npm pack` of a fresh copy of this checkout per run (examples/consumer's test installs it too).
        ({ tarball, files, bundled } = await packLibrary());
        minimal = consumerWith(tarball, path.join(work, "minimal"), MINIMAL);
    });

    after(() => {
        if (work) fs.rmSync(work, { recursive: true, force: true });
    });

    it("builds on prepack: the library's dist/ (every export), the JSON schema it reads, the node image context, postinstall, LICENSE", () => {
        const must = [
            "package.json",
            "README.md",
            "LICENSE",
            "scripts/postinstall.js",
            "images/node/Dockerfile",
            "host-programs/flocker-volume.sh",
            "dist/components/marathon/schema/AppDefinition.json",
            "dist/components/exec/impl.js",
            "dist/components/marathon/provider.js",
        ];
        for (const entry of Object.values(manifest.exports) as (string | { types: string; default: string })[]) {
            for (const target of typeof entry === "string" ? [entry] : [entry.types, entry.default]) must.push(target.replace(/^\.\//, ""));
        }
        for (const targets of Object.values(manifest.typesVersions?.["*"] ?? { missing: ["typesVersions for the subpath entries"] }) as string[][])
            must.push(...targets);
        expect(files).to.include.members(must);
    });

    it("ships nothing else: no tests, no sample apps, no TypeScript sources, no source maps, no node_modules but the bundled shim", () => {
        const shipped = [
            /package\.json|README\.md|LICENSE|scripts\/postinstall\.js|images\/node\/[^/]+|host-programs\/[^/]+\.(sh|py)/,
            /dist\/components\/.+\.(js|d\.ts|json)|node_modules\/@pulumi\/vagrant-shim\/(package\.json|dist\/[^/]+\.(js|d\.ts))/,
        ];
        const allowed = new RegExp(`^(${shipped.map((r) => r.source).join("|")})$`);
        expect(
            files.filter((f) => !allowed.test(f)),
            "unexpected files",
        ).to.deep.equal([]);
        expect(files.filter((f) => /(^|\/)(tests?|apps)\//.test(f) || (/\.ts$/.test(f) && !/\.d\.ts$/.test(f)))).to.deep.equal([]);
    });

    it("every file it ships loads only shipped files, its dependencies, its peers and Node built-ins", () => {
        const shipped = new Set(files);
        const problems: string[] = [];
        for (const f of files.filter((x) => /\.(js|d\.ts)$/.test(x))) {
            const text = fs.readFileSync(path.join(minimal.pkg, f), "utf8");
            const allowed = allowedModules(f);
            for (const spec of specifiers(text, f)) {
                if (spec.startsWith(".")) {
                    if (!resolvesIn(shipped, f, spec)) problems.push(`${f}: ${spec} is not in the package`);
                } else if (!allowed.has(packageName(spec))) {
                    problems.push(`${f}: ${spec} is neither a dependency nor a peer`);
                }
            }
        }
        expect(problems).to.deep.equal([]);
    });

    it("has an Apache-2.0 LICENSE, as package.json says", () => {
        expect(manifest.license).to.equal("Apache-2.0");
        const text = fs.readFileSync(path.join(minimal.pkg, "LICENSE"), "utf8");
        expect(text).to.match(/Apache License\s+Version 2\.0, January 2004/);
        expect(text).to.contain("TERMS AND CONDITIONS FOR USE, REPRODUCTION, AND DISTRIBUTION");
    });

    it("bundles @pulumi/vagrant-shim, built and typed, so the install leaves no dangling link", () => {
        expect(bundled).to.deep.equal(["@pulumi/vagrant-shim"]);
        expect(manifest.bundleDependencies).to.deep.equal(["@pulumi/vagrant-shim"]);
        const shim = path.join(minimal.pkg, "node_modules/@pulumi/vagrant-shim");
        const shimManifest = JSON.parse(fs.readFileSync(path.join(shim, "package.json"), "utf8"));
        expect(shimManifest.name).to.equal("@pulumi/vagrant-shim");
        expect(fs.existsSync(path.join(shim, shimManifest.main)), shimManifest.main).to.equal(true);
        expect(fs.existsSync(path.join(shim, shimManifest.types)), shimManifest.types).to.equal(true);
        expect(fs.lstatSync(shim).isSymbolicLink()).to.equal(false);
        // microservice-platform/vagrant finds it; what it still needs is the optional peer @pulumi/command.
        const r = nodeEval(`require("microservice-platform/vagrant")`, minimal.dir);
        expect(r.status).to.not.equal(0);
        expect(r.stderr).to.contain("Cannot find module '@pulumi/command'");
        expect(r.stderr).to.contain(path.join("node_modules", "@pulumi", "vagrant-shim", "dist"));
        const full = consumerWith(tarball, path.join(work, "with-command"), [...MINIMAL, "@pulumi/command"]);
        const ok = nodeEval(`console.log(typeof require("microservice-platform/vagrant").VagrantHosts)`, full.dir);
        expect(ok.stderr).to.equal("");
        expect(ok.stdout.trim()).to.equal("function");
    });

    it("its postinstall exits 0 in a consumer (npm's INIT_CWD the consumer, the package itself, or unset)", () => {
        for (const INIT_CWD of [minimal.dir, minimal.pkg, undefined]) {
            const r = execFileSync(process.execPath, ["scripts/postinstall.js"], {
                cwd: minimal.pkg,
                env: { PATH: process.env.PATH, ...(INIT_CWD ? { INIT_CWD } : {}) },
                encoding: "utf8",
            });
            expect(r, String(INIT_CWD)).to.equal("");
        }
    });

    it("ExistingHosts needs only @pulumi/pulumi: the main entry loads neither @pulumi/aws, @pulumi/command nor the shim (/aws and /vagrant do)", () => {
        const program = `
            const pulumi = require("@pulumi/pulumi");
            pulumi.runtime.setMocks({ newResource: (a) => ({ id: a.name + "_id", state: a.inputs }), call: (a) => a.inputs }, "p", "s", false);
            const { ExistingHosts } = require("microservice-platform");
            const key = "-----BEGIN OPENSSH PRIVATE KEY-----\\nAAAA\\n-----END OPENSSH PRIVATE KEY-----\\n";
            const h = new ExistingHosts("m", {
                hosts: [{ name: "node1", roles: ["agent"], ip: "10.0.15.11" }],
                privateKey: pulumi.secret(key),
                knownHosts: ["10.0.15.11 ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIG5vZGUx"],
            });
            h.hosts[0].privateIp.apply((ip) => console.log("ok", ip));`;
        const r = nodeEval(program, minimal.dir);
        expect(r.stderr).to.equal("");
        expect(r.stdout.trim()).to.equal("ok 10.0.15.11");
        const main = nodeEval(
            `const m = require("microservice-platform"); ` +
                `console.log(["LocalHosts", "MesosCluster", "AwsHosts", "VagrantHosts", "FlockerEbsVolumes"].map((k) => typeof m[k]).join(" "))`,
            minimal.dir,
        );
        expect(main.stdout.trim()).to.equal("function function undefined undefined undefined");
        // The test helper needs only @pulumi/pulumi too; the other entries say which optional peer they need.
        expect(nodeEval(`console.log(typeof require("microservice-platform/testing").PlatformMocks)`, minimal.dir).stdout.trim()).to.equal("function");
        expect(nodeEval(`require("microservice-platform/aws")`, minimal.dir).stderr).to.contain("Cannot find module '@pulumi/aws'");
        const withAws = consumerWith(tarball, path.join(work, "with-aws"), [...MINIMAL, "@pulumi/aws"]);
        const aws = nodeEval(`const m = require("microservice-platform/aws"); console.log(typeof m.AwsHosts, typeof m.FlockerEbsVolumes)`, withAws.dir);
        expect(aws.stderr).to.equal("");
        expect(aws.stdout.trim()).to.equal("function function");
    });

    it("its .d.ts files type-check in a strict consumer (skipLibCheck false, exactOptionalPropertyTypes), through exports and typesVersions", () => {
        const full = consumerWith(tarball, path.join(work, "typed"), [...MINIMAL, "@pulumi/aws", "@pulumi/command", "@types/node"]);
        fs.writeFileSync(
            path.join(full.dir, "index.ts"),
            [
                `import * as pulumi from "@pulumi/pulumi";`,
                `import { DockerEngine, ExistingHosts, ZooKeeperEnsemble, hostsWithRole, MesosCluster, OverlayMesh } from "microservice-platform";`,
                `import { AwsHosts, FlockerEbsVolumes } from "microservice-platform/aws";`,
                `import { VagrantHosts } from "microservice-platform/vagrant";`,
                `import { PlatformMocks } from "microservice-platform/testing";`,
                `const machines = new ExistingHosts("m", { hosts: [{ name: "zk1", roles: ["zookeeper"], ip: "10.0.25.11", zookeeperId: 1 }], ` +
                    `privateKey: pulumi.secret("k"), knownHosts: ["10.0.25.11 ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIHprMQ=="] });`,
                `new DockerEngine("docker", { hosts: machines.hosts });`,
                `new ZooKeeperEnsemble("zk", { hosts: hostsWithRole(machines.hosts, "zookeeper") });`,
                `export const used = [MesosCluster, OverlayMesh, AwsHosts, FlockerEbsVolumes, VagrantHosts, PlatformMocks];`,
            ].join("\n"),
        );
        const shipped = files.filter((f) => f.endsWith(".d.ts")).map((f) => path.join(full.pkg, f));
        const base: ts.CompilerOptions = {
            strict: true,
            skipLibCheck: false,
            exactOptionalPropertyTypes: true,
            noEmit: true,
            esModuleInterop: true,
            target: ts.ScriptTarget.ES2022,
            module: ts.ModuleKind.CommonJS,
            types: ["node"],
        };
        const check = (options: ts.CompilerOptions, roots: string[]) => {
            const program = ts.createProgram({ rootNames: roots, options });
            const diagnostics = ts.getPreEmitDiagnostics(program);
            const host: ts.FormatDiagnosticsHost = { getCanonicalFileName: (f) => f, getCurrentDirectory: () => full.dir, getNewLine: () => "\n" };
            expect(diagnostics.length, ts.formatDiagnostics(diagnostics, host)).to.equal(0);
        };
        // Node16 resolution reads package.json `exports` (every shipped declaration file is checked).
        check({ ...base, module: ts.ModuleKind.Node16, moduleResolution: ts.ModuleResolutionKind.Node16 }, [path.join(full.dir, "index.ts"), ...shipped]);
        // The classic `node` resolution (Pulumi's templates) finds the subpaths through typesVersions.
        const classic = { ...base, moduleResolution: ts.ModuleResolutionKind.Node10 };
        for (const [spec, file] of [
            ["microservice-platform", "index"],
            ["microservice-platform/aws", "aws"],
            ["microservice-platform/vagrant", "vagrant"],
            ["microservice-platform/testing", "testing"],
        ]) {
            const resolved = ts.resolveModuleName(spec, path.join(full.dir, "index.ts"), classic, ts.sys).resolvedModule;
            expect(resolved?.resolvedFileName, spec).to.equal(path.join(fs.realpathSync(full.pkg), `dist/components/${file}.d.ts`));
        }
    });
});
