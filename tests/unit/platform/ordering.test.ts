import { expect } from "chai";
import { runsAfter } from "../provision/deps";
import { evaluate, stackConfig } from "../../support/program";

const HOSTS = ["mgmt", "node1", "node2", "node3"];

// The cold up's critical path (bench/results.md, "Engine bring-up"): what need not wait, does not.
describe("layer ordering of the whole stack (under mocks)", function () {
    this.timeout(120000);

    it("the mesh waits for each host's Docker daemon, not for the registry or the hosts' registry login", async () => {
        const { byName } = await evaluate(stackConfig());
        const mesh = [...byName.values()].filter((r) => r.type.endsWith(":RemoteCommand") && r.name.startsWith("mesh-")).map((r) => r.name);
        expect(mesh).to.include.members(["mesh-node1-swarm-init", "mesh-mgmt-swarm-join", "mesh-node1-overlay-network"]);
        for (const step of mesh) {
            const host = HOSTS.find((h) => step.startsWith(`mesh-${h}-`))!;
            expect(runsAfter(step, `docker-${host}-docker`), `${step} after docker-${host}-docker`).to.equal(true);
            expect(runsAfter(step, "registry-node1-registry"), `${step} waits for the registry`).to.equal(false);
            for (const h of HOSTS) expect(runsAfter(step, `docker-${h}-registry`), `${step} waits for ${h}'s login`).to.equal(false);
        }
        // What pulls from the registry still waits for the login: each Mesos agent on its host.
        for (const h of ["node1", "node2", "node3"]) {
            const agent = `mesos-${h}-mesos-agent`;
            expect(
                [...byName.values()].some((r) => r.name === agent),
                `${agent} registered`,
            ).to.equal(true);
            expect(runsAfter(agent, `docker-${h}-registry`), `${agent} after ${h}'s login`).to.equal(true);
        }
    });

    // The daemons' images are pulled by a step of their own as soon as they can be: from the stack's
    // registry (the default) after the copy into it and the host's login; from upstream after the
    // host's Docker daemon, alongside ZooKeeper and the mesh. Before, each unit pulled its image when
    // it started, after ZooKeeper's roll: the master's readiness wait was mostly that pull.
    const mesosHosts = ["node1", "node2", "node3"];
    it("each Mesos host pulls its images before its daemons' steps: mirrored, after the copy and the login", async () => {
        await evaluate(stackConfig());
        for (const h of mesosHosts) {
            const images = `mesos-${h}-mesos-images`;
            expect(runsAfter(images, "mesos-mgmt-mesos-mirror"), `${images} after the mirror`).to.equal(true);
            expect(runsAfter(images, `docker-${h}-registry`), `${images} after ${h}'s login`).to.equal(true);
            expect(runsAfter(`mesos-${h}-mesos-agent`, images), `the agent on ${h} after its images`).to.equal(true);
        }
        expect(runsAfter("mesos-node1-mesos-master", "mesos-node1-mesos-images")).to.equal(true);
        expect(runsAfter("mesos-node1-marathon", "mesos-node1-mesos-images")).to.equal(true);
    });

    it("from upstream (mirrorToRegistry off), a host's pulls start after its Docker daemon, not after ZooKeeper or the login", async () => {
        const mesos = JSON.parse(stackConfig()["microservice:mesos"]);
        await evaluate(stackConfig({}, "node2", { mesos: { ...mesos, mirrorToRegistry: false } }));
        for (const h of mesosHosts) {
            const images = `mesos-${h}-mesos-images`;
            expect(runsAfter(images, `docker-${h}-docker`), `${images} after ${h}'s daemon`).to.equal(true);
            expect(runsAfter(images, `docker-${h}-registry`), `${images} waits for ${h}'s login`).to.equal(false);
            for (const z of mesosHosts) expect(runsAfter(images, `zookeeper-${z}-zookeeper`), `${images} waits for ZooKeeper on ${z}`).to.equal(false);
        }
        expect(runsAfter("mesos-node1-mesos-master", "mesos-node1-mesos-images")).to.equal(true);
    });
});
