import { expect } from "chai";
import { spawnSync } from "child_process";
import * as crypto from "crypto";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { Op, renderScript } from "../../../components/provision";
import { weaveSettingsSchema } from "../../../components/mesh";
import * as render from "../../../components/mesh/weave/ops";
import { expectGolden } from "../provision/golden";
import { PASSWORD, SCRIPT_SHA, weaveSettings } from "./fixtures";

const s = weaveSettingsSchema.parse(weaveSettings());
const execOp = (ops: Op[], prefix: string) => ops.find((o) => o.kind === "exec" && o.description.startsWith(prefix)) as Extract<Op, { kind: "exec" }>;

describe("WeaveMesh renderers", () => {
    it("renders the unit: pinned launch with the original's range and domain, peers and consensus from a file, weave stop on stop", () => {
        const unit = render.weaveUnit("node1", s);
        expectGolden(__dirname, "weave.service", unit);
        expect(unit).to.contain(
            "ExecStartPre=/usr/local/bin/weave launch --no-restart --nickname node1 --ipalloc-range 10.2.0.0/16 --dns-domain weave.local. --ipalloc-init " +
                "consensus=${WEAVE_CONSENSUS} $WEAVE_PEERS",
        );
        expect(unit).to.contain("ExecStop=/usr/local/bin/weave stop");
        expect(unit).to.contain("EnvironmentFile=/etc/weave/password.env");
        expect(unit).not.to.match(/--password/);
    });

    it("renders the env files: version and image pins (a new pin restarts weave), peers and consensus apart", () => {
        expectGolden(__dirname, "weave.env", render.envFile(s));
        expect(render.envFile(s)).to.contain("WEAVE_VERSION=2.8.1\nDOCKERHUB_USER=weaveworks\n");
        expect(render.peersEnvFile(["10.0.15.10", "10.0.15.12"], 4)).to.contain('WEAVE_PEERS="10.0.15.10 10.0.15.12"\nWEAVE_CONSENSUS=4\n');
        expect(render.passwordEnvFile(PASSWORD)).to.equal(`WEAVE_PASSWORD=${PASSWORD}\n`);
    });

    it("writes the password only into the 0600 file of the service step, and restarts weave when it changes", () => {
        const ops = render.serviceOps("node2", s, PASSWORD);
        const withPw = ops.filter((o) => JSON.stringify(o).includes(PASSWORD));
        expect(withPw).to.deep.equal([{ kind: "file", path: "/etc/weave/password.env", content: `WEAVE_PASSWORD=${PASSWORD}\n`, mode: "0600" }]);
        expect(ops).to.deep.include({ kind: "service", name: "weave.service", restartOn: ["/etc/weave/weave.env", "/etc/weave/password.env"], enable: true });
        const wait = ops.find((o) => o.kind === "waitFor") as Extract<Op, { kind: "waitFor" }>;
        expect(wait.check).to.contain("[ -S /var/run/weave/weave.sock ]");
        expect(wait.timeoutSeconds).to.be.within(30, 600);
        for (const o of [...render.installOps(s), ...render.peersOps(["10.0.15.10"], 2)]) expect(JSON.stringify(o)).not.to.contain(PASSWORD);
    });

    it("peers are every other host, in config order; a peer change is applied live, never by a restart", () => {
        const all = [
            { name: "mgmt", ip: "10.0.15.10" },
            { name: "node1", ip: "10.0.15.11" },
            { name: "node2", ip: "10.0.15.12" },
        ];
        expect(render.peersOf("node1", all)).to.deep.equal(["10.0.15.10", "10.0.15.12"]);
        expect(render.peersOf("mgmt", all)).to.deep.equal(["10.0.15.11", "10.0.15.12"]);
        const ops = render.peersOps(["10.0.15.12", "10.0.15.10"], 3);
        const connect = execOp(ops, "weave peers");
        expect(connect.run).to.equal("/usr/local/bin/weave connect --replace '10.0.15.12' '10.0.15.10'");
        expect(connect.unless).to.contain("! systemctl is-active --quiet weave.service ||");
        expect(connect.unless).to.contain("'10.0.15.10 10.0.15.12'");
        expect(ops.some((o) => o.kind === "service")).to.equal(false);
        const svc = render.serviceOps("n", s, PASSWORD).find((o) => o.kind === "service") as Extract<Op, { kind: "service" }>;
        expect(svc.restartOn).to.not.include("/etc/weave/peers.env");
    });

    it("pulls every image by digest and tags it with the name the script runs", () => {
        const ops = render.installOps(s);
        const images = (ops: Op[]) => ops.filter((o) => o.kind === "image");
        expect(images(ops)).to.deep.equal([
            { kind: "image", ref: `weaveworks/weave@sha256:${"1".repeat(64)}`, tags: ["weaveworks/weave:2.8.1"] },
            { kind: "image", ref: `weaveworks/weaveexec@sha256:${"2".repeat(64)}`, tags: ["weaveworks/weaveexec:2.8.1"] },
            { kind: "image", ref: `weaveworks/weavedb@sha256:${"3".repeat(64)}`, tags: ["weaveworks/weavedb:latest", "weaveworks/weavedb:2.8.1"] },
        ]);
        // A mirror keeps the script's names: only the pulled reference changes.
        const mirrored = weaveSettingsSchema.parse(
            weaveSettings({ images: { ...weaveSettings().images, weave: `registry.example:5000/weave/weave:2.8.1@${"sha256:" + "4".repeat(64)}` } }),
        );
        expect(images(render.installOps(mirrored))[0]).to.deep.equal({
            kind: "image",
            ref: `registry.example:5000/weave/weave@sha256:${"4".repeat(64)}`,
            tags: ["weaveworks/weave:2.8.1"],
        });
    });

    describe("script download (the exec's commands run here, with a fake curl)", () => {
        let dir: string;
        beforeEach(() => {
            dir = fs.mkdtempSync(path.join(os.tmpdir(), "weave-dl-"));
            fs.mkdirSync(path.join(dir, "bin"));
            // Fake curl: writes $FAKE_BODY to the -o file.
            fs.writeFileSync(
                path.join(dir, "bin", "curl"),
                `#!/bin/bash\nwhile [ $# -gt 0 ]; do if [ "$1" = -o ]; then printf '%s' "$FAKE_BODY" >"$2"; shift; fi; shift; done\n`,
                { mode: 0o755 },
            );
        });
        afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

        const download = (body: string, sha: string) => {
            const settings = weaveSettingsSchema.parse(weaveSettings({ scriptSha256: sha }));
            const op = execOp(render.installOps(settings), "weave script");
            const target = path.join(dir, "weave");
            const r = spawnSync("bash", ["-c", op.run.split(render.WEAVE_BIN).join(target)], {
                encoding: "utf8",
                env: { ...process.env, PATH: `${dir}/bin:${process.env.PATH}`, FAKE_BODY: body },
            });
            const check = spawnSync("bash", ["-c", op.unless.split(render.WEAVE_BIN).join(target)]);
            return {
                code: r.status,
                stderr: r.stderr,
                installed: fs.existsSync(target),
                mode: fs.existsSync(target) ? fs.statSync(target).mode & 0o777 : 0,
                satisfied: check.status === 0,
            };
        };

        it("installs a script whose sha256 matches, executable, and then counts as in place", () => {
            const body = "#!/bin/sh\necho weave 2.8.1\n";
            const sha = crypto.createHash("sha256").update(body).digest("hex");
            expect(download(body, sha)).to.deep.include({ code: 0, installed: true, mode: 0o755, satisfied: true });
        });

        it("refuses a script whose sha256 differs, before installing anything", () => {
            const r = download("#!/bin/sh\necho tampered\n", SCRIPT_SHA);
            expect(r).to.deep.include({ installed: false, satisfied: false });
            expect(r.code).to.not.equal(0);
            expect(r.stderr).to.contain(`expected ${SCRIPT_SHA}: not installed`);
        });
    });

    it("renders Scope bound to the private address, pinned by digest, reporting to every host's app", () => {
        const image = `weaveworks/scope:1.13.2@sha256:${"5".repeat(64)}`;
        const unit = render.scopeUnit("10.0.15.11", ["10.0.15.10", "10.0.15.11"], image, 4040);
        expectGolden(__dirname, "weave-scope.service", unit);
        expect(unit).to.contain(
            `weaveworks/scope@sha256:${"5".repeat(64)} --probe.docker=true --app.http.address=10.0.15.11:4040 10.0.15.10:4040 10.0.15.11:4040`,
        );
    });

    it("on removal: the leaving host hands over its space and wipes weave (password included); one peer reclaims the rest", () => {
        const leave = render.leaveScript();
        expect(leave.indexOf("curl -fsS -X DELETE http://127.0.0.1:6784/peer")).to.be.lessThan(leave.indexOf("systemctl disable --now weave.service"));
        expect(leave).to.contain("rm -rf /etc/weave ");
        const reclaim = render.reclaimScript("node3", "10.0.15.13");
        expect(reclaim).to.contain("weave forget '10.0.15.13'");
        expect(reclaim).to.contain("grep -F '(node3)' | grep -q unreachable; then weave rmpeer 'node3'");
        // Both tolerate a host where weave is gone already (destroy order, second run).
        for (const script of [leave, reclaim]) expect(spawnSync("bash", ["-n", "-c", script]).status).to.equal(0);
    });

    it("renders each step as a script that bash accepts", () => {
        for (const ops of [render.installOps(s), render.peersOps(["10.0.15.10"], 2), render.serviceOps("n", s, PASSWORD)]) {
            expect(spawnSync("bash", ["-n"], { input: renderScript("n", "x", ops) }).status).to.equal(0);
        }
    });
});
