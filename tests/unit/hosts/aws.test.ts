import { expect } from "chai";
import * as pulumi from "@pulumi/pulumi";
import { AwsHosts, AwsHostsArgs } from "../../../components/hosts/aws/hosts";
import { mocks } from "../../support/setup";
import { isSecret, settle, valueOf } from "../../support/outputs";
import { changed, hostMocks, OptionsRecorder, PRIVATE_KEY, PUBLIC_KEY, snapshot, topology } from "./support";

const ADMIN = "198.51.100.0/24";

function build(extra: Partial<AwsHostsArgs> = {}, opts: pulumi.ComponentResourceOptions = {}): AwsHosts {
    hostMocks();
    mocks.onResource("aws:ec2/instance:Instance", (args) => ({
        privateIp: args.inputs.privateIp,
        publicIp: args.inputs.associatePublicIpAddress ? "203.0.113.10" : "",
        availabilityZone: "us-east-1a",
        arn: `arn:aws:ec2:::instance/${args.name}`,
    }));
    mocks.onResource("aws:ec2/keyPair:KeyPair", (args) => ({ keyName: `${args.name}-name` }));
    return new AwsHosts("aws", { hosts: topology("aws"), adminCidr: ADMIN, ...extra }, opts);
}

const tagsOk = (tags: Record<string, string> | undefined) => !!tags && typeof tags.Name === "string" && tags.stack === "test";

