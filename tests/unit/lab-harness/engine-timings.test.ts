import { expect } from "chai";
import { breakdown, timings } from "../../lab/engine/engine";

// The breakdown docs/lab.md and bench/results.md print: from the engine's per-resource events.
const cmd = "pulumi-nodejs:dynamic/exec:RemoteCommand";
const urn = (chain: string, name: string) => `urn:pulumi:dev::microservice::${chain}::${name}`;
const steps = [
    { urn: urn(`microservice:index:DockerEngine$${cmd}`, "docker-node1-engine"), type: cmd, op: "create", seconds: 30, begin: 5, end: 35 },
    { urn: urn(`microservice:index:DockerEngine$${cmd}`, "docker-node2-engine"), type: cmd, op: "create", seconds: 20, begin: 6, end: 26 },
    {
        urn: urn(`microservice:index:MesosCluster$microservice:index:ZooKeeperEnsemble$${cmd}`, "zookeeper-node1-install"),
        type: cmd,
        op: "create",
        seconds: 40,
        begin: 35,
        end: 75,
    },
    { urn: urn("microservice:index:MesosCluster", "mesos"), type: "microservice:index:MesosCluster", op: "create", seconds: 80, begin: 30, end: 110 },
    { urn: urn(`microservice:index:DockerEngine$${cmd}`, "docker-node3-engine"), type: cmd, op: "same" },
];

describe("engine lab timings: where an up's time went", () => {
    it("gives each layer (outermost component) its resources' first begin, last end and summed command time (not the component's own span)", () => {
        expect(breakdown(steps).layers).to.deep.equal([
            { key: "DockerEngine", begin: 5, end: 35, commands: 50 },
            { key: "MesosCluster", begin: 35, end: 75, commands: 40 },
        ]);
    });

    it("gives each host its commands only, skipping unchanged resources and components", () => {
        expect(breakdown(steps).hosts).to.deep.equal([
            { key: "node1", begin: 5, end: 75, commands: 70 },
            { key: "node2", begin: 6, end: 26, commands: 20 },
        ]);
    });

    it("prints the slowest resources first, then layers and hosts", () => {
        const lines = timings(steps).split("\n");
        expect(lines[0]).to.match(/slowest: mesos 80\.0 s, zookeeper-node1-install 40\.0 s/);
        expect(lines[1]).to.contain("layers: DockerEngine 5-35 s (commands 50 s), MesosCluster 35-75 s (commands 40 s)");
        expect(lines[2]).to.contain("hosts: node1 5-75 s (commands 70 s), node2 6-26 s (commands 20 s)");
    });
});
