import { expect } from "chai";
import { spawnSync } from "child_process";
import * as fs from "fs";
import { OverlayMesh, chooseManager, overlaySettingsSchema } from "../../../components/mesh";
import * as render from "../../../components/mesh/overlay/ops";
import { Host } from "../../../components/hosts/host";
import { renderScript, STEP_RESULT } from "../../../components/provision";
import { fakeHost, labLayout } from "../provision/fake-host";
import { runsAfter } from "../provision/deps";
import { expectGolden } from "../provision/golden";
import { LocalHost } from "../provision/run-local";
import { runPathsChecked } from "../provision/runtime-paths";
import { mocks } from "../../support/setup";
import { settle } from "../../support/outputs";

const TOKEN = "SWMTKN-1-3pu6hszjas19xyp7ghgosyx9k8atbfcr8p2is99znpy26u2lkl-1awxwuwd3z9j1z3puu7rcgdbx";
const snapshot = () => Object.fromEntries(mocks.byType("pulumi-nodejs:dynamic/exec:RemoteCommand").map((r) => [r.name, JSON.stringify(r.inputs)]));

/** The manager's token step prints the token before its result line, as on a host. */
function tokenOnStdout(): void {
    mocks.onResource("pulumi-nodejs:dynamic/exec:RemoteCommand", (args) =>
        args.name.endsWith("-swarm-token") ? { stdout: `${TOKEN}\nSTEP ${args.name}: changed (mock)`, stderr: "" } : undefined,
    );
}

function mesh(hosts: Host[], settings?: object): OverlayMesh {
    return new OverlayMesh("mesh", { hosts, settings });
}

describe("OverlayMesh renderers", () => {
    it("creates the attachable overlay once, and refuses a same-named network of another shape", () => {
        const ops = render.networkOps(overlaySettingsSchema.parse({}));
        // The step's own part (the shared prelude is provision's golden).
        const script = renderScript("node1", "overlay-network", ops);
        expectGolden(__dirname, "overlay-network.sh", script.slice(script.indexOf("__step=")));
        expect(JSON.stringify(ops)).to.contain("docker network create -d overlay --attachable --subnet '10.2.0.0/16' 'mesh'");
    });

    it("joins through Docker's API with the token in a 0600 file: never on a command line", () => {
        const ops = render.workerJoinOps("10.0.15.12", "10.0.15.11", TOKEN);
        const withToken = ops.filter((o) => JSON.stringify(o).includes(TOKEN));
        expect(withToken).to.have.length(1);
        expect(withToken[0]).to.deep.include({ kind: "file", path: "/var/lib/microservice/mesh/swarm-join.json", mode: "0600" });
        expect(ops).to.deep.include({ kind: "directory", path: "/var/lib/microservice/mesh", mode: "0700" });
        expect(JSON.parse((withToken[0] as any).content)).to.deep.equal({
            ListenAddr: "10.0.15.12:2377",
            AdvertiseAddr: "10.0.15.12",
            RemoteAddrs: ["10.0.15.11:2377"],
            JoinToken: TOKEN,
        });
        const join = ops.find((o) => o.kind === "exec") as any;
        expect(join.run)
            .to.contain("--unix-socket /var/run/docker.sock -X POST")
            .and.contain("--data-binary @/var/lib/microservice/mesh/swarm-join.json http://localhost/swarm/join");
        // Idempotent: skipped when already an active node of this manager; a node of another swarm leaves first.
        expect(join.unless).to.contain(`grep -qwF '10.0.15.11:2377'`);
        expect(join.run.indexOf("docker swarm leave --force")).to.be.lessThan(join.run.indexOf("/swarm/join"));
        expect(spawnSync("bash", ["-n"], { input: renderScript("node2", "swarm-join", ops) }).status).to.equal(0);
    });

    it("on removal: the host leaves, the manager removes its node entries by address", () => {
        expect(render.leaveScript()).to.contain("docker swarm leave --force");
        // The join request (it holds a token) goes too, member or not.
        expect(render.leaveScript().split("\n")[0]).to.equal("rm -f /var/lib/microservice/mesh/swarm-join.json");
        const rm = render.nodeRemoveScript("10.0.15.13");
        expect(rm).to.contain(`= '10.0.15.13' ]; then docker node rm --force "$id"`);
        expect(rm).to.contain(`[ "$id" != "$self" ]`);
        for (const s of [render.leaveScript(), rm]) expect(spawnSync("bash", ["-n", "-c", s]).status).to.equal(0);
    });
});

