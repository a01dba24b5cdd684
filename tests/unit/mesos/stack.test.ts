import { expect } from "chai";
import * as pulumi from "@pulumi/pulumi";
import { platformConfigSchema, SECRET_KEYS, StackConfig, stackConfigSchema } from "../../../config/schema";
import { validate } from "../../../components/validate";
import { deployMesos, mesosImages } from "../../../stack/mesos";
import { mocks } from "../../support/setup";
import { settle, valueOf, isSecret } from "../../support/outputs";
import { Host } from "../../../components/hosts/host";
import { IMAGES, layers, layout, PASSWORD, SECRETS } from "./fixtures";

/**
 * The original topology (config default hosts) with the given extras. Per-key rules only: the
 * whole-platform rules (other layers' too) are checked where the mesos one is (platformConfigSchema).
 */
const platform = (extra: object = {}) => validate(stackConfigSchema, { mesh: { implementation: "overlay" }, ...extra }, "stack config") as StackConfig;
const whole = (extra: object = {}) => validate(platformConfigSchema, { mesh: { implementation: "overlay" }, ...extra }, "stack config");

describe("mesos stack config and deployMesos", () => {
    let hosts: Host[];
    it("requires pinned images once a host runs Mesos (except on the local target), and names the hosts", () => {
        expect(() => whole({ target: "vagrant" })).to.throw(
            new RegExp(
                /mesos.images: required because hosts node1, node2, node3 have role master, agent or marathon: \{ master, agent, marathon \}, each /.source +
                    /pinned by digest/.source,
            ),
        );
        let local = "";
        try {
            whole();
        } catch (e) {
            local = (e as Error).message;
        }
        expect(local, "the local target pins on first use").not.to.contain("mesos.images");
        let msg = "";
        try {
            whole({ mesos: { images: IMAGES } });
        } catch (e) {
            msg = (e as Error).message; // other layers' whole-platform rules may still object
        }
        expect(msg).not.to.contain("mesos.");
        const c = platform({ mesos: { images: IMAGES } });
        expect(c.mesos).to.deep.include({
            clusterName: "MesosCluster",
            mirrorToRegistry: true,
            executorRegistrationTimeout: "10mins",
            cgroups: "v1",
            readinessTimeoutSeconds: 300,
        });
        expect(c.mesos.marathon).to.deep.equal({ username: "marathon", httpPort: 8080, tls: true, httpsPort: 8443, features: [] });
        // A stack without Mesos hosts needs no images (components used alone).
        expect(() =>
            validate(stackConfigSchema, { hosts: [{ name: "mgmt", roles: ["mgmt"], ip: "10.0.15.10" }], mesh: { implementation: "overlay" } }, "stack config"),
        ).not.to.throw();
    });

    it("rejects bad mesos settings naming the key", () => {
        expect(() => platform({ mesos: { images: { ...IMAGES, marathon: "mesosphere/marathon:latest" } } })).to.throw(
            /mesos.images.marathon: expected an image reference pinned by digest/,
        );
        expect(() => platform({ mesos: { images: IMAGES, cgroups: "hybrid" } })).to.throw(/mesos.cgroups: expected one of v1, v2, auto, got "hybrid"/);
        expect(() => platform({ mesos: { images: IMAGES, readinessTimeoutSeconds: 1 } })).to.throw(/mesos.readinessTimeoutSeconds/);
        expect(() => platform({ mesos: { images: IMAGES, agentAttributes: { "Bad Name": "x" } } })).to.throw(/mesos.agentAttributes/);
        expect(() => platform({ mesos: { images: IMAGES, quorum: 3 } })).to.throw(/mesos.quorum: unknown key/);
    });

    it("treats marathonPassword as a secret key and never echoes a bad one", () => {
        expect(SECRET_KEYS).to.include("marathonPassword");
        let msg = "";
        try {
            platform({ mesos: { images: IMAGES }, marathonPassword: "has a space in it!!" });
        } catch (e) {
            msg = (e as Error).message;
        }
        expect(msg).to.contain("marathonPassword: expected printable characters without spaces").and.contain("(hidden)").and.not.contain("has a space");
    });

    it("treats the Mesos principals' secrets as secret keys, generated per stack when unset, the configured ones used as they are", async () => {
        for (const k of ["mesosFrameworkSecret", "mesosAgentSecret", "mesosOperatorSecret"]) expect(SECRET_KEYS).to.include(k);
        let msg = "";
        try {
            platform({ mesos: { images: IMAGES }, mesosOperatorSecret: "too short" });
        } catch (e) {
            msg = (e as Error).message;
        }
        expect(msg).to.contain("mesosOperatorSecret: expected at least 16 characters").and.contain("(hidden)").and.not.contain("too short");
        deployMesos(platform({ mesos: { images: IMAGES, mirrorToRegistry: false } }), (hosts = layout()), layers(hosts));
        await settle();
        for (const n of ["mesos-framework-secret", "mesos-agent-secret", "mesos-operator-secret"])
            expect(mocks.named(n).inputs.create).to.equal("openssl rand -hex 24");
        mocks.reset();
        const cfg = platform({
            mesos: { images: IMAGES, mirrorToRegistry: false },
            mesosFrameworkSecret: SECRETS.framework,
            mesosAgentSecret: SECRETS.agent,
            mesosOperatorSecret: SECRETS.operator,
        });
        cfg.mesosFrameworkSecret = pulumi.secret(SECRETS.framework) as any;
        cfg.mesosAgentSecret = pulumi.secret(SECRETS.agent) as any;
        cfg.mesosOperatorSecret = pulumi.secret(SECRETS.operator) as any;
        deployMesos(cfg, (hosts = layout()), layers(hosts));
        await settle();
        expect(mocks.resources.map((r) => r.name).filter((n) => n.endsWith("-secret"))).to.deep.equal([]);
        expect(mocks.named("mesos-node1-mesos-master").inputs.stdin).to.contain(JSON.stringify(SECRETS.agent)).and.contain(JSON.stringify(SECRETS.operator));
    });

    it("guards programs that skipped the platform schema", () => {
        const c = validate(stackConfigSchema, { target: "vagrant", mesh: { implementation: "overlay" } }, "stack config") as StackConfig;
        expect(() => mesosImages(c)).to.throw(/mesos.images: required because hosts node1, node2, node3/);
    });

    it("generates the Marathon password once, as a secret, when none is configured; outputs name the endpoints", async () => {
        const cfg = platform({ mesos: { images: IMAGES, mirrorToRegistry: false } });
        const m = deployMesos(cfg, (hosts = layout()), layers(hosts), { agentDockerSocket: "/var/run/weave/weave.sock", hostReady: {} });
        await settle();
        const gen = mocks.named("marathon-password");
        expect(gen.type).to.equal("pulumi-nodejs:dynamic/exec:LocalCommand");
        expect(gen.inputs.create).to.equal("openssl rand -hex 24");
        expect(gen.inputs.logging).to.equal("none");
        expect(await isSecret(m.scheduler.marathonPassword)).to.equal(true);
        expect(await valueOf(m.outputs.mesosUrls as pulumi.Output<string[]>)).to.deep.equal(["http://10.0.15.11:5050"]);
        expect(await valueOf(m.outputs.marathonUrl as pulumi.Output<string>)).to.equal("https://10.0.15.11:8443");
        expect(await valueOf(m.outputs.zookeeper as pulumi.Output<string>)).to.equal("10.0.15.11:2181,10.0.15.12:2181,10.0.15.13:2181");
        expect(await valueOf(m.outputs.registry as pulumi.Output<string>)).to.equal("10.0.15.11:5000");
        expect(mocks.named("mesos-node2-mesos-agent").inputs.stdin).to.contain("MESOS_DOCKER_SOCKET=/var/run/weave/weave.sock\n");
    });

    it("uses the configured password (a secret) and mirrors by default", async () => {
        const cfg = platform({ mesos: { images: IMAGES }, marathonPassword: PASSWORD });
        cfg.marathonPassword = pulumi.secret(PASSWORD) as any;
        deployMesos(cfg, (hosts = layout()), layers(hosts));
        await settle();
        expect(mocks.resources.map((r) => r.name)).not.to.include("marathon-password");
        expect(mocks.named("mesos-mgmt-mesos-mirror").inputs.stdin).to.contain("skopeo copy");
        expect(mocks.named("mesos-node1-marathon").inputs.stdin).to.contain(`MESOSPHERE_HTTP_CREDENTIALS=marathon:${PASSWORD}`);
        expect(mocks.named("mesos-node1-marathon").secretInputs).to.include("stdin");
    });
});
