import { expect } from "chai";
import { createHash } from "crypto";
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { stackConfigSchema } from "../../../config/schema";
import { buildHosts } from "../../../stack/hosts";
import { mocks } from "../../support/setup";
import { settle } from "../../support/outputs";
import { hostMocks } from "./support";

const ROOT = path.resolve(__dirname, "../../..");
const sha256 = (s: string) => createHash("sha256").update(s).digest("hex");
const pins = () =>
    Object.fromEntries(
        [...fs.readFileSync(path.join(ROOT, "scripts/base-pins.sh"), "utf8").matchAll(/^([A-Z0-9_]+)=\$\{\1:-([^}]*)\}$/gm)].map((m) => [m[1], m[2]]),
    );

/** A Release file as the mirror serves it (ends with a newline); debootstrap keeps it without the last one. */
const RELEASE = "Origin: Debian\nSuite: oldstable\nCodename: bookworm\nSHA256:\n 0123 42 main/binary-amd64/Packages.xz\n";
const DIGEST = `sha256:${"d".repeat(64)}`;

/**
 * Runs scripts/docker-host.sh with stand-ins for docker, dockerd, debootstrap, ssh, nc and sysctl
 * that log their arguments. The stand-in debootstrap leaves `release` where debootstrap leaves the
 * Release it checked; the stand-in docker knows `images` (name -> repo digests and labels).
 */
function dockerHost(opts: { release?: string; env?: Record<string, string>; images?: Record<string, { digests?: string[]; release?: string }> }) {
    const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "docker-host-test-"));
    const bin = path.join(tmp, "bin");
    const log = path.join(tmp, "calls");
    const state = path.join(tmp, "images.json");
    fs.mkdirSync(bin);
    fs.writeFileSync(state, JSON.stringify(opts.images ?? {}));
    fs.writeFileSync(path.join(tmp, "release"), (opts.release ?? RELEASE).replace(/\n$/, ""));
    const stub = (name: string, body: string) => fs.writeFileSync(path.join(bin, name), `#!/bin/bash\necho "${name} $*" >> ${log}\n${body}\n`, { mode: 0o755 });
    for (const n of ["dockerd", "ssh", "nc", "sysctl"]) stub(n, "exit 0");
    stub("debootstrap", `d="$3/var/lib/apt/lists"; mkdir -p "$d" "$3/etc/apt/apt.conf.d"; cp ${tmp}/release "$d/deb.debian.org_debian_dists_$2_Release"`);
    // docker: info, image inspect (-f template, name), pull, import (--change LABEL, -, name), build.
    stub(
        "docker",
        `node -e '
const fs = require("fs"); const [state, ...a] = process.argv.slice(1); const images = JSON.parse(fs.readFileSync(state, "utf8"));
if (a[0] === "info") process.exit(0);
if (a[0] === "pull") process.exit(1);
if (a[0] === "import") {
  images[a[a.length - 1]] = { release: a[2].split("=")[1] }; fs.readFileSync(0); fs.writeFileSync(state, JSON.stringify(images)); process.exit(0);
}
if (a[0] === "build") process.exit(0);
if (a[0] === "image" && a[1] === "inspect") {
  const name = a[a.length - 1]; const f = a[2] === "-f" ? a[3] : ""; const i = images[name];
  if (!i) process.exit(1);
  if (f.includes("RepoDigests")) console.log((i.digests || []).join(" "));
  else if (f.includes("debian-release")) console.log(i.release || "");
  else if (f.includes(".Id")) console.log("sha256:" + "e".repeat(64));
  process.exit(0);
}
process.exit(1);' ${state} "$@"`,
    );
    const r = spawnSync("bash", [path.join(ROOT, "scripts/docker-host.sh")], {
        encoding: "utf8",
        env: { PATH: `${bin}:/usr/local/bin:/usr/bin:/bin`, HOME: tmp, ...(opts.env ?? {}) },
        timeout: 60000,
    });
    const calls = fs.existsSync(log) ? fs.readFileSync(log, "utf8").trim().split("\n") : [];
    fs.rmSync(tmp, { recursive: true, force: true });
    return { ...r, calls };
}

