import { expect } from "chai";
import * as fs from "fs";
import * as path from "path";
import { imagePruneScript, REGISTRY_API, registryApiScript } from "../../../components/images/ops";
import { LOGIN_DIR } from "../../../components/docker/ops";
import { FakeWorld } from "../../support/fake-tools";

/**
 * The real image-prune and registry-api (host-programs/, filled as AppImage fills them) run by bash
 * with a fake curl that answers the registry API from a temp dir, and a fake docker
 * (tests/support/fake-tools/). registry-api's quoting of the password is proven against the real
 * curl in tests/unit/security/curl-config.test.ts.
 */
describe("image-prune with a fake registry (curl) and docker", function () {
    this.timeout(60_000);
    let w: FakeWorld;
    let h: string;
    afterEach(() => w?.cleanup());

    const ADDR = "10.0.15.11:5000";
    const REPO = "application/app/nodeapp";
    const tag = (n: number) => `0000000000a${n}`;
    const digest = (n: number) => `sha256:${String(n).repeat(64).slice(0, 64)}`;

    beforeEach(() => {
        w = new FakeWorld();
        h = w.host("mgmt");
        fs.mkdirSync(`${h}/login`);
        fs.writeFileSync(`${h}/login/${ADDR}.password`, "s3cret-pw\n", { mode: 0o600 });
        fs.writeFileSync(`${h}/registry-api`, registryApiScript().split(LOGIN_DIR).join(`${h}/login`), { mode: 0o755 });
        fs.writeFileSync(`${h}/image-prune`, imagePruneScript().split(REGISTRY_API).join(`${h}/registry-api`), { mode: 0o755 });
    });

    /** The registry holds these tags (tag -> digest); the history lists tags oldest first. */
    const registry = (tags: Record<string, string>, history: string[]) => {
        const dir = path.join(w.root, "registry", REPO.replace(/\//g, "%"));
        fs.mkdirSync(dir, { recursive: true });
        for (const [t, d] of Object.entries(tags)) fs.writeFileSync(path.join(dir, t), d);
        fs.writeFileSync(`${h}/history`, history.map((t) => `${t}\n`).join(""));
    };
    const left = () => fs.readdirSync(path.join(w.root, "registry", REPO.replace(/\//g, "%"))).sort();
    const prune = (...extra: string[]) => w.run("mgmt", `${h}/image-prune`, [ADDR, "microservice", "http", REPO, `${h}/history`, "2", ...extra]);

    it("deletes the manifests of content tags older than the last KEEP, removes them locally, and --check says when there is work", () => {
        registry({ [tag(1)]: digest(1), [tag(2)]: digest(2), [tag(3)]: digest(3), [tag(4)]: digest(4), latest: digest(4) }, [tag(1), tag(2), tag(3), tag(4)]);
        expect(prune("--check").code).to.equal(1);
        expect(w.calls().filter((l) => / curl .* -X DELETE /.test(l))).to.deep.equal([]);
        w.clearCalls();
        const r = prune();
        expect(r.code, r.stderr).to.equal(0);
        expect(r.stdout).to.equal(`pruned ${REPO}:${tag(1)} (${digest(1)})\npruned ${REPO}:${tag(2)} (${digest(2)})\n`);
        expect(w.calls().filter((l) => / docker /.test(l))).to.deep.equal([
            `mgmt docker image rm ${ADDR}/${REPO}:${tag(1)}`,
            `mgmt docker image rm ${ADDR}/${REPO}:${tag(2)}`,
        ]);
        expect(left()).to.deep.equal([tag(3), tag(4), "latest"]);
        expect(prune("--check").code).to.equal(0);
        // The password reached curl only on its stdin (-K -), never on a command line.
        expect(w.calls().some((l) => l.includes("s3cret"))).to.equal(false);
        expect(fs.readFileSync(path.join(w.root, "curl-config"), "utf8")).to.equal('user = "microservice:s3cret-pw"\n');
    });

    it("never deletes a digest that a kept tag shares (the old tag is only removed from the local engine)", () => {
        registry({ [tag(1)]: digest(1), [tag(2)]: digest(3), [tag(3)]: digest(3) }, [tag(1), tag(2), tag(3)]);
        expect(prune().code).to.equal(0);
        expect(
            w
                .calls()
                .filter((l) => / -X DELETE /.test(l))
                .map((l) => l.split(" ").pop()),
        ).to.deep.equal([`http://${ADDR}/v2/${REPO}/manifests/${digest(1)}`]);
        expect(left()).to.deep.equal([tag(2), tag(3)]);
    });

    it("nothing old: exit 0 without a delete; an unknown repository: fails, deletes nothing", () => {
        registry({ [tag(1)]: digest(1), [tag(2)]: digest(2) }, [tag(1), tag(2)]);
        expect(prune().code).to.equal(0);
        expect(w.calls().filter((l) => / (-X DELETE|docker) /.test(l))).to.deep.equal([]);
        const r = w.run("mgmt", `${h}/image-prune`, [ADDR, "microservice", "http", "application/app/other", `${h}/history`, "1"]);
        expect(r.code).to.not.equal(0);
        expect(w.calls().filter((l) => / (-X DELETE|docker) /.test(l))).to.deep.equal([]);
    });
});
