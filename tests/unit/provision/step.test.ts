import { expect } from "chai";
import * as pulumi from "@pulumi/pulumi";
import * as command from "@pulumi/command";
import { HostPackages, HostSteps, file, packages, service, sha256, stepPayload } from "../../../components/provision";
import { renderStep } from "../../../components/provision/script";
import { directDeps } from "./deps";
import { Host } from "../../../components/hosts/host";
import { renderStepCheck } from "../../../components/provision/check";
import { mocks } from "../../support/setup";
import { settle } from "../../support/outputs";

class Parent extends pulumi.ComponentResource {
    constructor(name: string) {
        super("test:index:Parent", name);
    }
}

function fakeHost(name: string): Host {
    const parent = new Parent(`${name}-host`);
    return {
        name,
        roles: ["agent"],
        privateIp: pulumi.output("10.0.15.12"),
        connection: pulumi.secret({ host: "10.0.15.12", user: "root", privateKey: "KEY" }),
        ready: new command.remote.Command(`${name}-ready`, { connection: { host: "10.0.15.12" }, create: "true" }, { parent }),
    };
}

describe("provisioning steps", () => {
    it("runs the rendered ops (runtime sourced on the host) from stdin with the script's sha256 as trigger, in order, after the host is ready", async () => {
        const parent = new Parent("p");
        const steps = new HostSteps(parent, "demo", fakeHost("node2"));
        steps.add("config", [file("/etc/demo.conf", "a=1\n")]);
        steps.add("service", [service("demo", ["/etc/demo.conf"])]);
        await settle();
        const [config, svc] = ["demo-node2-config", "demo-node2-service"].map((n) => mocks.named(n));
        const expected = renderStep("node2", "config", [file("/etc/demo.conf", "a=1\n")]);
        expect(expected).to.not.contain("ensure_file() {");
        expect(config.inputs.stdin).to.equal(expected);
        expect(config.inputs.triggers).to.deep.equal([sha256(expected), "node2-ready-id"]);
        expect(config.inputs.create).to.not.contain("a=1");
        expect(config.inputs.addPreviousOutputInEnv).to.equal(false);
        // refresh runs the check-only form of the same ops, from stdin too (drift)
        expect(config.inputs.checkStdin).to.equal(renderStepCheck("node2", "config", [file("/etc/demo.conf", "a=1\n")]));
        expect(config.inputs.check).to.equal(config.inputs.create);
        expect(svc.inputs.stdin).to.contain("ensure_service 'demo' 1 '/etc/demo.conf'");
        expect(config.secretInputs).to.include("connection");
    });

    it("HostPackages: one packages step per host first; steps on its hosts wait for it and keep the machine's identity", async () => {
        const [a, b] = [fakeHost("node4"), fakeHost("node5")];
        const pkgs = new HostPackages("pk", { hosts: [a, b], packages: (h) => (h.name === "node4" ? ["zz", "aa", "zz"] : []) });
        const [a2, b2] = pkgs.hosts;
        new HostSteps(new Parent("p5"), "demo", a2).add("config", [packages("aa"), file("/etc/demo.conf", "a=1\n")]);
        await settle();
        const step = mocks.named("pk-node4-packages");
        expect(step.inputs.stdin).to.equal(renderStep("node4", "packages", [packages("aa", "zz")]));
        expect(pkgs.packages).to.deep.equal({ node4: ["aa", "zz"], node5: [] });
        expect(directDeps("pk-node4-packages")).to.include("node4-ready");
        const config = mocks.named("demo-node4-config");
        expect(directDeps("demo-node4-config")).to.include("pk-node4-packages");
        // Triggers name the machine (its ready command), not the packages step: a new package list re-runs only that step.
        expect(config.inputs.triggers[1]).to.equal("node4-ready-id");
        // A host that needs no package is handed back as it was, with no step.
        expect(b2).to.equal(b);
        expect(pkgs.steps).to.have.keys(["node4"]);
    });

    it("keeps a secret script secret", async () => {
        const parent = new Parent("p2");
        const steps = new HostSteps(parent, "sec", fakeHost("node3"));
        steps.add("pw", [file("/etc/pw", pulumi.secret("hunter2\n") as any)], { secret: true });
        await settle();
        const pw = mocks.named("sec-node3-pw");
        expect(pw.secretInputs).to.include.members(["stdin", "triggers", "checkStdin"]);
        expect(pw.inputs.logging).to.equal("none");
    });

    it("keeps a step declared secret secret even when its ops are plain", async () => {
        const steps = new HostSteps(new Parent("p3"), "dec", fakeHost("node1"));
        steps.add("pw", [file("/etc/pw", "plain\n")], { secret: true });
        await settle();
        const pw = mocks.named("dec-node1-pw");
        expect(pw.secretInputs).to.include.members(["stdin", "triggers", "checkStdin"]);
    });

    it("strips the result line from a step's payload", () => {
        expect(stepPayload("-----BEGIN CERT-----\nabc\n-----END CERT-----\nSTEP mgmt/ca: unchanged\n")).to.equal(
            "-----BEGIN CERT-----\nabc\n-----END CERT-----",
        );
    });
});
