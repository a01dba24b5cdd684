import { expect } from "chai";
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";

const ROOT = path.resolve(__dirname, "../../..");
const API = path.join(ROOT, "docs/api");
const MAIN = path.join(API, "microservice-platform");

function files(dir: string): string[] {
    if (!fs.existsSync(dir)) return [];
    return fs
        .readdirSync(dir, { withFileTypes: true })
        .flatMap((e) => (e.isDirectory() ? files(path.join(dir, e.name)).map((f) => `${e.name}/${f}`) : [e.name]))
        .sort();
}

/** A component's Args page (the main entry's, or a subpath entry's). */
function argsPage(name: string): string {
    for (const entry of ["", "aws", "vagrant"]) {
        const f = path.join(MAIN, entry, "interfaces", `${name}.md`);
        if (fs.existsSync(f)) return fs.readFileSync(f, "utf8");
    }
    throw new Error(`no page for ${name} in docs/api`);
}

describe("docs/api: the API reference generated from the TSDoc (npm run docs:api)", function () {
    this.timeout(300_000);

    it("is what typedoc makes from the sources now, with no warning (every type a public signature names is exported and documented)", () => {
        const out = fs.mkdtempSync(path.join(os.tmpdir(), "msp-api-"));
        try {
            // typedoc.json treats warnings as errors: e.g. "X ... is referenced by Y but not included in the documentation".
            const r = spawnSync(process.execPath, [path.join(ROOT, "node_modules/typedoc/bin/typedoc"), "--out", out], { cwd: ROOT, encoding: "utf8" });
            expect(r.status, `${r.stdout}${r.stderr}`).to.equal(0);
            // Regenerate with `npm run docs:api` after changing a documented API.
            const made = files(out);
            expect(files(API), "the pages").to.deep.equal(made);
            const stale = made.filter((f) => fs.readFileSync(path.join(out, f), "utf8") !== fs.readFileSync(path.join(API, f), "utf8"));
            expect(stale, "pages that differ from the sources' TSDoc").to.deep.equal([]);
        } finally {
            fs.rmSync(out, { recursive: true, force: true });
        }
    });

    it("documents every entry and every component's args with their TSDoc, in source order", () => {
        const index = fs.readFileSync(path.join(API, "README.md"), "utf8");
        for (const entry of ["microservice-platform", "microservice-platform/aws", "microservice-platform/vagrant", "microservice-platform/testing"]) {
            expect(index).to.contain(`[${entry}](${entry}/README.md)`);
        }
        const components = [
            "ExistingHosts",
            "LocalHosts",
            "StackCa",
            "DockerRegistry",
            "DockerEngine",
            "ZooKeeperEnsemble",
            "OverlayMesh",
            "WeaveMesh",
            "RsyslogAggregator",
            "MesosCluster",
            "FlockerZfsCluster",
            "MarathonApp",
            "AppImage",
            "AwsHosts",
            "FlockerEbsVolumes",
            "VagrantHosts",
        ];
        for (const c of components) expect(argsPage(`${c}Args`), c).to.match(new RegExp(`^# Interface: ${c}Args$`, "m"));
        const mesos = argsPage("MesosClusterArgs");
        expect(mesos).to.contain("A Pulumi secret: Marathon's HTTP basic auth password.");
        expect(mesos.indexOf("### hosts")).to.be.lessThan(mesos.indexOf("### images"));
        expect(mesos.indexOf("### images")).to.be.lessThan(mesos.indexOf("### agentAttributes"));
        expect(argsPage("ExistingHostsArgs")).to.contain("Secret: the key that logs in to every host.");
        expect(fs.readFileSync(path.join(MAIN, "testing/classes/PlatformMocks.md"), "utf8")).to.contain(
            "Mocks (pulumi.runtime.Mocks) for this package's components",
        );
    });

    it("is linked from the README, as is docs/build-your-own-stack.md", () => {
        const readme = fs.readFileSync(path.join(ROOT, "README.md"), "utf8");
        expect(readme).to.contain("](docs/api/README.md)");
        expect(readme).to.contain("](docs/build-your-own-stack.md)");
    });
});
