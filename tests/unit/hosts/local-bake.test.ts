import { expect } from "chai";
import { execFileSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { stackConfigSchema } from "../../../config/schema";
import { buildHosts } from "../../../stack/hosts";
import { stackPackages } from "../../../stack/packages";
import { BAKE_INSIDE, BAKED_HOST_PACKAGES_PATH, bakedImageTag, LocalHosts } from "../../../components/hosts/local/hosts";
import * as cli from "../../../components/hosts/local/docker-cli";
import { hostProgram } from "../../../components/provision/host-program";
import { mocks } from "../../support/setup";
import { settle } from "../../support/outputs";
import { changed, hostMocks, snapshot, topology } from "./support";

const NODE_ID = `sha256:${"a".repeat(64)}`;
const cfg = (local: Record<string, unknown> = {}) => stackConfigSchema.parse({ mesh: { implementation: "overlay" }, local });
const HOSTS = ["mgmt", "node1", "node2", "node3"];

describe("local target: packages baked into the node image (hosts.local.bakePackages)", () => {
    it("bakes exactly the union of every host's packages (stack/packages.ts) into an image made from the node image", async () => {
        hostMocks();
        const c = cfg({ bakePackages: true });
        buildHosts(c);
        await settle();
        const union = [...new Set(c.hosts.flatMap((h) => stackPackages(c, c.hosts, h)))].sort();
        expect(union).to.include.members(["docker.io", "rsyslog", "zookeeperd", "docker-registry"]);
        const bake = mocks.named("local-baked-image");
        expect(bake.type).to.equal("pulumi-nodejs:dynamic/exec:LocalCommand");
        expect(bake.inputs.create).to.equal(cli.bakeImage);
        // From the node image's id, with exactly the union, tagged by their hash (reused across stacks).
        const tag = bakedImageTag("microservice/node:bookworm", NODE_ID, union);
        expect(tag).to.match(/^microservice\/node-baked:[0-9a-f]{16}$/);
        expect(bake.inputs.environment).to.deep.equal({ IMAGE: NODE_ID, BAKED: tag, PACKAGES: union.join(" "), INSIDE: BAKE_INSIDE });
        expect(bake.inputs.triggers).to.deep.equal([tag]);
        // Never deleted with the stack: other stacks may run from it.
        expect(bake.inputs.delete).to.equal(undefined);
        for (const h of c.hosts) {
            const container = mocks.named(`local-${h.name}`).inputs;
            expect(container.environment.IMAGE, h.name).to.equal("id-local-baked-image");
            expect(container.triggers[0], h.name).to.equal("id-local-baked-image");
            // Each host gets its own packages: its first boot starts only their services.
            expect(container.environment.HOST_PACKAGES, h.name).to.equal(stackPackages(c, c.hosts, h).join("\n"));
            expect(container.environment.HOST_PACKAGES_PATH).to.equal(BAKED_HOST_PACKAGES_PATH);
            expect(container.create).to.equal(cli.container(true).create);
        }
        expect(mocks.named("local-mgmt").inputs.environment.HOST_PACKAGES).to.not.contain("zookeeperd");
    });

    it("the tag names the content: node image id, package set (in any order) and the bake script", () => {
        const a = bakedImageTag("microservice/node:bookworm", NODE_ID, ["rsyslog", "docker.io"]);
        expect(bakedImageTag("microservice/node:bookworm", NODE_ID, ["docker.io", "rsyslog"])).to.equal(a);
        expect(bakedImageTag("microservice/node:bookworm", `sha256:${"b".repeat(64)}`, ["docker.io", "rsyslog"])).to.not.equal(a);
        expect(bakedImageTag("microservice/node:bookworm", NODE_ID, ["docker.io"])).to.not.equal(a);
        expect(bakedImageTag(`registry:5000/me/node@sha256:${"c".repeat(64)}`, NODE_ID, ["jq"])).to.match(/^registry:5000\/me\/node-baked:[0-9a-f]{16}$/);
    });

    // Found in the engine bench: a fresh bake inside an up printed a blank line before the id (Docker's
    // `image inspect -f` prints one for a missing image), and every host container then failed with
    // "invalid reference format". The bench had made the image beforehand, so no run had baked in an up.
    it("the bake prints the image id alone, whether it bakes the image or finds it", () => {
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "bake-"));
        try {
            // A fake docker that answers as Docker 26 does: for a missing image, `image inspect -f` prints an empty line.
            const fake = String.raw`#!/bin/bash
f() { echo "$S/img-$(echo "$1" | tr ':/' '__')"; }
case "$1 $2" in
  "image inspect") ref=${"$"}{@: -1}
    if [ -e "$(f "$ref")" ]; then cat "$(f "$ref")"; else echo; echo "Error: No such image: $ref" >&2; exit 1; fi ;;
  "run -i") cat >/dev/null ;;
  "commit --change") echo "sha256:baked" >"$(f "$5")"; echo "sha256:baked" ;;
  "rm -f") ;;
  *) echo "fake docker: $*?" >&2; exit 2 ;;
esac
`;
            fs.writeFileSync(path.join(dir, "docker"), fake, { mode: 0o755 });
            fs.writeFileSync(path.join(dir, "img-node"), '["/sbin/init"]\n');
            // The bake's inputs: the node image, the tag to make, the packages and the script run inside.
            const inputs = { IMAGE: "node", BAKED: "microservice/node-baked:x", PACKAGES: "jq", INSIDE: "true" };
            const env = { ...process.env, ...inputs, PATH: `${dir}:${process.env.PATH}`, S: dir };
            const bake = () => execFileSync("bash", ["-c", cli.bakeImage], { env, stdio: ["ignore", "pipe", "pipe"] }).toString();
            expect(bake(), "a fresh bake").to.equal("sha256:baked\n");
            expect(bake(), "the image found").to.equal("sha256:baked\n");
        } finally {
            fs.rmSync(dir, { recursive: true, force: true });
        }
    });

    it("the bake: reused when its tag exists, else the packages installed in a node image container as HostPackages does, then committed", () => {
        const script = cli.bakeImage;
        expect(script.indexOf('id=$(docker image inspect -f "{{.Id}}" "$BAKED"')).to.be.greaterThan(-1).and.lessThan(script.indexOf("docker run"));
        expect(script).to.contain('docker run -i --name "$name" "$IMAGE" bash -s -- $PACKAGES');
        expect(script).to.contain('trap \'docker rm -f "$name"');
        expect(script).to.contain('docker commit --change "CMD $cmd" "$name" "$BAKED"');
        expect(script).to.contain("baking $BAKED failed");
        const inside = BAKE_INSIDE;
        // The same flags as HostPackages' install (host-programs/step-runtime.sh), no daemon started meanwhile.
        expect(inside).to.contain('install -y -qq --no-install-recommends "$@"');
        expect(inside).to.contain("Dpkg::Options::=--force-confdef -o Dpkg::Options::=--force-confold");
        expect(hostProgram("step-runtime.sh", {})).to.contain("--force-confdef -o Dpkg::Options::=--force-confold install -y -qq --no-install-recommends");
        expect(inside.indexOf("exit 101' >/usr/sbin/policy-rc.d")).to.be.lessThan(inside.indexOf("install -y"));
        expect(inside).to.contain("rm -f /usr/sbin/policy-rc.d");
        expect(inside).to.contain("apt-get clean");
        expect(inside).to.contain(`<${BAKED_HOST_PACKAGES_PATH}`);
        // The container script copies the host's packages in before it starts.
        const run = cli.container(true).create;
        expect(run.indexOf('docker cp "$d/packages" "$NAME:$HOST_PACKAGES_PATH"')).to.be.greaterThan(0);
        expect(run.indexOf('docker cp "$d/packages"')).to.be.lessThan(run.indexOf('docker start "$NAME"'));
    });

    it("off (the default) changes nothing: no bake, the same containers and resource graph", async () => {
        hostMocks();
        buildHosts(cfg());
        await settle();
        const off = snapshot();
        expect(mocks.resources.map((r) => r.name)).to.not.include("local-baked-image");
        for (const h of HOSTS) {
            const container = mocks.named(`local-${h}`).inputs;
            expect(container.environment.IMAGE).to.equal(NODE_ID);
            expect(container.environment).to.not.have.property("HOST_PACKAGES");
            expect(container.create).to.equal(cli.container().create);
            expect(container.triggers).to.have.length(6);
        }
        expect(cli.container(false)).to.deep.equal(cli.container());
        // Exactly what LocalHosts makes without the arg at all.
        mocks.reset();
        hostMocks();
        new LocalHosts("local", { hosts: topology("local"), subnet: "10.0.15.0/24" });
        await settle();
        expect(changed(off, snapshot())).to.deep.equal([]);
        // On: the bake is added, and only the containers change (their image).
        mocks.reset();
        hostMocks();
        buildHosts(cfg({ bakePackages: true }));
        await settle();
        expect(changed(off, snapshot())).to.deep.equal([
            "pulumi-nodejs:dynamic/exec:LocalCommand::local-baked-image",
            ...HOSTS.map((h) => `pulumi-nodejs:dynamic/exec:LocalCommand::local-${h}`),
        ]);
    });

    it("rejects a bad key or package list, naming it", () => {
        expect(() => cfg({ bakePackages: "yes" })).to.throw(/expected true or false/);
        hostMocks();
        expect(() => new LocalHosts("bad", { hosts: topology("local"), bakePackages: { node9: ["jq"] } })).to.throw(
            /bakePackages\.node9: expected one of the hosts \(mgmt, node1, node2, node3\)/,
        );
        expect(() => new LocalHosts("bad", { hosts: topology("local"), bakePackages: { mgmt: ["jq; rm -rf /"] } })).to.throw(
            /bakePackages\.mgmt\[0\]: expected a Debian package name like docker.io/,
        );
    });
});