describe("OverlayMesh (mocks)", () => {
    it("picks the manager: configured, else the first master, else the first host", () => {
        const hosts = labLayout();
        const s = overlaySettingsSchema.parse({});
        expect(chooseManager(hosts, s).name).to.equal("node1");
        expect(chooseManager(hosts, { ...s, manager: "mgmt" }).name).to.equal("mgmt");
        expect(chooseManager([hosts[2], hosts[3]], s).name).to.equal("node2");
        expect(() => mesh(hosts, { manager: "node9" })).to.throw(
            /OverlayMesh "mesh": settings.manager: expected one of the hosts \(mgmt, node1, node2, node3\), got "node9"/,
        );
    });

    it("inits the swarm and the network on the manager; every other host joins with the token, in secret steps", async () => {
        tokenOnStdout();
        const m = mesh(labLayout());
        await settle();
        const names = mocks
            .byType("pulumi-nodejs:dynamic/exec:RemoteCommand")
            .filter((r) => typeof r.inputs.stdin === "string")
            .map((r) => r.name);
        expect(names.sort()).to.deep.equal([
            "mesh-mgmt-swarm-join",
            "mesh-node1-overlay-network",
            "mesh-node1-swarm-init",
            "mesh-node1-swarm-token",
            "mesh-node2-swarm-join",
            "mesh-node3-swarm-join",
        ]);
        expect(mocks.named("mesh-node1-swarm-init").inputs.stdin).to.contain(
            "docker swarm init --advertise-addr '\\''10.0.15.11'\\'' --listen-addr '\\''10.0.15.11:2377'\\''",
        );
        expect(mocks.named("mesh-node1-swarm-token").secretInputs).to.include("stdin");
        expect(mocks.named("mesh-node1-swarm-token").inputs.logging).to.equal("none");
        for (const w of ["mgmt", "node2", "node3"]) {
            const join = mocks.named(`mesh-${w}-swarm-join`);
            expect(join.inputs.stdin).to.contain(`"JoinToken":"${TOKEN}"`);
            expect(join.secretInputs).to.include("stdin");
            expect(join.inputs.logging).to.equal("none");
            expect(runsAfter(`mesh-${w}-swarm-join`, "mesh-node1-swarm-token")).to.equal(true);
        }
        // The token is in no other resource and on no command line.
        for (const r of mocks.resources) {
            if (JSON.stringify(r.inputs).includes(TOKEN)) expect(r.name).to.match(/-swarm-join$/);
            expect(String(r.inputs.create ?? "") + String(r.inputs.delete ?? "")).not.to.contain(TOKEN);
        }
        expect(m.ready.length).to.equal(4);
    });

    it("implements the contract: its network, alias (+ hostname) parameters, the default Docker socket, `<app>.<network>` names", () => {
        const m = mesh([fakeHost("solo", "10.0.15.20")], { name: "apps" });
        expect(m.kind).to.equal("overlay");
        expect(m.domain).to.equal("apps");
        expect(m.agentDockerSocket).to.equal(undefined);
        // Docker refuses a second network flag, so the network is not a parameter (Marathon: networks).
        expect(m.dockerNetwork).to.equal("apps");
        expect(m.dockerParameters("whoami")).to.deep.equal([
            { key: "network-alias", value: "whoami" },
            { key: "hostname", value: "whoami" },
        ]);
    });

    it("adding a host adds its own join and removal resources and changes nothing else", async () => {
        tokenOnStdout();
        const three = labLayout().slice(0, 3);
        mesh(three);
        await settle();
        const before = snapshot();
        mocks.reset();
        tokenOnStdout();
        mesh([...three, fakeHost("node3", "10.0.15.13", ["agent"])]);
        await settle();
        const after = snapshot();
        expect(Object.keys(after).filter((k) => k in before && before[k] !== after[k])).to.deep.equal([]);
        expect(
            Object.keys(after)
                .filter((k) => !(k in before))
                .sort(),
        ).to.deep.equal(["mesh-node3-swarm-join", "mesh-node3-swarm-leave", "mesh-node3-swarm-noderm"]);
    });

    it("on removal: the host leaves before the manager drops its node entry", async () => {
        tokenOnStdout();
        mesh(labLayout());
        await settle();
        const leave = mocks.named("mesh-node2-swarm-leave");
        const noderm = mocks.named("mesh-node2-swarm-noderm");
        expect(leave.inputs.connection.host).to.equal("10.0.15.12");
        expect(noderm.inputs.connection.host).to.equal("10.0.15.11");
        expect(noderm.inputs.delete).to.contain("'10.0.15.12'");
        expect(runsAfter("mesh-node2-swarm-leave", "mesh-node2-swarm-noderm")).to.equal(true);
        expect(() => mocks.named("mesh-node1-swarm-noderm")).to.throw(/no resource named/);
        expect(mocks.named("mesh-node1-swarm-leave").inputs.connection.host).to.equal("10.0.15.11");
        // The manager (node1) leaves last: a destroy removes every node entry while it still manages
        // the swarm (the engine lab's destroy failed with "This node is not a swarm manager" without it).
        // (A destroy deletes a resource before what it depends on.)
        for (const h of ["mgmt", "node2", "node3"]) expect(runsAfter(`mesh-${h}-swarm-noderm`, "mesh-node1-swarm-leave"), h).to.equal(true);
    });

    it("rejects a bad subnet or network name before creating anything", () => {
        expect(() => mesh(labLayout(), { subnet: "10.2.0.0" })).to.throw(/settings.subnet: expected an IPv4 CIDR like 10.0.15.0\/24, got "10.2.0.0"/);
        expect(() => mesh(labLayout(), { name: "Bad Name" })).to.throw(/settings.name: expected a Docker network name/);
        expect(mocks.byType("pulumi-nodejs:dynamic/exec:RemoteCommand").filter((r) => r.name.startsWith("mesh-"))).to.have.length(0);
    });
});

