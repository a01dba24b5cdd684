import { expect } from "chai";
import { platformConfigSchema, stackConfigSchema } from "../../../config/schema";
import { validate } from "../../../components/validate";
import { DEFAULT_MONGO_IMAGE, appsSettingsSchema, systemAgents } from "../../../apps/settings";

const hosts = [
    { name: "mgmt", roles: ["mgmt"], ip: "10.0.15.10" },
    { name: "node1", roles: ["zookeeper", "master", "marathon", "registry", "logServer", "agent"], ip: "10.0.15.11", zookeeperId: 1 },
    { name: "node2", roles: ["agent"], ip: "10.0.15.12" },
];
const images = {
    master: `mesosphere/mesos-master:1.7.0@sha256:${"0".repeat(64)}`,
    agent: `mesosphere/mesos-slave:1.7.0@sha256:${"1".repeat(64)}`,
    marathon: `mesosphere/marathon:v1.7.236@sha256:${"2".repeat(64)}`,
};
const platform = (apps: object, extra: object = {}) =>
    validate(
        platformConfigSchema,
        {
            hosts,
            mesh: { implementation: "overlay" },
            mesos: { images },
            volumes: { datasets: [{ name: "mongo", sizeGb: 1, primary: "node2" }] },
            apps,
            ...extra,
        },
        "stack config",
    );
const apps = (a: object) => validate(appsSettingsSchema, a, "stack config apps");

describe("apps config section", () => {
    it("defaults to the original: nodeapp 2 x 0.1 CPU / 128 MiB, nginx on 9080, mongo pinned on the volume named mongo", () => {
        const c = validate(stackConfigSchema, { hosts, mesh: { implementation: "overlay" } }, "stack config").apps;
        expect(c).to.deep.equal({
            enabled: true,
            entry: { port: 80 },
            deployTimeoutSeconds: 600,
            force: false,
            lockTimeoutSeconds: 300,
            keepImages: 3,
            nodeapp: { instances: 2, cpus: 0.1, mem: 128 },
            nginx: { hostPort: 9080, cpus: 0.1, mem: 64 },
            mongo: { enabled: true, image: DEFAULT_MONGO_IMAGE, volume: "mongo", cpus: 0.1, mem: 512 },
        });
        expect(platform({}).apps.nodeapp.instances).to.equal(2);
    });

    it("rejects bad values, naming the key, the value and what is expected", () => {
        expect(() => apps({ nodeapp: { instances: 2.5 } })).to.throw(/nodeapp.instances: expected a whole number of instances, got 2.5/);
        expect(() => apps({ nodeapp: { instances: -1 } })).to.throw(/nodeapp.instances: expected 0 or more instances, got -1/);
        expect(() => apps({ nodeapp: { cpus: 0 } })).to.throw(/nodeapp.cpus: expected a positive number of CPUs/);
        expect(() => apps({ nodeapp: { mem: 16 } })).to.throw(/nodeapp.mem: expected at least 32 MiB, got 16/);
        expect(() => apps({ nodeapp: { baseImage: "Node:latest!" } })).to.throw(/nodeapp.baseImage: expected a Docker image reference/);
        expect(() => apps({ nginx: { hostPort: 70000 } })).to.throw(/nginx.hostPort: expected a port from 1 to 65535, got 70000/);
        expect(() => apps({ nginx: { host: "Node1" } })).to.throw(/nginx.host: expected a host name/);
        expect(() => apps({ mongo: { image: "mongo:7.0" } })).to.throw(/mongo.image: expected an image reference pinned by digest.*got "mongo:7.0"/);
        expect(() => apps({ mongo: { mem: 128 } })).to.throw(/mongo.mem: expected at least 256 MiB, got 128/);
        expect(() => apps({ mongo: { volume: "Mongo_Data" } })).to.throw(/mongo.volume: expected a volume name/);
        expect(() => apps({ marathonAccess: "vpn" })).to.throw(/marathonAccess: expected one of direct, mgmt, got "vpn"/);
        expect(() => apps({ entry: { port: 0 } })).to.throw(/entry.port/);
        expect(() => apps({ deployTimeoutSeconds: 5 })).to.throw(/deployTimeoutSeconds: expected at least 10 s, got 5/);
        expect(() => apps({ keepImages: 0 })).to.throw(/keepImages: expected at least 1 \(the current tag\), got 0/);
        expect(() => apps({ nodeapp: { replicas: 3 } })).to.throw(/nodeapp.replicas: unknown key/);
    });

    it("across sections: mongo's volume must be a configured dataset; nginx's host a system agent", () => {
        expect(() => platform({ mongo: { volume: "db" } })).to.throw(
            /apps.mongo.volume: expected the name of a volume in volumes.datasets \(mongo keeps its data on it\), got "db"/,
        );
        expect(() => platform({}, { volumes: { datasets: [] } })).to.throw(
            /apps.mongo.volume: .*add \{ name: "mongo", sizeGb: 1, primary: "node2" \} there, or set apps.mongo.enabled false/,
        );
        expect(() => platform({ mongo: { enabled: false } }, { volumes: { datasets: [] } })).not.to.throw();
        expect(() => platform({ enabled: false }, { volumes: { datasets: [] } })).not.to.throw();
        expect(() => platform({ nginx: { host: "node2" } })).to.throw(/apps.nginx.host: expected an agent with slavetype "system" \(node1\), got "node2"/);
        expect(platform({ nginx: { host: "node1" } }).apps.nginx.host).to.equal("node1");
    });

    it("finds system agents from roles, unless an attribute overrides slavetype", () => {
        const c = { hosts: hosts.map((h) => ({ ...h, roles: h.roles as any })), mesos: {} };
        expect(systemAgents(c)).to.deep.equal(["node1"]);
        c.hosts[2] = { ...c.hosts[2], agentAttributes: { slavetype: "system" } } as any;
        expect(systemAgents(c)).to.deep.equal(["node1", "node2"]);
    });
});
