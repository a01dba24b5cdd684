import { expect } from "chai";
import * as pulumi from "@pulumi/pulumi";
import { WeaveMesh } from "../../../components/mesh";
import { Host } from "../../../components/hosts/host";
import { fakeHost, labLayout } from "../provision/fake-host";
import { runsAfter } from "../provision/deps";
import { mocks } from "../../support/setup";
import { settle } from "../../support/outputs";
import { PASSWORD, weaveSettings } from "./fixtures";

const steps = () => mocks.byType("pulumi-nodejs:dynamic/exec:RemoteCommand").filter((r) => typeof r.inputs.stdin === "string");
const snapshot = () => Object.fromEntries(mocks.byType("pulumi-nodejs:dynamic/exec:RemoteCommand").map((r) => [r.name, JSON.stringify(r.inputs)]));

function mesh(hosts: Host[], extra: Partial<ConstructorParameters<typeof WeaveMesh>[1]> = {}): WeaveMesh {
    return new WeaveMesh("mesh", { hosts, password: pulumi.secret(PASSWORD), settings: weaveSettings(), ...extra });
}

describe("WeaveMesh (mocks)", () => {
    it("provisions every host in order: install, peers, then the service step (after the host's Docker)", async () => {
        const hosts = labLayout();
        const engine = fakeHost("engine-marker", "10.0.15.99").ready;
        const m = mesh(hosts, { hostReady: { node2: [engine] } });
        await settle();
        for (const h of hosts) {
            expect(runsAfter(`mesh-${h.name}-weave-peers`, `mesh-${h.name}-weave-install`)).to.equal(true);
            expect(runsAfter(`mesh-${h.name}-weave-service`, `mesh-${h.name}-weave-peers`)).to.equal(true);
            expect(runsAfter(`mesh-${h.name}-weave-install`, `${h.name}-ready`)).to.equal(true);
        }
        expect(runsAfter("mesh-node2-weave-install", "engine-marker-ready")).to.equal(true);
        expect(runsAfter("mesh-node1-weave-install", "engine-marker-ready")).to.equal(false);
        expect(m.ready.length).to.equal(4);
        expect(steps().map((s) => s.name)).to.have.length(12);
    });

    it("keeps the password in the secret service step only", async () => {
        mesh(labLayout());
        await settle();
        for (const r of mocks.resources) {
            const text = JSON.stringify(r.inputs);
            if (!text.includes(PASSWORD)) continue;
            expect(r.name, `${r.name} holds the password`).to.match(/-weave-service$/);
            expect(r.secretInputs).to.include.members(["stdin", "triggers"]);
            expect(r.inputs.logging).to.equal("none");
            expect(r.inputs.create).not.to.contain(PASSWORD);
        }
        expect(mocks.resources.filter((r) => JSON.stringify(r.inputs).includes(PASSWORD))).to.have.length(4);
    });

    it("gives each host the others as peers and the host count as consensus", async () => {
        mesh(labLayout());
        await settle();
        const peers = mocks.named("mesh-node2-weave-peers").inputs.stdin as string;
        expect(peers).to.contain('WEAVE_PEERS="10.0.15.10 10.0.15.11 10.0.15.13"');
        expect(peers).to.contain("WEAVE_CONSENSUS=4");
        expect(mocks.named("mesh-mgmt-weave-peers").inputs.stdin).to.contain('WEAVE_PEERS="10.0.15.11 10.0.15.12 10.0.15.13"');
    });

    it("adding a host changes its own steps and the others' peer lists, nothing else", async () => {
        const three = labLayout().slice(0, 3);
        mesh(three);
        await settle();
        const before = snapshot();
        mocks.reset();
        mesh([...three, fakeHost("node3", "10.0.15.13", ["agent"])]);
        await settle();
        const after = snapshot();
        const changed = Object.keys(after).filter((k) => k in before && before[k] !== after[k]);
        const added = Object.keys(after).filter((k) => !(k in before));
        expect(changed.sort()).to.deep.equal(["mesh-mgmt-weave-peers", "mesh-node1-weave-peers", "mesh-node2-weave-peers"]);
        expect(added.sort()).to.deep.equal([
            "mesh-node3-weave-install",
            "mesh-node3-weave-leave",
            "mesh-node3-weave-peers",
            "mesh-node3-weave-reclaim",
            "mesh-node3-weave-service",
        ]);
    });

    it("on removal: the host resets itself first, then ONE other host reclaims it (deletes run in reverse dependency order)", async () => {
        mesh(labLayout());
        await settle();
        const leave = mocks.named("mesh-node2-weave-leave");
        const reclaim = mocks.named("mesh-node2-weave-reclaim");
        expect(leave.inputs.connection.host).to.equal("10.0.15.12");
        expect(leave.inputs.delete).to.contain("curl -fsS -X DELETE http://127.0.0.1:6784/peer");
        expect(reclaim.inputs.connection.host).to.equal("10.0.15.10"); // the first other host: mgmt
        expect(reclaim.inputs.delete).to.match(/weave rmpeer \S*node2/);
        expect(mocks.named("mesh-mgmt-weave-reclaim").inputs.connection.host).to.equal("10.0.15.11");
        // leave depends on reclaim, so the engine deletes leave (reset) before reclaim (rmpeer).
        expect(runsAfter("mesh-node2-weave-leave", "mesh-node2-weave-reclaim")).to.equal(true);
        expect(leave.inputs.triggers).to.equal(undefined);
    });

    it("implements the contract: weaveDNS name via hostname, the proxy socket for Mesos agents", () => {
        const m = mesh([fakeHost("solo", "10.0.15.20")]);
        expect(m.kind).to.equal("weave");
        expect(m.domain).to.equal("weave.local");
        expect(m.agentDockerSocket).to.equal("/var/run/weave/weave.sock");
        expect(m.dockerNetwork).to.equal(undefined);
        expect(m.dockerParameters("nodeapp")).to.deep.equal([{ key: "hostname", value: "nodeapp.weave.local" }]);
    });

    it("runs Scope only when enabled, its UI on the private address", async () => {
        mesh(labLayout().slice(0, 2), { settings: weaveSettings({ scope: { enabled: true, image: `weaveworks/scope:1.13.2@sha256:${"5".repeat(64)}` } }) });
        await settle();
        const scope = mocks.named("mesh-node1-weave-scope").inputs.stdin as string;
        expect(scope).to.contain("--app.http.address=10.0.15.11:4040 10.0.15.10:4040 10.0.15.11:4040");
        mocks.reset();
        mesh(labLayout().slice(0, 2));
        await settle();
        expect(steps().filter((s) => s.name.endsWith("-scope"))).to.have.length(0);
    });

    describe("rejects bad input before creating anything", () => {
        const bad = (extra: object) => () => mesh(labLayout(), extra as any);
        it("a bad CIDR", () => {
            expect(bad({ settings: weaveSettings({ ipRange: "10.2.0.0/33" }) })).to.throw(
                /WeaveMesh "mesh": invalid input\n {2}settings.ipRange: expected an IPv4 CIDR like 10.0.15.0\/24, got "10.2.0.0\/33"/,
            );
        });
        it("an image not pinned by digest", () => {
            const images = { ...weaveSettings().images, weave: "weaveworks/weave:2.8.1" };
            expect(bad({ settings: weaveSettings({ images }) })).to.throw(
                /settings.images.weave: expected an image reference pinned by digest.*got "weaveworks\/weave:2.8.1"/,
            );
        });
        it("a bad or missing sha256", () => {
            expect(bad({ settings: weaveSettings({ scriptSha256: "abc" }) })).to.throw(
                /settings.scriptSha256: expected a sha256 checksum \(64 lowercase hex digits\), got "abc"/,
            );
            const { scriptSha256: _scriptSha256, ...rest } = weaveSettings();
            expect(bad({ settings: rest })).to.throw(/settings.scriptSha256: required: the sha256 of the weave script/);
        });
        it("Scope enabled without a pinned image", () => {
            expect(bad({ settings: weaveSettings({ scope: { enabled: true } }) })).to.throw(/settings.scope.image: required when scope is enabled/);
        });
        it("a weak password, without echoing it", () => {
            const e = (() => {
                try {
                    mesh(labLayout(), { password: "short pw" });
                } catch (err) {
                    return (err as Error).message;
                }
                return "";
            })();
            expect(e).to.contain("password: expected at least 16 characters").and.contain("got (hidden)");
            expect(e).not.to.contain("short pw");
        });
        it("a host twice", () => {
            expect(() => mesh([fakeHost("a", "10.0.15.1"), fakeHost("a", "10.0.15.2")])).to.throw(/hosts\[1\].name: host name "a" appears twice/);
        });
        afterEach(() => expect(mocks.byType("pulumi-nodejs:dynamic/exec:RemoteCommand").filter((r) => r.name.startsWith("mesh-"))).to.have.length(0));
    });
});