/**
 * Docker's swarm state as this test needs it: `docker info` answers the node state and managers
 * from $S (it survives a reboot, as /var/lib/docker/swarm does), `POST /swarm/join` through curl
 * joins with the body file it is given, `docker swarm leave` leaves.
 */
function fakeDocker(h: LocalHost): void {
    h.fake(
        "docker",
        `case "$1 $2" in
  "info -f") case $3 in
      *LocalNodeState*) cat "$S/swarm-state" 2>/dev/null || echo inactive ;;
      *RemoteManagers*) echo "$(cat "$S/swarm-managers" 2>/dev/null) " ;;
      *) echo "fake docker: info $3?" >&2; exit 2 ;;
    esac ;;
  "swarm leave") echo inactive >"$S/swarm-state"; rm -f "$S/swarm-managers" ;;
  *) echo "fake docker: $*?" >&2; exit 2 ;;
esac`,
    );
    h.fake(
        "curl",
        `for a in "$@"; do case $a in @*) body=\${a#@} ;; esac; done
[ -r "\${body:-}" ] || { echo "fake curl: no request body" >&2; exit 26; }
grep -q '"JoinToken":"SWMTKN-' "$body" || { echo '{"message":"invalid join token"}'; exit 22; }
sed -n 's/.*"RemoteAddrs":\\["\\([^"]*\\)".*/\\1/p' "$body" >"$S/swarm-managers"
echo active >"$S/swarm-state"`,
    );
}

