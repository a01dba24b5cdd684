import { expect } from "chai";
import * as fs from "fs";
import * as pulumi from "@pulumi/pulumi";
import { LabNames, hostSpecs } from "../../lab/harness/topology";
import { isDialError, keyFile, sshArgs } from "../../lab/harness/ssh";
import { LabExecutor, isSecret } from "../../lab/harness/executor";
import { expectedFailuresOnly } from "../../lab/harness/expect";
import { LabRun } from "../../lab/harness/run";
import { differences } from "../../lab/snapshot";

// The lab harness's pure parts and its executor, without a lab (the lab itself: tests/lab/00-harness).
describe("lab harness (no lab needed)", () => {
    it("isolates labs by LAB_ID: network, subnet, names, addresses", () => {
        const n = new LabNames("3");
        expect([n.network, n.subnet, n.gateway, n.container("node2"), n.volume("mgmt"), n.dir]).to.deep.equal([
            "mslab3",
            "10.0.118.0/24",
            "10.0.118.1",
            "mslab3-node2",
            "mslab3-mgmt-docker",
            "/tmp/mslab3",
        ]);
        expect(
            hostSpecs(new LabNames(0), ["mgmt", "node1", "node2", "node3"]).map(
                (h) => `${h.name} ${h.ip} ${h.roles.join(",")} ${h.zookeeperId ?? "-"} ${h.agentAttributes?.slavetype ?? "-"}`,
            ),
        ).to.deep.equal([
            "mgmt 10.0.115.10 mgmt - -",
            "node1 10.0.115.11 zookeeper,master,marathon,registry,logServer,agent 1 system",
            "node2 10.0.115.12 zookeeper,agent 2 app",
            "node3 10.0.115.13 zookeeper,agent 3 app",
        ]);
        expect(() => new LabNames("x")).to.throw('LAB_ID must be an integer from 0 to 139, got "x"');
        expect(() => new LabNames(140)).to.throw("LAB_ID must be an integer from 0 to 139");
    });

    it("builds ssh arguments: key file 0600, no host key prompts, proxy as ProxyCommand, env names only", () => {
        const key = "-----BEGIN OPENSSH PRIVATE KEY-----\nAAAA\n-----END OPENSSH PRIVATE KEY-----\n";
        const args = sshArgs({ host: "10.0.0.5", user: "admin", port: 2222, privateKey: key, proxy: { host: "bastion", privateKey: key } }, "bash -s", [
            "TOKEN",
        ]);
        const file = keyFile(key);
        expect(fs.statSync(file).mode & 0o777).to.equal(0o600);
        expect(fs.readFileSync(file, "utf8")).to.equal(key);
        expect(args.slice(0, 2)).to.deep.equal(["-i", file]);
        for (const o of ["StrictHostKeyChecking=no", "UserKnownHostsFile=/dev/null", "BatchMode=yes", "SendEnv=TOKEN"]) expect(args).to.include(o);
        expect(args.find((a) => a.startsWith("ProxyCommand="))).to.match(/^ProxyCommand=ssh -i \S+ .* -W %h:%p root@bastion$/);
        expect(args.slice(-3)).to.deep.equal(["admin@10.0.0.5", "--", "bash -s"]);
        expect(args.join(" ")).not.to.contain("AAAA");
    });

    it("tells ssh's failures to reach a host from a command's exit 255", () => {
        expect(isDialError({ code: 255, stdout: "", stderr: "ssh: connect to host 10.0.0.5 port 22: No route to host" })).to.equal(true);
        expect(isDialError({ code: 255, stdout: "", stderr: "the script itself exited 255" })).to.equal(false);
        expect(isDialError({ code: 1, stdout: "", stderr: "ssh: connect to host x port 22: Connection refused" })).to.equal(false);
    });

    describe("executor", () => {
        const exec = new LabExecutor(new Map([["127.0.0.1", "loopback"]]));
        const counter = `/tmp/lab-harness-test-${process.pid}`;
        after(() => fs.rmSync(counter, { force: true }));
        const local = (name: string, create: string, extra: Record<string, unknown> = {}) =>
            exec.newResource({
                type: "pulumi-nodejs:dynamic/exec:LocalCommand",
                name,
                inputs: { create, ...extra },
                custom: true,
            } as pulumi.runtime.MockResourceArgs);

        it("runs a local command once; same inputs keep the first result (as state does), new inputs run again", async () => {
            const first = await local("gen", `echo run >> ${counter}; echo value-$$`);
            expect(first.state.stdout).to.match(/^value-\d+$/);
            const again = await local("gen", `echo run >> ${counter}; echo value-$$`);
            expect(again.state.stdout).to.equal(first.state.stdout);
            await local("gen", `echo run >> ${counter}; echo other-$$`);
            expect(fs.readFileSync(counter, "utf8")).to.equal("run\nrun\n");
        });

        it("keeps a secret step's output secret, and hides it from its failure", async () => {
            const r = await local("secret-gen", "echo hunter2", { logging: "none" });
            expect(isSecret(r.state.stdout)).to.equal(true);
            let message = "";
            await local("secret-fail", "echo hunter2 >&2; exit 3", { logging: "none" }).catch((e) => (message = e.message));
            expect(message).to.equal("step secret-fail on localhost: exit 3: (output hidden: secret step)");
            expect(exec.failures.map((f) => f.resource)).to.include("secret-fail");
        });

        it("fails a remote step whose host does not answer with the step, the host and ssh's reason", async () => {
            let message = "";
            await exec
                .newResource({
                    type: "pulumi-nodejs:dynamic/exec:RemoteCommand",
                    name: "probe-loopback-step",
                    inputs: {
                        connection: {
                            host: "127.0.0.1",
                            port: 1,
                            privateKey: "-----BEGIN OPENSSH PRIVATE KEY-----\nx\n-----END OPENSSH PRIVATE KEY-----",
                            dialErrorLimit: 1,
                        },
                        create: "true",
                    },
                    custom: true,
                } as pulumi.runtime.MockResourceArgs)
                .catch((e) => (message = e.message));
            expect(message).to.match(/^step probe-loopback-step on loopback: ssh failed: ssh: connect to host 127\.0\.0\.1 port 1: Connection refused/);
        });
    });

    it("expectedFailuresOnly lists the failures the pattern does not allow", () => {
        const run = {
            failures: [
                { resource: "mesos-node1-mesos-master-ready", message: "x" },
                { resource: "docker-node2-docker", message: "step docker-node2-docker on node2: exit 1" },
            ],
        } as LabRun;
        expect(() => expectedFailuresOnly(run, /mesos/)).to.throw(
            "unexpected failures (allowed: /mesos/):\n  - docker-node2-docker: step docker-node2-docker on node2: exit 1",
        );
        expect(expectedFailuresOnly({ failures: [run.failures[0]] } as LabRun, /mesos/)).to.equal(true);
    });

    it("compares host snapshots key by key", () => {
        const snap = (pid: string) => ({ node1: { pids: { "docker.service": pid }, files: {}, mtimes: {} } });
        expect(differences(snap("10"), snap("10"), "pids")).to.deep.equal([]);
        expect(differences(snap("10"), snap("11"), "pids")).to.deep.equal(["node1: docker.service 10 -> 11"]);
    });
});
