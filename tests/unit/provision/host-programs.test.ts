import { expect } from "chai";
import * as fs from "fs";
import * as path from "path";
import { execFileSync, spawnSync } from "child_process";
import { HOST_PROGRAMS_DIR, hostProgram, packageRoot } from "../../../components/provision/host-program";

const DIR = path.join(packageRoot(), HOST_PROGRAMS_DIR);
const programs = fs.readdirSync(DIR).sort();
const shellcheck = spawnSync("shellcheck", ["--version"]).status === 0;

describe("host programs (host-programs/): real files, checked, shipped as they are", () => {
    it("every shell program passes shellcheck, every Python program compiles", function () {
        if (!shellcheck) return this.skip(); // .ci/run installs Debian's shellcheck
        const shells = programs.filter((f) => f.endsWith(".sh"));
        expect(shells.length).to.be.greaterThan(3);
        for (const f of shells) {
            const r = spawnSync("shellcheck", ["--severity=style", "--shell=bash", path.join(DIR, f)], { encoding: "utf8" });
            expect(r.stdout + r.stderr, f).to.equal("");
        }
        for (const f of programs.filter((f) => f.endsWith(".py"))) {
            execFileSync("python3", ["-m", "py_compile", path.join(DIR, f)], { env: { ...process.env, PYTHONPYCACHEPREFIX: "/tmp/pycache-host-programs" } });
        }
    });

    it("every program is installed by some component (none is orphaned) and nothing else is in the folder", () => {
        const sources = (dir: string): string[] =>
            fs
                .readdirSync(dir, { withFileTypes: true })
                .flatMap((e) =>
                    e.isDirectory() ? sources(path.join(dir, e.name)) : e.name.endsWith(".ts") ? [fs.readFileSync(path.join(dir, e.name), "utf8")] : [],
                );
        const code = sources(path.join(packageRoot(), "components")).join("\n");
        for (const f of programs) {
            expect(f).to.match(/\.(sh|py)$/);
            expect(code, f).to.contain(`hostProgram("${f}"`);
        }
    });

    it("fills each @NAME@ placeholder from the caller's constant, and refuses a missing or an unused one", () => {
        expect(hostProgram("registry-api.sh", { LOGIN_DIR: "/x/y" }))
            .to.contain('LOGIN_DIR="/x/y"')
            .and.not.contain("@LOGIN_DIR@");
        expect(() => hostProgram("registry-api.sh")).to.throw("host program registry-api.sh: no value for its placeholder @LOGIN_DIR@");
        expect(() => hostProgram("flocker-volume.sh", { CONF: "/c", TOOL: "/t", POOL: "p" })).to.throw(
            "host program flocker-volume.sh: has no placeholder @POOL@",
        );
    });

    it("is what the packed library ships (package.json files)", () => {
        const pkg = JSON.parse(fs.readFileSync(path.join(packageRoot(), "package.json"), "utf8"));
        expect(pkg.files).to.include(HOST_PROGRAMS_DIR);
    });
});