describe("scripts/docker-host.sh: the node image's base is pinned (scripts/base-pins.sh)", () => {
    const pin = sha256(RELEASE);

    it("pins the Debian Release by sha256 and keeps the image digest empty or a digest", () => {
        const p = pins();
        expect(p.DEBIAN_RELEASE_SHA256).to.match(/^[0-9a-f]{64}$/);
        expect(p.BASE_IMAGE_DIGEST).to.match(/^(sha256:[0-9a-f]{64})?$/);
    });

    it("without an image digest: never pulls the tag; debootstrap's Release checked against the pin, then imported with it as a label", () => {
        const r = dockerHost({ env: { DEBIAN_RELEASE_SHA256: pin } });
        expect(r.status, r.stderr).to.equal(0);
        expect(r.stdout.trim()).to.equal("microservice/node:bookworm");
        expect(r.calls.filter((c) => c.startsWith("docker pull"))).to.deep.equal([]);
        expect(r.calls).to.include(`docker import --change LABEL microservice.debian-release=${pin} - microservice/debian-minbase:bookworm`);
        expect(r.calls.find((c) => c.startsWith("docker build"))).to.contain("BASE_IMAGE=microservice/debian-minbase:bookworm");
    });

    it("refuses a Release other than the pinned one: names both hashes, imports nothing", () => {
        const r = dockerHost({ release: RELEASE.replace("oldstable", "stable"), env: { DEBIAN_RELEASE_SHA256: pin } });
        expect(r.status).to.equal(1);
        expect(r.stderr).to.contain(
            `the Debian bookworm Release file has sha256 ${sha256(RELEASE.replace("oldstable", "stable"))}, expected DEBIAN_RELEASE_SHA256=${pin} ` +
                `(scripts/base-pins.sh)`,
        );
        expect(r.calls.filter((c) => /^docker (import|build)/.test(c))).to.deep.equal([]);
    });

    it("reuses a base made from the pinned Release; remakes one made from another (or before pins)", () => {
        const same = dockerHost({ env: { DEBIAN_RELEASE_SHA256: pin }, images: { "microservice/debian-minbase:bookworm": { release: pin } } });
        expect(same.status, same.stderr).to.equal(0);
        expect(same.calls.filter((c) => c.startsWith("debootstrap"))).to.deep.equal([]);
        const old = dockerHost({ env: { DEBIAN_RELEASE_SHA256: pin }, images: { "microservice/debian-minbase:bookworm": {} } });
        expect(old.status, old.stderr).to.equal(0);
        expect(old.calls.filter((c) => c.startsWith("debootstrap"))).to.have.length(1);
    });

    it("with BASE_IMAGE_DIGEST: uses BASE_IMAGE@digest once its repository digest is checked; refuses one that does not carry it", () => {
        const ref = `debian:bookworm@${DIGEST}`;
        const ok = dockerHost({ env: { BASE_IMAGE_DIGEST: DIGEST }, images: { [ref]: { digests: [`debian@${DIGEST}`] } } });
        expect(ok.status, ok.stderr).to.equal(0);
        expect(ok.calls.find((c) => c.startsWith("docker build"))).to.contain(`BASE_IMAGE=${ref}`);
        expect(ok.calls.filter((c) => c.startsWith("debootstrap"))).to.deep.equal([]);
        const bad = dockerHost({ env: { BASE_IMAGE_DIGEST: DIGEST }, images: { [ref]: { digests: [`debian@sha256:${"0".repeat(64)}`] } } });
        expect(bad.status).to.equal(1);
        expect(bad.stderr).to.contain(`${ref} has digests [debian@sha256:${"0".repeat(64)}], expected ${DIGEST} (BASE_IMAGE_DIGEST): not used`);
        const malformed = dockerHost({ env: { BASE_IMAGE_DIGEST: "latest" }, images: { "debian:bookworm@latest": { digests: [] } } });
        expect(malformed.status).to.equal(1);
        expect(malformed.stderr).to.contain('BASE_IMAGE_DIGEST: expected sha256:<64 hex digits>, got "latest"');
    });

    it("with BASE_IMAGE_DIGEST that cannot be pulled: falls back to the debootstrap base (pinned by its Release)", () => {
        const r = dockerHost({ env: { BASE_IMAGE_DIGEST: DIGEST, DEBIAN_RELEASE_SHA256: pin } });
        expect(r.status, r.stderr).to.equal(0);
        expect(r.calls).to.include(`docker pull -q debian:bookworm@${DIGEST}`);
        expect(r.calls.filter((c) => c.startsWith("debootstrap"))).to.have.length(1);
    });
});

