// The consumer's unit test: its whole stack under the package's mocks (microservice-platform/testing),
// no engine, no hosts. Run by `npm test` (tsc, then Node's own test runner).
import { strict as assert } from "node:assert";
import { before, describe, it } from "node:test";
import * as pulumi from "@pulumi/pulumi";
import { PlatformMocks } from "microservice-platform/testing";

interface Registered {
    type: string;
    name: string;
    inputs: Record<string, any>;
}
const registered: Registered[] = [];

pulumi.runtime.setMocks(
    new PlatformMocks({ newResource: (a) => void registered.push({ type: a.type, name: a.name, inputs: a.inputs }) }),
    "platform-consumer",
    "test",
    false,
);

function value<T>(o: pulumi.Output<T>): Promise<T> {
    return new Promise((resolve) => o.apply((v) => resolve(v)));
}

describe("the consumer's stack under microservice-platform/testing's mocks", () => {
    let outputs: { registry: string; marathonUrl: string; app: string };

    before(async () => {
        const { consumerStack } = await import("../stack");
        const s = consumerStack({
            hosts: [
                { name: "mgmt", roles: ["mgmt"], ip: "10.0.25.10" },
                { name: "node1", roles: ["zookeeper", "master", "marathon", "registry", "logServer", "agent"], ip: "10.0.25.11", zookeeperId: 1 },
            ],
            knownHosts: ["10.0.25.10", "10.0.25.11", "10.0.25.12", "10.0.25.13"].map((ip, i) => `${ip} ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIGhvc3Qt${i}`),
            sshPrivateKey: pulumi.secret("-----BEGIN OPENSSH PRIVATE KEY-----\nAAAA\n-----END OPENSSH PRIVATE KEY-----\n"),
            registryPassword: pulumi.secret("correct-horse-battery"),
            marathonPassword: pulumi.secret("correct-horse-battery-staple"),
            zookeeperPassword: pulumi.secret("correct-horse-battery-zookeeper"),
            mesosImages: {
                master: `mesosphere/mesos-master:1.11.0@sha256:${"1".repeat(64)}`,
                agent: `mesosphere/mesos-slave:1.11.0@sha256:${"2".repeat(64)}`,
                marathon: `mesosphere/marathon:v1.11.24@sha256:${"3".repeat(64)}`,
            },
            appImage: "nginx:1.27",
        });
        outputs = { registry: await value(s.registry), marathonUrl: await value(s.marathonUrl), app: await value(s.app) };
    });

    it("builds every layer: hosts, CA, registry, Docker, mesh, logging, Mesos and the app", () => {
        const types = new Set(registered.map((r) => r.type));
        for (const t of [
            "ExistingHosts",
            "StackCa",
            "DockerRegistry",
            "DockerEngine",
            "OverlayMesh",
            "RsyslogAggregator",
            "MesosCluster",
            "ZooKeeperEnsemble",
        ]) {
            assert.ok(types.has(`microservice:index:${t}`), `no ${t} among ${[...types].join(", ")}`);
        }
        assert.equal(outputs.registry, "10.0.25.11:5000");
        assert.equal(outputs.marathonUrl, "https://10.0.25.11:8443");
        assert.match(outputs.app, /MarathonApp::hello$/);
    });

    it("deploys the app on the mesh with the logging layer's journald flags", () => {
        const app = registered.find((r) => r.type.endsWith(":MarathonApp"));
        assert.ok(app, "no MarathonApp");
        const def = app.inputs.definition;
        assert.equal(def.id, "/team/hello");
        assert.equal(def.container.docker.image, "nginx:1.27");
        assert.deepEqual(def.networks, [{ mode: "container", name: "mesh" }]);
        const flags = (def.container.docker.parameters as { key: string; value: string }[]).map((p) => `${p.key}=${p.value}`);
        assert.ok(flags.includes("log-driver=journald"), flags.join(" "));
    });

    it("keeps its serialized provider small: it requires the installed package's provider instead of carrying its code", (t) => {
        const app = registered.find((r) => r.type.endsWith(":MarathonApp"))!;
        const provider = String(app.inputs.__provider);
        t.diagnostic(`serialized provider: ${provider.length} characters`);
        assert.ok(provider.length < 2048, `${provider.length} characters`);
        assert.match(provider, /node_modules\/microservice-platform\/dist\/components\/marathon\/provider\.js/);
    });
});
