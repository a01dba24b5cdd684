import { expect } from "chai";
import * as pulumi from "@pulumi/pulumi";
import { FlockerEbsVolumes, FlockerEbsVolumesArgs } from "../../../components/aws";
import { Host } from "../../../components/hosts/host";
import { asRoot } from "../../../components/provision";
import { fakeHost } from "../provision/fake-host";
import { runsAfter } from "../provision/deps";
import { mocks } from "../../support/setup";
import { settle, valueOf } from "../../support/outputs";
import { recordedOptions } from "./options";
import { AwsHosts } from "../../../components/hosts/aws/hosts";
import { hostMocks, topology } from "../hosts/support";

// No AWS here: this proves the resource graph and its inputs under mocks only (see docs/volumes.md).
const awsHost = (name: string, ip: string, roles: Host["roles"] = ["agent"]): Host =>
    fakeHost(name, ip, [...roles], { instanceId: pulumi.output(`i-0${name}`), availabilityZone: pulumi.output("us-east-1b") });
const awsLayout = () => [
    awsHost("mgmt", "10.0.17.10", ["mgmt"]),
    awsHost("node1", "10.0.17.11"),
    awsHost("node2", "10.0.17.12"),
    awsHost("node3", "10.0.17.13"),
];

function volumes(primary = "node2", extra: Partial<FlockerEbsVolumesArgs> = {}, hosts = awsLayout()): FlockerEbsVolumes {
    return new FlockerEbsVolumes("volumes", {
        hosts,
        availabilityZone: pulumi.output("us-east-1b"),
        datasets: [{ name: "mongo", sizeGb: 1, primary, app: { kind: "command", stop: "docker stop db", start: "docker start db" } }],
        tags: { owner: "platform" },
        ...extra,
    });
}

const snapshot = () =>
    Object.fromEntries(
        mocks.resources.filter((r) => !r.type.startsWith("microservice:") && !r.type.startsWith("test:")).map((r) => [r.name, JSON.stringify(r.inputs)]),
    );

