import { expect } from "chai";
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { CONSUMER_SRC, InstalledConsumer, installedConsumer } from "../../support/consumer";

/** Runs a command in the consumer (its own node_modules only; Node's deprecation noise off). */
function run(dir: string, cmd: string, args: string[]): { status: number | null; out: string } {
    const r = spawnSync(cmd, args, { cwd: dir, encoding: "utf8", env: { PATH: process.env.PATH, HOME: process.env.HOME, NODE_NO_WARNINGS: "1" } });
    return { status: r.status, out: `${r.stdout}${r.stderr}` };
}

describe("examples/consumer: a separate package that installs the packed library (npm pack + npm install)", function () {
    this.timeout(900_000);
    let c: InstalledConsumer;

    before(async () => {
        const t0 = Date.now();
        c = await installedConsumer();
        console.log(`    [consumer] packed and installed in ${((Date.now() - t0) / 1000).toFixed(0)} s (${c.cached ? "install cached" : "fresh install"})`);
    });

    it("is a project of its own: its package.json, a tsconfig without paths into this repository, strict with skipLibCheck false", () => {
        const manifest = JSON.parse(fs.readFileSync(path.join(CONSUMER_SRC, "package.json"), "utf8"));
        expect(manifest.dependencies).to.deep.equal({ "@pulumi/pulumi": "3.248.0", "microservice-platform": "file:microservice-platform.tgz" });
        const tsconfig = fs.readFileSync(path.join(CONSUMER_SRC, "tsconfig.json"), "utf8");
        expect(tsconfig).to.not.match(/"(paths|baseUrl|extends)"/);
        expect(tsconfig).to.match(/"skipLibCheck": false/);
        expect(tsconfig).to.match(/"strict": true/);
        expect(tsconfig).to.match(/"exactOptionalPropertyTypes": true/);
        for (const f of ["index.ts", "stack.ts"]) expect(fs.readFileSync(path.join(CONSUMER_SRC, f), "utf8"), f).to.not.match(/from "\.\.\//);
    });

    it("installs only @pulumi/pulumi beside the package (no @pulumi/command, @pulumi/aws or @pulumi/docker), and npm ls finds nothing missing", () => {
        const modules = fs.realpathSync(path.join(c.dir, "node_modules"));
        expect(fs.readdirSync(path.join(modules, "@pulumi"))).to.deep.equal(["pulumi"]);
        const pkg = JSON.parse(fs.readFileSync(path.join(modules, "microservice-platform/package.json"), "utf8"));
        expect(pkg.name).to.equal("microservice-platform");
        const ls = run(path.dirname(modules), "npm", ["ls", "--all"]);
        expect(ls.status, ls.out).to.equal(0);
        // (@pulumi/command shows as an UNMET OPTIONAL DEPENDENCY: the optional peer of ./vagrant.)
        expect(ls.out).to.not.match(/invalid|missing|UNMET (?!OPTIONAL)/);
    });

    it("type-checks strictly against the installed package's .d.ts files (npm run build: tsc, skipLibCheck false)", () => {
        const r = run(c.dir, process.execPath, ["node_modules/typescript/bin/tsc", "-p", "."]);
        expect(r.status, r.out).to.equal(0);
        expect(fs.existsSync(path.join(c.dir, "bin/index.js"))).to.equal(true);
    });

    it("its own unit tests pass under microservice-platform/testing's mocks (hosts, platform layers, a MarathonApp with a provider under 2 KB)", () => {
        if (!fs.existsSync(path.join(c.dir, "bin/test/stack.test.js"))) run(c.dir, process.execPath, ["node_modules/typescript/bin/tsc", "-p", "."]);
        const r = run(c.dir, process.execPath, ["--test", "--test-reporter=tap", "bin/test/"]);
        expect(r.status, r.out).to.equal(0);
        expect(r.out).to.match(/^# pass 3$/m);
        expect(r.out).to.match(/^# fail 0$/m);
        const size = /serialized provider: (\d+) characters/.exec(r.out);
        expect(size, r.out).to.not.equal(null);
        console.log(`    [consumer] MarathonApp's serialized provider: ${size![1]} characters`);
    });
});
