import { expect } from "chai";
import * as pulumi from "@pulumi/pulumi";
import { stackConfigSchema, StackConfig } from "../../../config/schema";
import { deployPlatform } from "../../../stack/platform";
import { labLayout, PEM, realisticStepOutputs } from "../provision/fake-host";
import { runsAfter } from "../provision/deps";
import { mocks } from "../../support/setup";
import { settle, valueOf } from "../../support/outputs";

const PASSWORD = "stack-secret-password-1";

function config(extra: Record<string, unknown> = {}): StackConfig {
    const cfg = stackConfigSchema.parse({ hosts: [{ name: "mgmt", roles: ["mgmt"], ip: "10.0.15.10" }], mesh: { implementation: "overlay" }, ...extra });
    if (cfg.registryPassword) (cfg as any).registryPassword = pulumi.secret(cfg.registryPassword); // as loadStackConfig does
    return cfg;
}

/** Builds the platform, then returns every step's script by name. */
async function scripts(cfg: StackConfig): Promise<Record<string, string>> {
    mocks.reset();
    realisticStepOutputs();
    deployPlatform(cfg, labLayout());
    await settle();
    return Object.fromEntries(
        mocks
            .byType("pulumi-nodejs:dynamic/exec:RemoteCommand")
            .filter((r) => r.inputs.stdin)
            .map((r) => [r.name, r.inputs.stdin as string]),
    );
}

describe("deployPlatform", () => {
    it("builds the CA on mgmt, the registry on the registry host, Docker on every host, in order", async () => {
        realisticStepOutputs();
        const p = deployPlatform(config({ registryPassword: PASSWORD }), labLayout());
        expect(await valueOf(p.registry.address)).to.equal("10.0.15.11:5000");
        expect(await valueOf(p.caCert)).to.equal(PEM.ca);
        await settle();
        const host = (n: string) => mocks.named(n).inputs.connection.host;
        expect(host("stack-ca-mgmt-ca")).to.equal("10.0.15.10");
        expect(host("registry-tls-node1-tls-key")).to.equal("10.0.15.11");
        expect(host("registry-tls-mgmt-tls-sign")).to.equal("10.0.15.10");
        expect(host("registry-node1-registry")).to.equal("10.0.15.11");
        for (const h of ["mgmt", "node1", "node2", "node3"]) {
            expect(mocks.named(`docker-${h}-docker`).inputs.stdin).to.contain("ensure_packages 'docker.io'");
            expect(runsAfter(`docker-${h}-registry`, "stack-ca-mgmt-ca"), `${h}: trust after the CA`).to.equal(true);
            expect(runsAfter(`docker-${h}-registry`, "registry-node1-registry"), `${h}: login after the registry serves`).to.equal(true);
            expect(p.hostReady[h]).to.have.length(1);
        }
        expect(mocks.resources.filter((r) => r.type.startsWith("microservice:index:")).map((r) => r.type)).to.have.members([
            "microservice:index:StackCa",
            "microservice:index:ServerCertificate",
            "microservice:index:DockerRegistry",
            "microservice:index:DockerEngine",
        ]);
        expect(mocks.resources.some((r) => r.name === "registry-password")).to.equal(false); // configured: nothing generated
    });

    it("never puts the registry password in a non-secret input", async () => {
        realisticStepOutputs();
        deployPlatform(config({ registryPassword: PASSWORD }), labLayout());
        await settle();
        const holders = mocks.resources.filter((r) => JSON.stringify(r.inputs).includes(PASSWORD));
        expect(holders.length).to.equal(5); // the registry step + one login step per host
        for (const r of holders) {
            for (const [k, v] of Object.entries(r.inputs)) if (JSON.stringify(v).includes(PASSWORD)) expect(r.secretInputs, `${r.name}.${k}`).to.include(k);
            expect(r.inputs.logging, r.name).to.equal("none");
        }
    });

    it("generates a password once, where pulumi runs, as a secret, when none is configured", async () => {
        realisticStepOutputs();
        mocks.onResource("pulumi-nodejs:dynamic/exec:LocalCommand", () => ({ stdout: "R4nd0m+generated/password==\n", stderr: "" }));
        const p = deployPlatform(config(), labLayout());
        expect(await valueOf(p.registry.password)).to.equal("R4nd0m+generated/password==");
        expect(await valueOf((p.registry.password as any).isSecret)).to.equal(true);
        await settle();
        const gen = mocks.named("registry-password");
        expect(gen.inputs.create).to.equal("openssl rand -base64 24");
        expect(gen.inputs.logging).to.equal("none");
        expect(mocks.named("docker-node2-registry").secretInputs).to.include("stdin");
    });

    it("blast radius: a new registry port changes the registry step and each daemon's registry step, nothing else", async () => {
        const before = await scripts(config({ registryPassword: PASSWORD }));
        const after = await scripts(config({ registryPassword: PASSWORD, registry: { port: 5443 } }));
        expect(Object.keys(after)).to.have.members(Object.keys(before));
        const changed = Object.keys(before).filter((k) => before[k] !== after[k]);
        expect(changed).to.have.members([
            "registry-node1-registry",
            "docker-mgmt-registry",
            "docker-node1-registry",
            "docker-node2-registry",
            "docker-node3-registry",
        ]);
    });

    it("blast radius: new log options change every daemon.json step and nothing else", async () => {
        const before = await scripts(config({ registryPassword: PASSWORD }));
        const after = await scripts(config({ registryPassword: PASSWORD, docker: { logOpts: { "max-size": "50m" } } }));
        expect(Object.keys(before).filter((k) => before[k] !== after[k])).to.have.members([
            "docker-mgmt-docker",
            "docker-node1-docker",
            "docker-node2-docker",
            "docker-node3-docker",
        ]);
    });

    it("insecure mode only when configured: no CA, and every daemon lists the registry as insecure", async () => {
        const s = await scripts(config({ registryPassword: PASSWORD, registry: { insecure: true } }));
        expect(Object.keys(s).filter((n) => /-ca$|tls/.test(n))).to.deep.equal([]);
        for (const h of ["mgmt", "node1", "node2", "node3"]) expect(s[`docker-${h}-docker`]).to.contain('"insecure-registries": [\n    "10.0.15.11:5000"\n  ]');
    });

    it("fails before creating anything when the layout has no registry host or bad config", () => {
        const noRegistry = labLayout().map((h) => ({ ...h, roles: h.roles.filter((r) => r !== "registry") }));
        expect(() => deployPlatform(config({ registryPassword: PASSWORD }), noRegistry)).to.throw(/exactly one host must have role "registry", found 0/);
        expect(() => config({ registry: { port: 0 } })).to.throw(/registry/);
        expect(() => config({ docker: { bip: "nope" } })).to.throw(/bip/);
    });
});
