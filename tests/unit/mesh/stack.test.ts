import { expect } from "chai";
import * as pulumi from "@pulumi/pulumi";
import { SECRET_KEYS, stackConfigSchema, StackConfig } from "../../../config/schema";
import { validate } from "../../../components/validate";
import { createContainerNetwork, OverlayMesh, WeaveMesh } from "../../../components/mesh";
import { deployMesh } from "../../../stack/mesh";
import { labLayout } from "../provision/fake-host";
import { mocks } from "../../support/setup";
import { settle, valueOf } from "../../support/outputs";
import { PASSWORD, weaveSettings } from "./fixtures";

const hosts = [
    { name: "mgmt", roles: ["mgmt"], ip: "10.0.15.10" },
    { name: "node1", roles: ["master", "agent"], ip: "10.0.15.11" },
];
const config = (extra: object = {}): StackConfig => validate(stackConfigSchema, { hosts, ...extra }, "stack config");

describe("mesh stack config and implementation switch", () => {
    it("defaults to weave, as the original, and then asks for the pins it cannot default", () => {
        expect(() => config()).to.throw(
            /mesh.weave: required when implementation is "weave": at least scriptSha256 and images pinned by digest \(or choose implementation "overlay"\)/,
        );
        const c = config({ mesh: { weave: weaveSettings() } });
        expect(c.mesh.implementation).to.equal("weave");
        expect(c.mesh.weave).to.deep.include({ version: "2.8.1", ipRange: "10.2.0.0/16", dnsDomain: "weave.local", dockerhubUser: "weaveworks" });
        expect(c.mesh.weave!.scriptUrl).to.equal("https://github.com/weaveworks/weave/releases/download/v2.8.1/weave");
        expect(c.mesh.weave!.scope).to.deep.equal({ enabled: false, port: 4040 });
    });

    it("takes overlay with its defaults", () => {
        expect(config({ mesh: { implementation: "overlay" } }).mesh).to.deep.equal({
            implementation: "overlay",
            overlay: { name: "mesh", subnet: "10.2.0.0/16" },
        });
    });

    it("rejects an unknown implementation, a range that contains a host, unknown keys", () => {
        expect(() => config({ mesh: { implementation: "flannel" } })).to.throw(/mesh.implementation: expected one of weave, overlay, got "flannel"/);
        expect(() => config({ mesh: { implementation: "overlay", overlay: { subnet: "10.0.0.0/16" } } })).to.throw(
            /mesh.overlay.subnet: expected a range that contains no host address, got "10.0.0.0\/16", which contains mgmt \(10.0.15.10\)/,
        );
        expect(() => config({ mesh: { weave: weaveSettings({ ipRange: "10.0.15.0/24" }) } })).to.throw(
            /mesh.weave.ipRange: expected a range that contains no host address/,
        );
        expect(() => config({ mesh: { implementation: "overlay", overlay: { encrypted: true } } })).to.throw(/mesh.overlay.encrypted: unknown key/);
    });

    it("treats weavePassword as a secret key and never echoes a bad one", () => {
        expect(SECRET_KEYS).to.include("weavePassword");
        let msg = "";
        try {
            config({ mesh: { implementation: "overlay" }, weavePassword: "has space in it, long enough" });
        } catch (e) {
            msg = (e as Error).message;
        }
        expect(msg).to.contain("weavePassword: expected printable characters without spaces").and.contain("(hidden)");
        expect(msg).not.to.contain("has space");
    });

    it("builds the chosen component", () => {
        const w = createContainerNetwork("w", { hosts: labLayout(), settings: { weave: weaveSettings() }, weavePassword: pulumi.secret(PASSWORD) });
        expect(w).to.be.instanceOf(WeaveMesh);
        const o = createContainerNetwork("o", { hosts: labLayout(), settings: { implementation: "overlay" } });
        expect(o).to.be.instanceOf(OverlayMesh);
        expect(() => createContainerNetwork("x", { hosts: labLayout(), settings: { weave: weaveSettings() } })).to.throw(
            /weavePassword: required when implementation is "weave"/,
        );
    });
});

describe("deployMesh", () => {
    it("generates the Weave password once, locally, with its output kept secret, when none is configured", async () => {
        mocks.onResource("pulumi-nodejs:dynamic/exec:LocalCommand", () => ({ stdout: "R4nd0m/generated+base64pw0123456789abcdefgh\n", stderr: "" }));
        const m = deployMesh(config({ mesh: { weave: weaveSettings() } }), labLayout());
        await settle();
        const gen = mocks.named("weave-password");
        expect(gen.inputs.create).to.equal("openssl rand -base64 33");
        expect(gen.inputs.logging).to.equal("none");
        const svc = mocks.named("mesh-node1-weave-service");
        expect(svc.inputs.stdin).to.contain("WEAVE_PASSWORD=R4nd0m/generated+base64pw0123456789abcdefgh\n");
        expect(svc.secretInputs).to.include("stdin");
        expect(await valueOf(m.outputs.domain as string)).to.equal("weave.local");
    });

    it("uses the configured secret and creates no generator; overlay needs no password at all", async () => {
        const cfg = config({ mesh: { weave: weaveSettings() } });
        (cfg as any).weavePassword = pulumi.secret(PASSWORD); // as loadStackConfig hands it over
        deployMesh(cfg, labLayout());
        await settle();
        expect(mocks.byType("pulumi-nodejs:dynamic/exec:LocalCommand")).to.have.length(0);
        expect(mocks.named("mesh-node2-weave-service").inputs.stdin).to.contain(`WEAVE_PASSWORD=${PASSWORD}\n`);
        mocks.reset();
        const o = deployMesh(config({ mesh: { implementation: "overlay" } }), labLayout());
        await settle();
        expect(mocks.byType("pulumi-nodejs:dynamic/exec:LocalCommand")).to.have.length(0);
        expect(o.outputs).to.deep.include({ implementation: "overlay", domain: "mesh", agentDockerSocket: "(default Docker socket)", range: "10.2.0.0/16" });
        expect(o.outputs.example).to.equal("--network=mesh --network-alias=<app> --hostname=<app>");
    });
});