describe("stack key local.build.baseImageDigest", () => {
    it("npm run up hands the stack's digest to docker-host.sh (and nothing when the key is absent or commented out)", () => {
        const run = (yaml: string) => {
            // A copy of the two scripts in a scratch checkout whose docker-host.sh records what it gets.
            const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "up-digest-"));
            fs.mkdirSync(path.join(tmp, "scripts"));
            fs.mkdirSync(path.join(tmp, "bin"));
            fs.copyFileSync(path.join(ROOT, "scripts/up.sh"), path.join(tmp, "scripts/up.sh"));
            fs.writeFileSync(path.join(tmp, "scripts/pulumi-cli.sh"), `echo ${tmp}/bin/pulumi\n`);
            fs.writeFileSync(path.join(tmp, "bin/pulumi"), "#!/bin/sh\nexit 0\n", { mode: 0o755 });
            fs.writeFileSync(path.join(tmp, "scripts/docker-host.sh"), `echo "digest=\${BASE_IMAGE_DIGEST:-none}" > ${tmp}/got\n`);
            fs.writeFileSync(path.join(tmp, "Pulumi.dev.yaml"), yaml);
            const r = spawnSync("bash", [path.join(tmp, "scripts/up.sh"), "dev"], {
                encoding: "utf8",
                env: { PATH: "/usr/bin:/bin", HOME: tmp, PULUMI_CONFIG_PASSPHRASE: "x" },
                timeout: 30000,
            });
            const got = fs.existsSync(path.join(tmp, "got")) ? fs.readFileSync(path.join(tmp, "got"), "utf8").trim() : `not run: ${r.stderr}`;
            fs.rmSync(tmp, { recursive: true, force: true });
            return got;
        };
        const config = (line: string) => `config:\n  microservice:local:\n    build:\n${line}\n`;
        expect(run(config(`      baseImageDigest: ${DIGEST}`))).to.equal(`digest=${DIGEST}`);
        expect(run(config(`      baseImageDigest: "${DIGEST}"`))).to.equal(`digest=${DIGEST}`);
        expect(run(config(`      # baseImageDigest: ${DIGEST}`))).to.equal("digest=none");
    });

    it("pins the base image the stack builds the node image from; a malformed digest or two pins are refused", async () => {
        hostMocks();
        buildHosts(stackConfigSchema.parse({ mesh: { implementation: "overlay" }, local: { build: { baseImageDigest: DIGEST } } }));
        await settle();
        expect(mocks.named("local-node-image").inputs.environment.BASE_IMAGE).to.equal(`debian:bookworm@${DIGEST}`);
        const parse = (build: object) => stackConfigSchema.safeParse({ mesh: { implementation: "overlay" }, local: { build } });
        expect(parse({ baseImageDigest: "sha256:abc" }).error?.issues[0]).to.deep.include({
            path: ["local", "build", "baseImageDigest"],
            message: "expected an image digest sha256:<64 hex digits>",
        });
        expect(parse({ baseImage: `debian@${DIGEST}`, baseImageDigest: DIGEST }).error?.issues[0].path).to.deep.equal(["local", "build", "baseImage"]);
    });
});
