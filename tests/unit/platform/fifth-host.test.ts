import { expect } from "chai";
import { changed, evaluate, stackConfig } from "../../support/program";

const HOSTS = [
    { name: "mgmt", roles: ["mgmt"], ip: "10.0.15.10" },
    { name: "node1", roles: ["zookeeper", "master", "marathon", "registry", "logServer", "agent"], ip: "10.0.15.11", zookeeperId: 1 },
    { name: "node2", roles: ["zookeeper", "agent"], ip: "10.0.15.12", zookeeperId: 2 },
    { name: "node3", roles: ["zookeeper", "agent"], ip: "10.0.15.13", zookeeperId: 3 },
];

describe("blast radius of a fifth host (whole program, mocks)", function () {
    this.timeout(300_000);

    it("an agent node4 adds its own resources and changes only what lists every host: the log server's senders and the volume peers", async () => {
        const four = await evaluate(stackConfig({}, "node2", { hosts: HOSTS }));
        const five = await evaluate(stackConfig({}, "node2", { hosts: [...HOSTS, { name: "node4", roles: ["agent"], ip: "10.0.15.14" }] }));
        const diff = changed(four.byName, five.byName);
        const added = diff.filter((n) => !four.byName.has(n));
        expect(added.length).to.be.greaterThan(5);
        for (const n of added) expect(n, "only node4's resources are new").to.match(/node4/);
        expect(diff.filter((n) => four.byName.has(n)).map((n) => n.split("::")[1])).to.deep.equal([
            "logging-node1-logging-server",
            "volumes-node1-peers",
            "volumes-node2-peers",
            "volumes-node3-peers",
        ]);
        // The new sender is allowed on the log server; nothing of ZooKeeper, Mesos or the apps moves.
        expect(five.byName.get("pulumi-nodejs:dynamic/exec:RemoteCommand::logging-node1-logging-server")!.inputs.stdin).to.contain("10.0.15.14");
    });
});