describe("OverlayMesh after a reboot (/run is a tmpfs)", () => {
    it("no step's check reads anything under /run: the join request is kept under /var/lib, membership is Docker's own state", () => {
        for (const [name, ops] of [
            ["swarm-init", render.managerInitOps("10.0.15.11")],
            ["swarm-token", render.joinTokenOps()],
            ["overlay-network", render.networkOps(overlaySettingsSchema.parse({}))],
            ["swarm-join", render.workerJoinOps("10.0.15.12", "10.0.15.11", TOKEN)],
        ] as const) {
            expect(runPathsChecked(ops), name).to.deep.equal([]);
        }
        expect(render.JOIN_FILE.startsWith("/var/lib/microservice/")).to.equal(true);
    });

    it("renders no step of the component with anything under /run but Docker's socket", async () => {
        tokenOnStdout();
        mesh(labLayout());
        await settle();
        const scripts = mocks
            .byType("pulumi-nodejs:dynamic/exec:RemoteCommand")
            .filter((r) => typeof r.inputs.stdin === "string" && r.name.startsWith("mesh-"));
        expect(scripts).to.have.length(6);
        for (const r of scripts) {
            const paths = (r.inputs.stdin as string).split("__main() {")[1].match(/(?:\/var)?\/run\/[^\s'"]*/g) ?? [];
            expect(
                paths.filter((p) => p !== "/var/run/docker.sock"),
                r.name,
            ).to.deep.equal([]);
        }
    });

    describe("on a fake host", () => {
        let h: LocalHost;
        beforeEach(() => {
            h = new LocalHost();
            fakeDocker(h);
        });
        afterEach(() => h.cleanup());

        const result = (script: string) => {
            const run = h.run(script);
            expect(run.code, run.stderr).to.equal(0);
            return STEP_RESULT.exec(run.stdout)?.[2];
        };

        it("swarm-join: joins once, then unchanged, and unchanged after a reboot", () => {
            const script = h.rooted(renderScript("node2", "swarm-join", render.workerJoinOps("10.0.15.12", "10.0.15.11", TOKEN)));
            expect(result(script)).to.equal("changed");
            expect(h.takeCalls().filter((c) => c.startsWith("curl "))).to.have.length(1);
            const body = h.p(render.JOIN_FILE);
            expect((fs.statSync(body).mode & 0o777).toString(8)).to.equal("600");
            expect((fs.statSync(h.p(render.JOIN_DIR)).mode & 0o777).toString(8)).to.equal("700");
            expect(result(script)).to.equal("unchanged");

            h.reboot();
            expect(fs.readdirSync(h.p("run"))).to.deep.equal([]);
            expect(result(script)).to.equal("unchanged");
            expect(h.takeCalls().filter((c) => !c.startsWith("docker info "))).to.deep.equal([]);
            expect(fs.readFileSync(body, "utf8")).to.contain(TOKEN);
        });

        it("swarm-join: a host of another swarm leaves it and joins this one", () => {
            fs.mkdirSync(h.p(".fake"), { recursive: true });
            fs.writeFileSync(h.p(".fake/swarm-state"), "active\n");
            fs.writeFileSync(h.p(".fake/swarm-managers"), "10.0.15.99:2377\n");
            const script = h.rooted(renderScript("node2", "swarm-join", render.workerJoinOps("10.0.15.12", "10.0.15.11", TOKEN)));
            expect(result(script)).to.equal("changed");
            const calls = h.takeCalls().filter((c) => !c.startsWith("docker info "));
            expect(calls.map((c) => c.split(" ").slice(0, 2).join(" "))).to.deep.equal(["docker swarm", "curl -sS"]);
            expect(fs.readFileSync(h.p(".fake/swarm-managers"), "utf8").trim()).to.equal("10.0.15.11:2377");
            expect(result(script)).to.equal("unchanged");
        });
    });
});
