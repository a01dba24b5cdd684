import { expect } from "chai";
import * as pulumi from "@pulumi/pulumi";
import { MesosCluster } from "../../../components/mesos";
import { validate } from "../../../components/validate";
import { StackConfig, stackConfigSchema } from "../../../config/schema";
import { deployMesos } from "../../../stack/mesos";
import { deployZooKeeper } from "../../../stack/zookeeper";
import { directDeps, runsAfter } from "../provision/deps";
import { evaluate, stackConfig } from "../../support/program";
import { mocks } from "../../support/setup";
import { settle, valueOf } from "../../support/outputs";
import { args, IMAGES, layers, layout, ZK_PASSWORD } from "../mesos/fixtures";

/**
 * Issue 14.1: ZooKeeper is a layer of its own (stack/zookeeper.ts), no longer MesosCluster "mesos"'s
 * child "mesos-zookeeper". Existing stacks must keep their ensemble: its alias and its children's
 * (Pulumi derives those from the parent's) must be the URNs those stacks hold, and every step the same.
 */
const ENSEMBLE = "microservice:index:ZooKeeperEnsemble";
const OLD_PARENT = "urn:pulumi:test::microservice::microservice:index:MesosCluster";
const cfg = (extra: object = {}) => {
    const c = validate(
        stackConfigSchema,
        { mesh: { implementation: "overlay" }, mesos: { images: IMAGES }, zookeeper: { tickTime: 3000, fourLetterWords: ["stat"] }, ...extra },
        "stack config",
    ) as StackConfig;
    c.zookeeperPassword = pulumi.secret(ZK_PASSWORD) as any;
    return c;
};
/** The ensemble and its children as registered: `[type, name]` -> inputs. */
const registered = (prefix: string) =>
    new Map(
        mocks.resources
            .filter((r) => r.name === prefix || r.name.startsWith(`${prefix}-`))
            .map((r) => [`${r.type} ${r.name.slice(prefix.length)}`, JSON.stringify(r.inputs)]),
    );

describe("ZooKeeper, the stack's own layer", () => {
    it("registers the same ensemble, steps and servers as MesosCluster's child did (names aside)", async () => {
        const c = cfg();
        // Before: the stack's MesosCluster made it from the zookeeper section and the password.
        const before = new MesosCluster("mesos", args(layout(), { zookeeperSettings: c.zookeeper, zookeeperPassword: c.zookeeperPassword as any }));
        const oldServers = await valueOf(before.zookeeper.servers);
        await settle();
        const old = registered("mesos-zookeeper");
        mocks.reset();
        const zk = deployZooKeeper(c, layout());
        await settle();
        const now = registered("zookeeper");
        expect(old.size, "the ensemble, 3 members x install, member, ready, the ACL step").to.equal(11);
        expect([...now.keys()].sort()).to.deep.equal([...old.keys()].sort());
        expect(
            [...now.keys()].filter((k) => now.get(k) !== old.get(k)),
            "steps whose inputs changed",
        ).to.deep.equal([]);
        expect(await valueOf(zk.endpoint.servers))
            .to.equal(oldServers)
            .and.to.equal("10.0.15.11:2181,10.0.15.12:2181,10.0.15.13:2181");
        expect(await valueOf(zk.endpoint.zkUrl("/mesos"))).to.equal(`zk://microservice:${ZK_PASSWORD}@10.0.15.11:2181,10.0.15.12:2181,10.0.15.13:2181/mesos`);
    });

    it('aliases the ensemble to its old URN under MesosCluster "mesos", and each child to its old URN', async () => {
        const { ensemble } = deployZooKeeper(cfg(), layout());
        await settle();
        // What the SDK makes of the `aliases` option (Resource.__aliases), as the engine gets it.
        const aliases = await Promise.all(((ensemble as any).__aliases as pulumi.Output<string>[]).map((a) => valueOf(a)));
        expect(aliases).to.deep.equal([`${OLD_PARENT}$${ENSEMBLE}::mesos-zookeeper`]);
        const children = mocks.resources.filter((r) => r.name.startsWith("zookeeper-") && r.type !== ENSEMBLE);
        expect(children, "3 members x install, member, ready + the ACL step").to.have.length(10);
        for (const r of children) {
            // The child's aliases inherited from its parent's (pulumi's rule: the parent's old name replaces its new one in the child's).
            const inherited = await Promise.all(pulumi.allAliases([], r.name, r.type, ensemble, "zookeeper").map((a) => valueOf(a)));
            expect(inherited, r.name).to.include(`${OLD_PARENT}$${ENSEMBLE}$${r.type}::mesos-${r.name}`);
        }
    });

    it("the stack hands MesosCluster its endpoint: Mesos waits for the roll, agents and Marathon for every member's host; outputs unchanged", async () => {
        const c = cfg();
        const hosts = layout();
        const m = deployMesos(c, hosts, layers(hosts, c));
        await settle();
        expect(mocks.byType(ENSEMBLE).map((r) => r.name)).to.deep.equal(["zookeeper"]);
        expect(runsAfter("mesos-node1-mesos-master", "zookeeper-node3-zookeeper")).to.equal(true);
        for (const n of ["mesos-node2-mesos-agent", "mesos-node1-marathon"])
            expect(directDeps(n), n).to.include.members(["node1-ready", "node2-ready", "node3-ready"]);
        expect(mocks.named("mesos-node1-mesos-master").inputs.stdin).to.contain(
            `MESOS_ZK=zk://microservice:${ZK_PASSWORD}@10.0.15.11:2181,10.0.15.12:2181,10.0.15.13:2181/mesos`,
        );
        expect(await valueOf(m.outputs.zookeeper as pulumi.Output<string>)).to.equal("10.0.15.11:2181,10.0.15.12:2181,10.0.15.13:2181");
        expect(await valueOf(m.outputs.zkMesos as pulumi.Output<string>)).to.equal("zk://10.0.15.11:2181,10.0.15.12:2181,10.0.15.13:2181/mesos");
    });

    it("the whole program: one ensemble, outside MesosCluster, and the same stack outputs", async function () {
        this.timeout(300_000);
        const { byName, outputs } = await evaluate(stackConfig());
        const ensembles = [...byName.values()].filter((r) => r.type === ENSEMBLE).map((r) => r.name);
        expect(ensembles).to.deep.equal(["zookeeper"]);
        expect(outputs.mesos.zookeeper).to.equal("10.0.15.11:2181,10.0.15.12:2181,10.0.15.13:2181");
        expect(outputs.mesos.zkMesos).to.equal("zk://10.0.15.11:2181,10.0.15.12:2181,10.0.15.13:2181/mesos");
    });
});
