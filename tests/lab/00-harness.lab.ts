import { expect } from "chai";
import * as pulumi from "@pulumi/pulumi";
import { exec, file, HostSteps, sha256 } from "../../components/provision";
import { Host } from "../../components/hosts/host";
import { Lab } from "./harness";
import { lab } from "./shared";

// The harness itself: real hosts, real steps, failures reported with host and step.
describe("lab harness", () => {
    let l: Lab;
    const marker = `/etc/lab-probe-${process.pid}`;

    before(async () => {
        l = await lab();
    });

    it("brings up mgmt and node1..3 with systemd running, reachable over SSH with the lab key", async () => {
        expect(Object.keys(l.hosts)).to.deep.equal(["mgmt", "node1", "node2", "node3"]);
        for (const h of Object.values(l.hosts)) {
            const r = await h.sh("hostname; systemctl is-system-running; hostname -I");
            expect(r.code, `${h.name}: ${r.stderr}`).to.equal(0);
            const [name, state, ips] = r.stdout.trim().split("\n");
            expect(name).to.equal(h.name);
            expect(state).to.equal("running");
            expect(ips.split(" ")).to.include(h.ip);
        }
    });

    it("hosts resolve each other by name and reach each other's sshd", async () => {
        const r = await l.hosts.node1.sh(`getent hosts node3 | awk '{print $1}'; nc -z -w 3 ${l.hosts.node3.ip} 22 && echo open`);
        expect(r.stdout.trim().split("\n")).to.deep.equal([l.hosts.node3.ip, "open"]);
    });

    it("carries out a HostSteps step for real, and a second run changes nothing", async () => {
        const program = (hosts: Host[]) => {
            const parent = new pulumi.ComponentResource("microservice:index:LabProbe", "probe");
            const steps = new HostSteps(
                parent,
                "probe",
                hosts.find((h) => h.name === "node1")!,
            );
            const cmd = steps.add("marker", [file(marker, "hello from the lab\n")]);
            return { stdout: cmd.stdout };
        };
        const first = await l.run(program, "probe");
        expect(first.failures).to.deep.equal([]);
        expect(first.changedSteps()).to.deep.equal([`probe-node1-marker (${marker})`]);
        const onHost = await l.hosts.node1.sh(`sha256sum ${marker}`);
        expect(onHost.stdout.split(" ")[0]).to.equal(sha256("hello from the lab\n"));
        expect(first.outputs.stdout).to.equal(`STEP node1/marker: changed (${marker})`);

        const second = await l.run(program, "probe again");
        expect(second.ok).to.equal(true);
        expect(second.changedSteps()).to.deep.equal([]);
        expect(second.steps.find((s) => s.resource === "probe-node1-marker")?.result).to.equal("unchanged");
        await l.hosts.node1.sh(`rm -f ${marker}`);
    });

    it("reports a failing step with its host and step name, and never runs what depends on it", async () => {
        const run = await l.run((hosts) => {
            const parent = new pulumi.ComponentResource("microservice:index:LabProbe", "probe-fail");
            const steps = new HostSteps(
                parent,
                "probe",
                hosts.find((h) => h.name === "node2")!,
            );
            steps.add("broken", [exec("a command that fails", "false", "echo about to fail >&2; exit 3")]);
            steps.add("after", [file(marker, "never\n")]);
            // Two levels down: under mocks these would wait forever; the run still ends.
            const last = steps.add("after-after", [file(marker, "never\n")]);
            return { last: last.stdout };
        }, "probe with a failing step");
        expect(run.ok).to.equal(false);
        expect(run.failures).to.have.length(1);
        expect(run.failures[0].resource).to.equal("probe-node2-broken");
        expect(run.failures[0].message).to.match(/^step probe-node2-broken on node2: exit 3: /);
        expect(run.failures[0].message).to.contain("FAILED node2/broken");
        expect(run.registrations.map((r) => r.name)).not.to.include("probe-node2-after");
        expect(run.notRun).to.include.members(["probe-node2-after", "probe-node2-after-after", "output:last"]);
        expect((await l.hosts.node2.sh(`test -e ${marker}`)).code).to.equal(1);
    });

    it("hides a secret step's output from its failure message", async () => {
        const run = await l.run((hosts) => {
            const parent = new pulumi.ComponentResource("microservice:index:LabProbe", "probe-secret");
            new HostSteps(
                parent,
                "probe",
                hosts.find((h) => h.name === "node2")!,
            ).add("secret", pulumi.secret([exec("uses a password", "false", "echo hunter2-password >&2; exit 4")]), { secret: true });
        }, "probe with a failing secret step");
        expect(run.failures).to.have.length(1);
        expect(run.failures[0].message).to.contain("step probe-node2-secret on node2: exit 4");
        expect(run.failures[0].message).not.to.contain("hunter2");
    });
});
