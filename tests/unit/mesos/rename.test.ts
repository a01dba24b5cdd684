import { expect } from "chai";
import { MesosCluster } from "../../../components/mesos";
import { mocks } from "../../support/setup";
import { settle } from "../../support/outputs";
import { args, layout, registry } from "./fixtures";

/**
 * A renamed MesosCluster with an alias to its old name is a no-op for the engine (tests/lab/05 proves
 * it there) only if every child is named `<component name>-...` (Pulumi then aliases each child too)
 * and no child's inputs carry the component's name.
 */
async function children(name: string): Promise<Map<string, Record<string, unknown>>> {
    mocks.reset();
    new MesosCluster(name, args(layout(), { registry: registry() }));
    await settle();
    // The hosts and the stack CA are given, not the cluster's own.
    const own = mocks.resources.filter(
        (r) => r.type !== "microservice:index:MesosCluster" && !/^(mgmt|node\d)-(ready|fake)$/.test(r.name) && !r.name.startsWith("stack-ca"),
    );
    for (const r of own) expect(r.name.startsWith(`${name}-`), `${r.type} ${r.name}`).to.equal(true);
    return new Map(own.map((r) => [`${r.type} ${r.name.slice(name.length)}`, r.inputs]));
}

describe("MesosCluster renamed", () => {
    it("names every child after the component, and no child's inputs change with the component's name", async () => {
        const before = await children("mesos");
        const after = await children("platform-mesos");
        expect([...after.keys()].sort()).to.deep.equal([...before.keys()].sort());
        const differ = [...before.keys()].filter((k) => JSON.stringify(before.get(k)) !== JSON.stringify(after.get(k)));
        expect(differ, "children whose inputs changed with the name").to.deep.equal([]);
    });
});
