import { expect } from "chai";
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { SUGGESTED_IMAGES } from "../../../components/mesos/settings";
import { pinOnFirstUseScript } from "../../../stack/mesos-images";

const ROOT = path.resolve(__dirname, "../../..");

/** Runs scripts/up.sh with a stand-in CLI (or none) and a private state dir; returns what happened. */
function up(args: string[], opts: { cli?: "real" | "npm-fails"; env?: Record<string, string> } = {}) {
    const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "up-test-"));
    const bin = path.join(tmp, "bin");
    fs.mkdirSync(bin);
    const log = path.join(tmp, "calls");
    // A stand-in for the Pulumi CLI that logs its arguments and the environment it was given.
    const fake =
        `#!/bin/sh\necho "$* | backend=$PULUMI_BACKEND_URL | pass=\${PULUMI_CONFIG_PASSPHRASE_FILE:-}" >> "${log}"\n` +
        `[ "$1" = version ] && echo v3.265.0\nexit 0\n`;
    if (opts.cli === "real") fs.writeFileSync(path.join(bin, "pulumi"), fake, { mode: 0o755 });
    const npmBin = path.join(tmp, "npm-pulumi");
    fs.writeFileSync(npmBin, "#!/bin/sh\necho 'Downloading pulumi v3.265.0...' >&2\necho 'pulumi: fetch failed' >&2\nexit 1\n", { mode: 0o755 });
    const PATH = [bin, "/usr/local/bin", "/usr/bin", "/bin"].join(":");
    const r = spawnSync("bash", [path.join(ROOT, "scripts/up.sh"), ...args], {
        encoding: "utf8",
        env: { PATH, HOME: tmp, PULUMI_STATE_DIR: path.join(tmp, "state"), PULUMI_NPM_BIN: npmBin, ...(opts.env ?? {}) },
        timeout: 30000,
    });
    const calls = fs.existsSync(log) ? fs.readFileSync(log, "utf8").trim().split("\n") : [];
    return { ...r, tmp, calls, cleanup: () => fs.rmSync(tmp, { recursive: true, force: true }) };
}

describe("npm run up (scripts/up.sh)", () => {
    it("without a CLI and without internet: says so and how to install it, exits non-zero, creates nothing", () => {
        const r = up(["aws"]);
        try {
            expect(r.status).to.equal(3);
            expect(r.stderr).to.contain("no Pulumi CLI could be found or made");
            for (const way of ["on PATH or in ~/.pulumi/bin", "the 'pulumi' npm package", "install Go"]) expect(r.stderr).to.contain(way);
            expect(fs.existsSync(path.join(r.tmp, "state"))).to.equal(false);
        } finally {
            r.cleanup();
        }
    });

    it("with a CLI: local file backend, a passphrase generated once into a 0600 file, stack selected or created, then up", () => {
        const r = up(["aws", "--refresh"], { cli: "real" });
        try {
            expect(r.status, r.stderr).to.equal(0);
            const state = path.join(r.tmp, "state");
            const pass = path.join(state, "passphrase");
            expect(fs.statSync(pass).mode & 0o777).to.equal(0o600);
            expect(fs.statSync(state).mode & 0o777).to.equal(0o700);
            expect(fs.readFileSync(pass, "utf8").trim()).to.match(/^[A-Za-z0-9+/=]{40,}$/);
            const env = `backend=file://${state} | pass=${pass}`;
            expect(r.calls.slice(-2).map((c) => c.replace(/--event-log \S+/, "--event-log <events>"))).to.deep.equal([
                `stack select --create --secrets-provider passphrase aws --non-interactive | ${env}`,
                `up --yes --stack aws --non-interactive --continue-on-error --event-log <events> --refresh | ${env}`,
            ]);
            // Target aws: no Docker preparation on this machine.
            expect(r.stderr).to.not.contain("docker-host.sh");
            const first = fs.readFileSync(pass, "utf8");
            const again = spawnSync("bash", [path.join(ROOT, "scripts/up.sh"), "aws"], {
                encoding: "utf8",
                env: { PATH: `${path.join(r.tmp, "bin")}:/usr/bin:/bin`, HOME: r.tmp, PULUMI_STATE_DIR: state },
            });
            expect(again.status).to.equal(0);
            expect(fs.readFileSync(pass, "utf8")).to.equal(first);
            expect(again.stderr).to.not.contain("generated the stack secrets passphrase");
        } finally {
            r.cleanup();
        }
    });

    it("uses a passphrase the user gives instead of generating one; refuses a bad stack name", () => {
        const r = up(["vagrant"], { cli: "real", env: { PULUMI_CONFIG_PASSPHRASE: "given" } });
        try {
            expect(r.status, r.stderr).to.equal(0);
            expect(fs.existsSync(path.join(r.tmp, "state", "passphrase"))).to.equal(false);
            expect(r.calls.at(-1)).to.match(/^up --yes --stack vagrant --non-interactive --continue-on-error --event-log \S+ \| backend=file:\/\/.* \| pass=$/);
        } finally {
            r.cleanup();
        }
        const bad = up(["../x"], { cli: "real" });
        try {
            expect(bad.status).to.equal(2);
            expect(bad.stderr).to.contain('stack name: expected letters, digits, _ . -, got "../x"');
        } finally {
            bad.cleanup();
        }
    });
});

describe("npm run up leaves pinning the Mesos images to the stack (one list, not two)", () => {
    it("up.sh names no image; the stack's pin-on-first-use step pins exactly the images docs/mesos.md suggests", () => {
        const script = fs.readFileSync(path.join(ROOT, "scripts/up.sh"), "utf8");
        const docs = fs.readFileSync(path.join(ROOT, "docs/mesos.md"), "utf8");
        for (const tag of Object.values(SUGGESTED_IMAGES) as string[]) {
            expect(script, "up.sh").not.to.contain(tag);
            expect(pinOnFirstUseScript(SUGGESTED_IMAGES)).to.contain(`docker pull -q '${tag}'`);
            expect(docs, "docs/mesos.md").to.contain(tag);
        }
    });
});