describe("aws target (AwsHosts)", () => {
    it("builds the original's address plan: VPC 10.0.0.0/16, public subnet for mgmt, private subnet behind a NAT gateway", async () => {
        build();
        await settle();
        expect(mocks.named("aws-vpc").inputs).to.deep.include({ cidrBlock: "10.0.0.0/16", enableDnsHostnames: true });
        const pub = mocks.named("aws-public").inputs;
        const priv = mocks.named("aws-private").inputs;
        expect(pub).to.deep.include({ cidrBlock: "10.0.16.0/24", vpcId: "aws-vpc-id", availabilityZone: "us-east-1a", mapPublicIpOnLaunch: false });
        expect(priv).to.deep.include({ cidrBlock: "10.0.17.0/24", availabilityZone: "us-east-1a", mapPublicIpOnLaunch: false });
        expect(mocks.named("aws-public-routes").inputs.routes).to.deep.equal([{ cidrBlock: "0.0.0.0/0", gatewayId: "aws-igw-id" }]);
        expect(mocks.named("aws-private-routes").inputs.routes).to.deep.equal([{ cidrBlock: "0.0.0.0/0", natGatewayId: "aws-nat-id" }]);
        const assoc = mocks.byType("aws:ec2/routeTableAssociation:RouteTableAssociation").map((r) => [r.inputs.subnetId, r.inputs.routeTableId]);
        expect(assoc).to.have.deep.members([
            ["aws-public-id", "aws-public-routes-id"],
            ["aws-private-id", "aws-private-routes-id"],
        ]);
        expect(mocks.byType("aws:ec2/eip:Eip")[0].inputs.domain).to.equal("vpc");
        expect(mocks.byType("aws:ec2/natGateway:NatGateway")[0].inputs).to.deep.include({ subnetId: "aws-public-id", allocationId: "aws-nat-id" });
        // Region and zone come from the provider, never hard-coded.
        expect(mocks.calls.map((c) => c.token)).to.include("aws:index/getAvailabilityZones:getAvailabilityZones");
    });

    it("by default opens SSH and ICMP only: SSH on mgmt from the admin network, everything else from inside the VPC", async () => {
        build();
        await settle();
        const rules = (g: string) => mocks.named(g).inputs.ingress.map((r: any) => [r.protocol, r.fromPort, r.toPort, r.cidrBlocks]);
        expect(rules("aws-mgmt-admin")).to.deep.equal([["tcp", 22, 22, [ADMIN]]]);
        for (const h of ["mgmt", "node1", "node2", "node3"]) {
            expect(rules(`aws-${h}-cluster`), h).to.deep.equal([
                ["tcp", 22, 22, ["10.0.0.0/16"]],
                ["icmp", -1, -1, ["10.0.0.0/16"]],
            ]);
        }
        expect(mocks.byType("aws:ec2/securityGroup:SecurityGroup").map((g) => g.name)).to.have.members([
            "aws-mgmt-cluster",
            "aws-mgmt-admin",
            "aws-node1-cluster",
            "aws-node2-cluster",
            "aws-node3-cluster",
        ]);
    });

    it("opens exactly the given ports, each to whom must reach it (cluster: the VPC, admin: adminCidr, entry: entryFrom)", async () => {
        const use = (host: string, from: number, reach: ("cluster" | "admin" | "entry")[], service: string) => ({
            host,
            protocol: "tcp" as const,
            from,
            to: from,
            service,
            on: host,
            reach,
        });
        build({
            ports: [
                use("mgmt", 22, ["cluster", "admin"], "SSH"),
                use("mgmt", 80, ["entry"], "the apps' public entry (HAProxy)"),
                use("node1", 5050, ["cluster", "admin"], "the Mesos master"),
                use("node2", 5051, ["cluster"], "the Mesos agent"),
                use("node3", 8181, [], "ZooKeeper's AdminServer"),
            ],
            entryFrom: ["0.0.0.0/0"],
        });
        await settle();
        const rules = (g: string) => mocks.named(g).inputs.ingress.map((r: any) => [r.fromPort, r.cidrBlocks, r.description]);
        expect(rules("aws-mgmt-entry")).to.deep.equal([[80, ["0.0.0.0/0"], "the apps public entry (HAProxy) 80/tcp"]]);
        expect(rules("aws-node1-admin")).to.deep.equal([[5050, [ADMIN], "the Mesos master 5050/tcp"]]);
        expect(rules("aws-node2-cluster")).to.deep.equal([[5051, ["10.0.0.0/16"], "the Mesos agent 5051/tcp"]]);
        // Loopback only: no group at all.
        expect(mocks.resources.filter((r) => r.name.startsWith("aws-node3-") && r.type === "aws:ec2/securityGroup:SecurityGroup")).to.deep.equal([]);
        expect(mocks.named("aws-node2").inputs.vpcSecurityGroupIds).to.deep.equal(["aws-node2-cluster-id"]);
        expect(mocks.named("aws-node1").inputs.vpcSecurityGroupIds).to.deep.equal(["aws-node1-cluster-id", "aws-node1-admin-id"]);
        // Only the entry was asked to be public.
        for (const sg of mocks.byType("aws:ec2/securityGroup:SecurityGroup").filter((g) => g.name !== "aws-mgmt-entry")) {
            for (const r of sg.inputs.ingress) expect(r.cidrBlocks, sg.name).to.not.include("0.0.0.0/0");
        }
    });

    it("makes the key pair from the stack key and instances from the looked-up Ubuntu LTS image, mgmt public and the nodes private", async () => {
        build();
        await settle();
        expect(mocks.named("aws-keypair").inputs.publicKey).to.equal(PUBLIC_KEY);
        const ami = mocks.calls.find((c) => c.token === "aws:ec2/getAmi:getAmi")!;
        expect(ami.inputs.owners).to.deep.equal(["099720109477"]);
        expect(ami.inputs.mostRecent).to.equal(true);
        expect(ami.inputs.filters).to.deep.include({ name: "name", values: ["ubuntu/images/hvm-ssd*/ubuntu-noble-24.04-amd64-server-*"] });
        const inst = Object.fromEntries(mocks.byType("aws:ec2/instance:Instance").map((r) => [r.name, r.inputs]));
        expect(Object.keys(inst)).to.have.members(["aws-mgmt", "aws-node1", "aws-node2", "aws-node3"]);
        expect(inst["aws-mgmt"]).to.deep.include({
            ami: "ami-0123456789abcdef0",
            subnetId: "aws-public-id",
            privateIp: "10.0.16.10",
            associatePublicIpAddress: true,
            instanceType: "t3.small",
            keyName: "aws-keypair-name",
        });
        expect(inst["aws-node2"]).to.deep.include({
            ami: "ami-0123456789abcdef0",
            subnetId: "aws-private-id",
            privateIp: "10.0.17.12",
            associatePublicIpAddress: false,
            instanceType: "t3.large",
        });
        expect(inst["aws-node2"].vpcSecurityGroupIds).to.deep.equal(["aws-node2-cluster-id"]);
        expect(inst["aws-node2"].rootBlockDevice).to.deep.include({ volumeSize: 40, volumeType: "gp3", encrypted: true, deleteOnTermination: true });
        expect(inst["aws-node2"].metadataOptions.httpTokens).to.equal("required");
    });

    it("tags everything with Name and stack, and instances with their roles", async () => {
        build({ tags: { owner: "platform-team" } });
        await settle();
        const tagged = mocks.resources.filter((r) => r.type.startsWith("aws:") && r.type !== "aws:ec2/routeTableAssociation:RouteTableAssociation");
        expect(tagged.length).to.be.greaterThan(10);
        for (const r of tagged) {
            expect(tagsOk(r.inputs.tags), `${r.type} ${r.name}`).to.equal(true);
            expect(r.inputs.tags.owner).to.equal("platform-team");
        }
        expect(mocks.named("aws-node1").inputs.tags).to.deep.include({ Name: "aws-node1", role: "zookeeper+master+marathon+registry+logServer+agent" });
    });

    it("reaches the nodes through mgmt (jump host), waits for SSH and cloud-init, keeps the key secret", async () => {
        const rec = new OptionsRecorder();
        const a = build({}, { transformations: [rec.transformation] });
        await settle();
        const mgmt = mocks.named("aws-mgmt-ready").inputs.connection;
        expect(mgmt).to.deep.include({ host: "203.0.113.10", user: "ubuntu", privateKey: PRIVATE_KEY, dialErrorLimit: -1 });
        expect(mgmt.proxy).to.equal(undefined);
        const node = mocks.named("aws-node2-ready").inputs;
        expect(node.connection).to.deep.include({ host: "10.0.17.12", user: "ubuntu", privateKey: PRIVATE_KEY });
        expect(node.connection.proxy).to.deep.include({ host: "203.0.113.10", user: "ubuntu", privateKey: PRIVATE_KEY, dialErrorLimit: -1 });
        expect(node.create).to.contain("cloud-init status --wait");
        const deps = rec.get("aws-node2-ready").dependsOn as pulumi.Resource[];
        expect(deps).to.include(a.instances.node2);
        expect(deps).to.include(a.hosts[0].ready);
        expect(node.connection.dialTimeout, "dials for 15 minutes").to.equal(900);
        expect(mocks.named("aws-node2-ready").secretInputs).to.include("connection");
        for (const h of a.hosts) expect(await isSecret(h.connection)).to.equal(true);
        expect((await valueOf(a.hosts[2].connection)).proxy).to.deep.include({ host: "203.0.113.10" });
        // A new AMI release does not replace running hosts.
        expect(rec.get("aws-node2").ignoreChanges).to.deep.equal(["ami"]);
        // EBS volumes need the instance and its zone.
        expect(await valueOf(a.hosts[2].instanceId!)).to.equal("aws-node2-id");
        expect(await valueOf(a.hosts[2].availabilityZone!)).to.equal("us-east-1a");
        expect(await valueOf(a.hosts[2].privateIp)).to.equal("10.0.17.12");
    });

    it("outputs addresses and ssh commands that go through mgmt", async () => {
        const out = await valueOf(build().outputs);
        expect(out.mgmt).to.deep.include({ ip: "10.0.16.10", publicIp: "203.0.113.10", ssh: "ssh -i microservice-test.key ubuntu@203.0.113.10" });
        expect(out.node3.ssh).to.equal(
            'ssh -i microservice-test.key -o ProxyCommand="ssh -i microservice-test.key -W %h:%p ubuntu@203.0.113.10" ubuntu@10.0.17.13',
        );
    });

    it("blast radius: the node instance type changes the node instances only", async () => {
        build();
        await settle();
        const before = snapshot();
        mocks.reset();
        build({ instanceTypes: { mgmt: "t3.small", node: "m6i.xlarge" } });
        await settle();
        expect(changed(before, snapshot())).to.deep.equal([
            "aws:ec2/instance:Instance::aws-node1",
            "aws:ec2/instance:Instance::aws-node2",
            "aws:ec2/instance:Instance::aws-node3",
        ]);
    });

    it("rejects bad args before creating anything, naming the key, the value and what is expected", () => {
        const cases: [Partial<AwsHostsArgs>, RegExp][] = [
            [{ adminCidr: "0.0.0.0/0" }, /adminCidr: expected your admin network, not the whole internet, got "0.0.0.0\/0"/],
            [{ adminCidr: undefined as any }, /adminCidr: .*got nothing/],
            [{ hosts: topology("local") }, /hosts\[0\]\.ip: expected an address inside mgmtSubnet 10.0.16.0\/24 \(not a reserved one\), got "10.0.15.10"/],
            [{ nodeSubnet: "10.1.17.0/24" }, /nodeSubnet: expected a subnet inside vpcCidr 10.0.0.0\/16, got "10.1.17.0\/24"/],
            [
                { hosts: topology("aws").filter((h) => h.name !== "mgmt") },
                /hosts: expected exactly one host with role mgmt \(the bastion in the public subnet\), found 0/,
            ],
            [{ ami: { owner: "canonical", namePattern: "ubuntu/*" } }, /ami\.owner: expected a 12-digit AWS account id, got "canonical"/],
            [
                { ports: [{ host: "node9", protocol: "tcp", from: 80, to: 80, service: "x", on: "node9", reach: ["cluster"] }] },
                /ports\[0\]\.host: expected one of the hosts \(mgmt, node1, node2, node3\), got "node9"/,
            ],
        ];
        for (const [extra, message] of cases) {
            mocks.reset();
            expect(() => new AwsHosts("bad", { hosts: topology("aws"), adminCidr: ADMIN, ...extra })).to.throw(message);
            expect(mocks.resources, JSON.stringify(extra)).to.have.length(0);
        }
    });
});
