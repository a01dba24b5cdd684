import { expect } from "chai";
import { ZooKeeperEnsemble } from "../../../components/zookeeper";
import { MesosCluster } from "../../../components/mesos";
import { singleHostWithRole } from "../../../components/hosts/host";
import { mocks } from "../../support/setup";
import { settle } from "../../support/outputs";
import { args, layout } from "../mesos/fixtures";
import { hostsWithRole } from "../../../components/hosts/host";

describe("one ZooKeeper ensemble per machine", () => {
    it("ZooKeeperEnsemble and a MesosCluster without `zookeeper:` on the same hosts: refused, saying to pass the ensemble", () => {
        const hosts = layout();
        new ZooKeeperEnsemble("zookeeper", { hosts: hostsWithRole(hosts, "zookeeper") });
        expect(() => new MesosCluster("mesos", args(hosts))).to.throw(
            new RegExp(
                /ZooKeeperEnsemble "mesos-zookeeper": host node1 is already a member of ZooKeeperEnsemble "zookeeper"[\s\S]*MesosCluster without /.source +
                    /`zookeeper:`[\s\S]*zookeeper: ensemble\.endpoint/.source,
            ),
        );
    });

    it("the other way round too (the MesosCluster's own ensemble first)", () => {
        const hosts = layout();
        new MesosCluster("mesos", args(hosts));
        expect(() => new ZooKeeperEnsemble("zookeeper", { hosts: hostsWithRole(hosts, "zookeeper") })).to.throw(
            /ZooKeeperEnsemble "zookeeper": host node1 is already a member of ZooKeeperEnsemble "mesos-zookeeper"/,
        );
    });

    it("given the ensemble, MesosCluster makes none of its own: one set of ZooKeeper steps", async () => {
        const hosts = layout();
        const zk = new ZooKeeperEnsemble("zookeeper", { hosts: hostsWithRole(hosts, "zookeeper") });
        new MesosCluster("mesos", args(hosts, { zookeeper: zk.endpoint }));
        await settle();
        expect(
            mocks.resources
                .filter((r) => /-zookeeper-ready$/.test(r.name))
                .map((r) => r.name)
                .sort(),
        ).to.deep.equal(["zookeeper-node1-zookeeper-ready", "zookeeper-node2-zookeeper-ready", "zookeeper-node3-zookeeper-ready"]);
    });
});

describe("singleHostWithRole names its caller", () => {
    it("prefixes the error with `who`", () => {
        const hosts = [{ name: "node1", roles: ["agent" as const] }];
        expect(() => singleHostWithRole(hosts, "logServer", `RsyslogAggregator "logging"`)).to.throw(
            `RsyslogAggregator "logging": exactly one host must have role "logServer", found 0: []`,
        );
        expect(() => singleHostWithRole(hosts, "mgmt")).to.throw(/^exactly one host must have role "mgmt", found 0: \[\]$/);
    });
});
