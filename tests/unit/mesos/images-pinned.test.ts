import { expect } from "chai";
import { execFileSync, spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { StackConfig, stackConfigSchema } from "../../../config/schema";
import { validate } from "../../../components/validate";
import { SUGGESTED_IMAGES } from "../../../components/mesos/settings";
import { pinOnFirstUseScript } from "../../../stack/mesos-images";
import { deployMesos } from "../../../stack/mesos";
import { mocks } from "../../support/setup";
import { settle } from "../../support/outputs";
import { layers, layout } from "./fixtures";

/** A `docker` on PATH that pulls what `pullable` lists and reports a digest for each. */
function fakeDocker(pullable: string[]): string {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "fake-docker-"));
    const digestOf = (ref: string) => execFileSync("sha256sum", { input: ref }).toString().slice(0, 64);
    const cases = pullable
        .map(
            (ref) =>
                `  "pull -q ${ref}") exit 0;;\n  "image inspect -f {{range .RepoDigests}}{{println .}}{{end}} ${ref}") echo ` +
                `"other/name@sha256:${"f".repeat(64)}"; echo "${ref.replace(/:[^:]*$/, "")}@sha256:${digestOf(ref)}";;`,
        )
        .join("\n");
    fs.writeFileSync(path.join(dir, "docker"), `#!/bin/sh\ncase "$*" in\n${cases}\n  *) echo "fake docker: $*" >&2; exit 1;;\nesac\n`, { mode: 0o755 });
    return dir;
}

function run(script: string, bin: string) {
    return spawnSync("sh", ["-c", script], { env: { PATH: `${bin}:/usr/bin:/bin` } });
}

describe("mesos images pinned on first use (local target without mesos.images)", () => {
    const tags = { ...SUGGESTED_IMAGES };

    it("the script pins each tag to the digest of its own repository, as JSON", () => {
        const r = run(pinOnFirstUseScript(tags), fakeDocker(Object.values(tags)));
        expect(r.status, r.stderr.toString()).to.equal(0);
        const pinned = JSON.parse(r.stdout.toString());
        expect(Object.keys(pinned)).to.deep.equal(["master", "agent", "marathon"]);
        expect(pinned.master).to.match(/^mesosphere\/mesos-master:1\.7\.0@sha256:[0-9a-f]{64}$/);
        expect(pinned.master).not.to.contain("f".repeat(64));
    });

    it("fails naming the image and the key to set when an image cannot be pulled", () => {
        const r = run(pinOnFirstUseScript(tags), fakeDocker([tags.master]));
        expect(r.status).to.equal(1);
        expect(r.stderr.toString()).to.contain(`cannot pull ${tags.agent} to pin it on first use: set mesos.images.agent to a reference pinned by digest`);
        expect(r.stdout.toString()).to.equal("");
    });

    it("the stack runs it as one local step whose output the Mesos units use", async () => {
        const cfg = validate(stackConfigSchema, { mesh: { implementation: "overlay" }, mesos: { mirrorToRegistry: false } }, "stack config") as StackConfig;
        const hosts = layout();
        deployMesos(cfg, hosts, layers(hosts));
        await settle();
        const pin = mocks.named("mesos-images-pinned");
        expect(pin.type).to.equal("pulumi-nodejs:dynamic/exec:LocalCommand");
        expect(pin.inputs.create).to.equal(pinOnFirstUseScript(SUGGESTED_IMAGES));
        // The mocks print made-up digests: the master's unit runs exactly the pinned reference.
        expect(mocks.named("mesos-node1-mesos-master").inputs.stdin).to.contain(`mesosphere/mesos-master@sha256:${"7".repeat(64)}`);
    });
});
