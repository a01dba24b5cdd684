import { expect } from "chai";
import { execFileSync } from "child_process";
import * as fs from "fs";
import * as path from "path";

const ROOT = path.resolve(__dirname, "../../..");

describe("the published build (npm run build -> dist/)", () => {
    it("loads on plain Node with the files it reads at run time (Marathon's schema)", function () {
        this.timeout(180000);
        // Inside the checkout, like dist/, so that the build resolves the project's node_modules.
        const out = fs.mkdtempSync(path.join(ROOT, ".build-test-"));
        try {
            execFileSync(
                process.execPath,
                [path.join(ROOT, "node_modules/typescript/bin/tsc"), "-p", path.join(ROOT, "tsconfig.build.json"), "--outDir", out],
                { stdio: "pipe" },
            );
            expect(fs.existsSync(path.join(out, "components/marathon/schema/AppDefinition.json"))).to.equal(true);
            const loaded = execFileSync(
                process.execPath,
                [
                    "-e",
                    `const m = require(${JSON.stringify(path.join(out, "components"))}); console.log(typeof m.MesosCluster, typeof m.MarathonApp, ` +
                        `require(${JSON.stringify(path.join(out, "components/hosts/local/machine"))}).nodeImageContext())`,
                ],
                {
                    encoding: "utf8",
                    cwd: ROOT,
                },
            );
            // The node image's build context is found from the build too (the package ships images/).
            expect(loaded.trim()).to.equal(`function function ${path.join(ROOT, "images/node")}`);
        } finally {
            fs.rmSync(out, { recursive: true, force: true });
        }
    });
});