describe("FlockerEbsVolumes (mocks only: no AWS here)", () => {
    it("one encrypted gp3 volume in the nodes' AZ, attached to the primary's instance, mounted there after the attachment", async () => {
        const v = volumes();
        await settle();
        const [vol] = mocks.byType("aws:ebs/volume:Volume");
        expect(vol.inputs).to.deep.include({ availabilityZone: "us-east-1b", size: 1, type: "gp3", encrypted: true });
        expect(vol.inputs.tags).to.deep.equal({ owner: "platform", Name: "test-mongo", "microservice:volume": "mongo" });
        const [att] = mocks.byType("aws:ec2/volumeAttachment:VolumeAttachment");
        expect(att.inputs).to.deep.include({ instanceId: "i-0node2", deviceName: "/dev/sdf", volumeId: "volumes-mongo-id" });
        const mount = mocks.named("volumes-mongo-mount");
        expect(mount.inputs.create).to.equal(asRoot("/usr/local/sbin/flocker-ebs-volume attach-mount 'mongo' 'volumes-mongo-id' 'ext4' '/dev/sdf'"));
        expect(mount.inputs.delete).to.equal(asRoot("/usr/local/sbin/flocker-ebs-volume release 'mongo'"));
        expect(mount.inputs.connection.host).to.equal("10.0.17.12");
        expect(mount.inputs.triggers).to.deep.equal(["i-0node2", "volumes-mongo-id"]);
        expect(runsAfter("volumes-mongo-mount", "volumes-mongo-attachment")).to.equal(true);
        expect(runsAfter("volumes-mongo-mount", "volumes-node2-hooks")).to.equal(true);
        expect(await valueOf(v.volumes.mongo.constraint)).to.deep.equal(["hostname", "CLUSTER", "10.0.17.12"]);
        expect(await valueOf(v.volumes.mongo.hostPath)).to.equal("/flocker/mongo");
        expect(v.volumes.mongo.ready.map((r) => (r as any).__name)).to.deep.equal(["volumes-mongo-mount"]);
    });

    it("a move detaches before it attaches, releases on the old host first, and never replaces or deletes the volume", async () => {
        volumes();
        await settle();
        expect(recordedOptions("volumes-mongo-attachment").deleteBeforeReplace).to.equal(true);
        expect(recordedOptions("volumes-mongo-mount").deleteBeforeReplace).to.equal(true);
        expect(recordedOptions("volumes-mongo").retainOnDelete).to.equal(true);
        const before = snapshot();
        mocks.reset();
        volumes("node3");
        await settle();
        const after = snapshot();
        const changed = Object.keys(after)
            .filter((k) => before[k] !== after[k])
            .sort();
        expect(changed).to.deep.equal(["volumes-mongo-attachment", "volumes-mongo-mount"]);
        expect(JSON.parse(after["volumes-mongo-attachment"]).instanceId).to.equal("i-0node3");
        // The trigger changes with the instance: the mount is replaced (its delete runs with the old connection).
        expect(JSON.parse(after["volumes-mongo-mount"]).triggers).to.deep.equal(["i-0node3", "volumes-mongo-id"]);
    });

    it("rounds sizes up to whole GiB and passes the volume settings", async () => {
        volumes("node2", {
            datasets: [{ name: "logs", sizeGb: 2.5, primary: "node3" }],
            ebs: { volumeType: "io2", iops: 3000, kmsKeyId: "arn:aws:kms:us-east-1:123456789012:key/abc" },
        });
        await settle();
        const [vol] = mocks.byType("aws:ebs/volume:Volume");
        expect(vol.inputs).to.deep.include({ size: 3, type: "io2", iops: 3000, kmsKeyId: "arn:aws:kms:us-east-1:123456789012:key/abc" });
    });

    it("with the aws target's hosts: the volume is in the node subnet's AZ, attached to the primary's instance", async () => {
        hostMocks();
        // As in AWS, an instance is in its subnet's availability zone.
        mocks.onResource("aws:ec2/instance:Instance", (args) => {
            const subnet = mocks.resources.find((r) => r.type === "aws:ec2/subnet:Subnet" && `${r.name}-id` === args.inputs.subnetId);
            return { privateIp: args.inputs.privateIp, availabilityZone: subnet?.inputs.availabilityZone, arn: `arn:aws:ec2:::instance/${args.name}` };
        });
        mocks.onResource("aws:ec2/keyPair:KeyPair", (args) => ({ keyName: `${args.name}-name` }));
        const target = new AwsHosts("aws", { hosts: topology("aws"), adminCidr: "198.51.100.0/24", availabilityZone: "us-east-1c" });
        const zone = pulumi.all(target.hosts.filter((h) => h.roles.includes("agent")).map((h) => h.availabilityZone!)).apply((z) => z[0]);
        new FlockerEbsVolumes("volumes", { hosts: target.hosts, availabilityZone: zone, datasets: [{ name: "mongo", sizeGb: 1, primary: "node2" }] });
        await settle();
        const nodeSubnet = mocks.byType("aws:ec2/subnet:Subnet").find((r) => r.inputs.cidrBlock === "10.0.17.0/24")!;
        const [vol] = mocks.byType("aws:ebs/volume:Volume");
        expect(vol.inputs.availabilityZone).to.equal(nodeSubnet.inputs.availabilityZone).and.equal("us-east-1c");
        const node2 = mocks.byType("aws:ec2/instance:Instance").find((r) => r.inputs.privateIp === "10.0.17.12")!;
        expect(mocks.byType("aws:ec2/volumeAttachment:VolumeAttachment")[0].inputs.instanceId).to.equal(`${node2.name}-id`);
    });

    it("rejects hosts without instances, a primary that is not an agent, a missing AZ", () => {
        const plain = [fakeHost("node1", "10.0.15.11"), fakeHost("node2", "10.0.15.12")];
        expect(() => volumes("node2", {}, plain)).to.throw(/hosts: agent "node1" has no instanceId \(EBS needs the aws target's hosts\)/);
        expect(() => volumes("mgmt")).to.throw(/datasets\[0\].primary: expected the name of a host with role agent/);
        expect(() => volumes("node2", { availabilityZone: "" })).to.throw(/availabilityZone: expected the nodes' availability zone/);
        expect(() => volumes("node2", { ebs: { volumeType: "gp9" as any } })).to.throw(/ebs.volumeType: expected one of gp3, gp2/);
    });
});
