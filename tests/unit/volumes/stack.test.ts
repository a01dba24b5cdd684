import { expect } from "chai";
import * as pulumi from "@pulumi/pulumi";
import { stackConfigSchema, StackConfig } from "../../../config/schema";
import { validate } from "../../../components/validate";
import { FlockerZfsCluster } from "../../../components/volumes";
import { FlockerEbsVolumes } from "../../../components/aws";
import { deployVolumes } from "../../../stack/volumes";
import { fakeHost, labLayout } from "../provision/fake-host";
import { mocks } from "../../support/setup";
import { settle, valueOf } from "../../support/outputs";

const hosts = [
    { name: "mgmt", roles: ["mgmt"], ip: "10.0.15.10" },
    { name: "node1", roles: ["master", "agent"], ip: "10.0.15.11" },
    { name: "node2", roles: ["agent"], ip: "10.0.15.12" },
    { name: "node3", roles: ["agent"], ip: "10.0.15.13" },
];
const config = (volumes: object | undefined, extra: object = {}): StackConfig =>
    validate(stackConfigSchema, { hosts, mesh: { implementation: "overlay" }, ...(volumes ? { volumes } : {}), ...extra }, "stack config");
const awsHosts = [
    { name: "mgmt", roles: ["mgmt"], ip: "10.0.16.10" },
    { name: "node1", roles: ["master", "agent"], ip: "10.0.17.11" },
    { name: "node2", roles: ["agent"], ip: "10.0.17.12" },
];
const onAws = { target: "aws", hosts: awsHosts, aws: { adminCidr: "203.0.113.0/24" } };
const mongo = (o: object = {}) => ({ name: "mongo", sizeGb: 1, primary: "node2", ...o });

