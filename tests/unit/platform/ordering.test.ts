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
});