describe("volumes stack config and layer", () => {
    it("defaults: zfs, pool flocker on a 10 GB file, mounted under /flocker, no dataset (and then no resource)", async () => {
        const c = config(undefined);
        expect(c.volumes).to.deep.include({ backend: "zfs", mountRoot: "/flocker", datasets: [] });
        expect(c.volumes.pool).to.deep.equal({ name: "flocker", vdevSizeGb: 10, vdevPath: "/var/lib/flocker/pool.img" });
        expect(c.volumes.zfs).to.deep.equal({ implementation: "auto", replicationUser: "flocker-repl", appTimeoutSeconds: 120, transferTimeoutSeconds: 3600 });
        expect(c.volumes.ebs).to.deep.include({ volumeType: "gp3", encrypted: true, fsType: "ext4" });
        const v = deployVolumes(c, labLayout());
        await settle();
        expect(v.component).to.equal(undefined);
        expect(mocks.resources).to.have.length(8); // the fake hosts' own resources only
        expect(v.outputs).to.deep.equal({ backend: "zfs", volumes: {} });
    });

    it("rejects each bad value, naming the key, the value and what is expected", () => {
        const cases: [object, RegExp][] = [
            [
                { datasets: [mongo({ primary: "mgmt" })] },
                /volumes.datasets\[0\].primary: expected the name of a host with role agent \(node1, node2, node3\), got "mgmt" which is not an agent/,
            ],
            [{ datasets: [mongo({ primary: "node9" })] }, /volumes.datasets\[0\].primary: .*got "node9" which is not a configured host/],
            [
                { datasets: [mongo(), mongo({ primary: "node3" })] },
                /volumes.datasets\[1\].name: expected unique volume names \("mongo" is also \[0\]\), got "mongo"/,
            ],
            [{ datasets: [mongo({ sizeGb: 0 })] }, /volumes.datasets\[0\].sizeGb: expected a size in GB greater than 0, got 0/],
            [{ datasets: [mongo({ sizeGb: -2 })] }, /volumes.datasets\[0\].sizeGb: expected a size in GB greater than 0, got -2/],
            [{ datasets: [mongo({ sizeGb: "1GB" })] }, /volumes.datasets\[0\].sizeGb: expected a size in GB, got "1GB"/],
            [{ datasets: [mongo({ name: "Mongo" })] }, /volumes.datasets\[0\].name: expected a volume name of lowercase letters, digits and dashes/],
            [
                { datasets: [mongo({ app: { kind: "k8s" } })] },
                /volumes.datasets\[0\].app.kind: expected \{ kind: "marathon", appId \} or \{ kind: "command", stop, start \}/,
            ],
            [
                { datasets: [mongo({ app: { kind: "marathon", appId: "mongo" } })] },
                /volumes.datasets\[0\].app.appId: expected a Marathon app id like \/application\/db\/mongo, got "mongo"/,
            ],
            [{ pool: { vdevSizeGb: 0 } }, /volumes.pool.vdevSizeGb: expected a size in GB greater than 0, got 0/],
            [{ pool: { vdevSizeGb: 2.5 } }, /volumes.pool.vdevSizeGb: expected a whole number of GB, got 2.5/],
            [{ pool: { vdevPath: "pool.img" } }, /volumes.pool.vdevPath: expected an absolute path/],
            [{ backend: "nfs" }, /volumes.backend: expected one of zfs, ebs, got "nfs"/],
            [{ backend: "ebs" }, /volumes.backend: expected "zfs" on target "local" \(EBS volumes exist only on target aws\), got "ebs"/],
            [{ zfs: { implementation: "dkms" } }, /volumes.zfs.implementation: expected one of auto, kernel, fuse, got "dkms"/],
            [{ ebs: { deviceName: "/dev/nvme1n1" } }, /volumes.ebs.deviceName: expected a device name from \/dev\/sdf to \/dev\/sdp/],
            [{ snapshots: true }, /volumes.snapshots: unknown key/],
        ];
        for (const [volumes, message] of cases) expect(() => config(volumes), JSON.stringify(volumes)).to.throw(message);
        expect(config({ backend: "ebs" }, onAws).volumes.backend).to.equal("ebs");
    });

    it("zfs: builds FlockerZfsCluster with the config; outputs say where each volume is and how to pin to it", async () => {
        mocks.onResource("pulumi-nodejs:dynamic/exec:LocalCommand", () => ({
            stdout: "-----BEGIN OPENSSH PRIVATE KEY-----\nX\n-----END OPENSSH PRIVATE KEY-----\nssh-ed25519 AAAAPUB c\n",
            stderr: "",
        }));
        const v = deployVolumes(config({ datasets: [mongo()], pool: { vdevSizeGb: 20 } }), labLayout());
        expect(v.component).to.be.instanceOf(FlockerZfsCluster);
        await settle();
        expect(mocks.named("volumes-node2-zfs").inputs.stdin).to.contain("truncate -s 20G");
        const out = await valueOf(pulumi.output(v.outputs.volumes as any));
        expect(out).to.deep.equal({ mongo: { primary: "node2", hostPath: "/flocker/mongo", constraint: ["hostname", "CLUSTER", "10.0.15.12"] } });
    });

    it("ebs: builds FlockerEbsVolumes in the agents' AZ; refuses hosts that carry none", async () => {
        const aws = labLayout().map((h) => ({ ...h, instanceId: pulumi.output(`i-${h.name}`), availabilityZone: pulumi.output("us-east-1b") }));
        const v = deployVolumes(config({ backend: "ebs", datasets: [mongo()] }, onAws), aws);
        expect(v.component).to.be.instanceOf(FlockerEbsVolumes);
        await settle();
        expect(mocks.byType("aws:ebs/volume:Volume")[0].inputs.availabilityZone).to.equal("us-east-1b");
        expect(() => deployVolumes(config({ backend: "ebs", datasets: [mongo()] }, onAws), [fakeHost("node2", "10.0.17.12")])).to.throw(
            /agents node2 have no availability zone \(EBS needs target aws\)/,
        );
    });
});
