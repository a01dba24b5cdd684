import { expect } from "chai";
import * as pulumi from "@pulumi/pulumi";
import { z } from "zod";
import { platformConfigSchema } from "../../../config/schema";
import { hostsSections, originalTopology, withDefaultHosts } from "../../../config/sections/hosts";
import { loadStackConfig } from "../../../config/load";
import { program } from "../../../stack/program";
import { validate } from "../../../components/validate";
import { mocks } from "../../support/setup";

const KEY = "-----BEGIN OPENSSH PRIVATE KEY-----\nAAAA\n-----END OPENSSH PRIVATE KEY-----\n";
const HOSTS_KEYS = ["target", "hosts", "network", "local", "vagrant", "aws", "existing", "sshPrivateKey", "sshUser"];

/** The hosts layer on its own (other layers have their own tests). */
const hostsLayer = z.preprocess(withDefaultHosts, z.object(hostsSections).passthrough());

/** The error lines of the whole stack config that concern the hosts layer's keys ([] when they are fine). */
function hostsErrors(raw: Record<string, unknown>): string[] {
    try {
        validate(platformConfigSchema, raw, "stack config");
        return [];
    } catch (e) {
        return (e as Error).message
            .split("\n")
            .slice(1)
            .map((l) => l.trim())
            .filter((l) => l.includes("unknown key") || HOSTS_KEYS.some((k) => l.startsWith(`${k}:`) || l.startsWith(`${k}[`) || l.startsWith(`${k}.`)));
    }
}

const hosts = () => originalTopology("local") as any[];
const withHost = (i: number, change: Record<string, unknown>) => hosts().map((h, j) => (j === i ? { ...h, ...change } : h));

describe("stack config: hosts layer", () => {
    it("defaults to the local target, original topology: mgmt, node1 (everything central, system agent), node2/node3 (app agents), 3 ZooKeepers", () => {
        const c = hostsLayer.parse({});
        expect(c.target).to.equal("local");
        expect(c.hosts).to.deep.equal([
            { name: "mgmt", roles: ["mgmt"], ip: "10.0.15.10" },
            {
                name: "node1",
                roles: ["zookeeper", "master", "marathon", "registry", "logServer", "agent"],
                ip: "10.0.15.11",
                zookeeperId: 1,
                agentAttributes: { slavetype: "system" },
            },
            { name: "node2", roles: ["zookeeper", "agent"], ip: "10.0.15.12", zookeeperId: 2, agentAttributes: { slavetype: "app" } },
            { name: "node3", roles: ["zookeeper", "agent"], ip: "10.0.15.13", zookeeperId: 3, agentAttributes: { slavetype: "app" } },
        ]);
        expect(c.network).to.deep.equal({ subnet: "10.0.15.0/24" });
        expect(c.local).to.deep.equal({ nodeImage: "microservice/node:bookworm", bakePackages: false });
        expect(c.vagrant).to.deep.include({
            box: "bento/ubuntu-24.04",
            boxVersion: "202510.26.0",
            provider: "virtualbox",
            mgmt: { memory: 1024, cpus: 1 },
            node: { memory: 2560, cpus: 2 },
        });
        expect(c.existing).to.deep.equal({ port: 22, knownHosts: [], trustOnFirstUse: false });
        expect(hostsErrors({})).to.deep.equal([]);
    });

    it("derives default addresses from the target's networks: aws mgmt in the public subnet, nodes in the private one", () => {
        const aws = hostsLayer.parse({ target: "aws", aws: { adminCidr: "198.51.100.0/24" } });
        expect(aws.hosts.map((h) => h.ip)).to.deep.equal(["10.0.16.10", "10.0.17.11", "10.0.17.12", "10.0.17.13"]);
        expect(aws.aws).to.deep.include({ vpcCidr: "10.0.0.0/16", mgmtSubnet: "10.0.16.0/24", nodeSubnet: "10.0.17.0/24", user: "ubuntu" });
        expect(aws.aws).to.not.have.any.keys("adminPorts", "clusterPorts");
        expect(aws.aws.ami).to.deep.equal({ owner: "099720109477", namePattern: "ubuntu/images/hvm-ssd*/ubuntu-noble-24.04-amd64-server-*" });
        expect(hostsLayer.parse({ network: { subnet: "192.168.56.0/24" } }).hosts.map((h) => h.ip)).to.deep.equal([
            "192.168.56.10",
            "192.168.56.11",
            "192.168.56.12",
            "192.168.56.13",
        ]);
        expect(hostsErrors({ target: "aws", aws: { adminCidr: "198.51.100.0/24" } })).to.deep.equal([]);
    });

    it("takes counts and roles from config: 3 masters, 5 ZooKeepers, more agents", () => {
        const five = [
            ...hosts().map((h) => (h.name === "mgmt" ? h : { ...h, roles: [...new Set([...h.roles, "master", "marathon"])] })),
            { name: "node4", roles: ["zookeeper", "agent"], ip: "10.0.15.14", zookeeperId: 4, agentAttributes: { slavetype: "app" } },
            { name: "node5", roles: ["zookeeper", "agent"], ip: "10.0.15.15", zookeeperId: 5 },
        ];
        expect(hostsErrors({ hosts: five })).to.deep.equal([]);
        expect(hostsLayer.parse({ hosts: five }).hosts.filter((h) => h.roles.includes("master"))).to.have.length(3);
    });

    // Every error of the hosts layer's keys: the key, the value given and what is expected.
    const errors: [string, Record<string, unknown>, string][] = [
        ["unknown target", { target: "docker" }, 'target: expected one of local, vagrant, aws, hosts, got "docker"'],
        ["unknown top-level key", { hostz: [] }, "hostz: unknown key (not expected here)"],
        ["unknown key in a host", { hosts: withHost(0, { memory: 1 }) }, "hosts[0].memory: unknown key (not expected here)"],
        ["unknown key in a target section", { local: { image: "x" } }, "local.image: unknown key (not expected here)"],
        [
            "hosts target without hosts",
            { target: "hosts", sshPrivateKey: KEY },
            'hosts: required for target "hosts" (other targets default to mgmt, node1..node3), got nothing',
        ],
        ["empty hosts", { hosts: [] }, "hosts: expected at least one host, got []"],
        [
            "bad host name",
            { hosts: withHost(1, { name: "Node_1" }) },
            'hosts[1].name: expected a host name of lowercase letters, digits and dashes, starting with a letter, got "Node_1"',
        ],
        [
            "unknown role",
            { hosts: withHost(2, { roles: ["agent", "slave"] }) },
            'hosts[2].roles[1]: expected one of mgmt, zookeeper, master, marathon, registry, logServer, agent, got "slave"',
        ],
        ["no role", { hosts: withHost(2, { roles: [] }) }, "hosts[2].roles: expected at least one role, got []"],
        ["bad address", { hosts: withHost(2, { ip: "10.0.15.300" }) }, 'hosts[2].ip: expected an IPv4 address like 10.0.15.11, got "10.0.15.300"'],
        ["duplicate name", { hosts: withHost(3, { name: "node2" }) }, 'hosts[3].name: expected a unique host name (hosts[2] has it too), got "node2"'],
        ["duplicate address", { hosts: withHost(3, { ip: "10.0.15.12" }) }, 'hosts[3].ip: expected a unique address (hosts[2] has it too), got "10.0.15.12"'],
        [
            "address outside the subnet",
            { hosts: withHost(2, { ip: "10.0.16.12" }) },
            'hosts[2].ip: expected an address inside network.subnet 10.0.15.0/24 (not a reserved one), got "10.0.16.12"',
        ],
        [
            "the gateway's address",
            { hosts: withHost(2, { ip: "10.0.15.1" }) },
            'hosts[2].ip: expected an address inside network.subnet 10.0.15.0/24 (not a reserved one), got "10.0.15.1"',
        ],
        [
            "aws node in the public subnet",
            {
                target: "aws",
                aws: { adminCidr: "198.51.100.0/24" },
                hosts: originalTopology("aws").map((h) => (h.name === "node2" ? { ...h, ip: "10.0.16.12" } : h)),
            },
            'hosts[2].ip: expected an address inside aws.nodeSubnet 10.0.17.0/24 (not a reserved one), got "10.0.16.12"',
        ],
        [
            "aws reserved address",
            {
                target: "aws",
                aws: { adminCidr: "198.51.100.0/24" },
                hosts: originalTopology("aws").map((h) => (h.name === "mgmt" ? { ...h, ip: "10.0.16.3" } : h)),
            },
            'hosts[0].ip: expected an address inside aws.mgmtSubnet 10.0.16.0/24 (not a reserved one), got "10.0.16.3"',
        ],
        [
            "zookeeper without myid",
            { hosts: withHost(2, { zookeeperId: undefined }) },
            "hosts[2].zookeeperId: required on a host with role zookeeper (its myid, 1-255), got nothing",
        ],
        ["myid on a non-zookeeper", { hosts: withHost(0, { zookeeperId: 9 }) }, "hosts[0].zookeeperId: expected only on a host with role zookeeper, got 9"],
        ["duplicate myid", { hosts: withHost(3, { zookeeperId: 2 }) }, "hosts[3].zookeeperId: expected a unique ZooKeeper myid (hosts[2] has it too), got 2"],
        ["myid out of range", { hosts: withHost(3, { zookeeperId: 256 }) }, "hosts[3].zookeeperId: expected a ZooKeeper myid from 1 to 255, got 256"],
        [
            "agent attributes on a non-agent",
            { hosts: withHost(0, { agentAttributes: { slavetype: "x" } }) },
            'hosts[0].agentAttributes: expected only on a host with role agent, got {"slavetype":"x"}',
        ],
        [
            "a role twice",
            { hosts: withHost(2, { roles: ["agent", "agent", "zookeeper"] }) },
            'hosts[2].roles: expected each role once, got ["agent","agent","zookeeper"]',
        ],
        [
            "no mgmt",
            { hosts: withHost(0, { roles: ["agent"] }) },
            "hosts: expected exactly one host with role mgmt (the build host and admin entry), found none",
        ],
        [
            "two registries",
            { hosts: withHost(2, { roles: ["zookeeper", "agent", "registry"] }) },
            'hosts[2].roles: expected no second host with role registry (the stack\'s one Docker registry; node1 has it), got ["zookeeper","agent","registry"]',
        ],
        [
            "two log servers",
            { hosts: withHost(3, { roles: ["zookeeper", "agent", "logServer"] }) },
            "hosts[3].roles: expected no second host with role logServer (the central rsyslog server; node1 has it)",
        ],
        [
            "no agent",
            { hosts: hosts().map((h) => ({ ...h, roles: h.roles.filter((r: string) => r !== "agent"), agentAttributes: undefined })) },
            "hosts: expected at least one host with role agent (where the apps run), found none",
        ],
        [
            "no marathon",
            { hosts: withHost(1, { roles: ["zookeeper", "master", "registry", "logServer", "agent"] }) },
            "hosts: expected at least one host with role marathon (the scheduler that runs the apps), found none",
        ],
        [
            "two ZooKeepers",
            { hosts: withHost(3, { roles: ["agent"], zookeeperId: undefined }) },
            "hosts: expected 1, 3 or 5 hosts with role zookeeper (a majority must outlive a failure), found 2: node1, node2",
        ],
        ["bad subnet", { network: { subnet: "10.0.15.0" } }, 'network.subnet: expected an IPv4 CIDR like 10.0.15.0/24, got "10.0.15.0"'],
        [
            "bad node image",
            { local: { nodeImage: "Node Image" } },
            'local.nodeImage: expected an image reference like microservice/node:bookworm, got "Node Image"',
        ],
        [
            "bad docker host",
            { local: { dockerHost: "docker.example.org" } },
            "local.dockerHost: expected a Docker host URL like unix:///var/run/docker.sock, tcp://host:2376 or ssh://user@host (a host name, no options or " +
                'shell characters), got "docker.example.org"',
        ],
        [
            "docker host with shell characters",
            { local: { dockerHost: "ssh://ops@host$(id)" } },
            "local.dockerHost: expected a Docker host URL like unix:///var/run/docker.sock, tcp://host:2376 or ssh://user@host (a host name, no options or " +
                'shell characters), got "ssh://ops@host$(id)"',
        ],
        ["bad builder", { local: { build: { builder: "kaniko" } } }, 'local.build.builder: expected legacy or buildkit, got "kaniko"'],
        ["vagrant provider", { vagrant: { provider: "hyperv" } }, 'vagrant.provider: expected one of virtualbox, libvirt, docker, got "hyperv"'],
        ["vagrant memory", { vagrant: { node: { memory: 128 } } }, "vagrant.node.memory: expected memory in MB, at least 512, got 128"],
        ["vagrant cpus", { vagrant: { mgmt: { cpus: 0 } } }, "vagrant.mgmt.cpus: expected 1 to 64 CPUs, got 0"],
        ["vagrant box", { vagrant: { box: "ubuntu 24.04" } }, 'vagrant.box: expected a box name like bento/ubuntu-24.04, got "ubuntu 24.04"'],
        ["vagrant box version", { vagrant: { boxVersion: "latest" } }, 'vagrant.boxVersion: expected a box version like 202510.26.0, got "latest"'],
        [
            "vagrant box URL without its checksum",
            { vagrant: { boxUrl: "https://boxes.example.org/u.box" } },
            "vagrant.boxChecksum: required when boxUrl is given: the box file's sha256 (sha256sum <file>.box), got nothing",
        ],
        [
            "vagrant box checksum",
            { vagrant: { boxUrl: "https://boxes.example.org/u.box", boxChecksum: "md5:abc" } },
            'vagrant.boxChecksum: expected the box file\'s sha256 (64 lowercase hex digits), got "md5:abc"',
        ],
        [
            "vagrant box URL with a command",
            { vagrant: { boxUrl: "https://x/$(id).box", boxChecksum: "a".repeat(64) } },
            'vagrant.boxUrl: expected an https:// or file:// URL of a .box file, got "https://x/$(id).box"',
        ],
        [
            "local base image digest",
            { local: { build: { baseImageDigest: "latest" } } },
            'local.build.baseImageDigest: expected an image digest sha256:<64 hex digits>, got "latest"',
        ],
        [
            "aws without admin network",
            { target: "aws" },
            "aws.adminCidr: required for target aws: the network SSH and the admin UIs may be reached from, like 203.0.113.0/24, got nothing",
        ],
        [
            "aws open to the internet",
            { target: "aws", aws: { adminCidr: "0.0.0.0/0" } },
            'aws.adminCidr: expected your admin network, not the whole internet, got "0.0.0.0/0"',
        ],
        [
            "aws subnet outside the VPC",
            {
                target: "aws",
                aws: { adminCidr: "198.51.100.0/24", vpcCidr: "10.1.0.0/16", mgmtSubnet: "10.1.16.0/24" },
                hosts: originalTopology("aws", { public: "10.1.16.0/24", private: "10.0.17.0/24" }),
            },
            "aws.nodeSubnet: expected a subnet inside aws.vpcCidr 10.1.0.0/16 (it is 10.0.17.0/24), got nothing",
        ],
        [
            "aws overlapping subnets",
            { target: "aws", aws: { adminCidr: "198.51.100.0/24", nodeSubnet: "10.0.16.0/25" } },
            'aws.nodeSubnet: expected a subnet that does not overlap aws.mgmtSubnet 10.0.16.0/24 (it is 10.0.16.0/25), got "10.0.16.0/25"',
        ],
        [
            "aws zone",
            { target: "aws", aws: { adminCidr: "198.51.100.0/24", availabilityZone: "east" } },
            'aws.availabilityZone: expected an availability zone like us-east-1b, got "east"',
        ],
        [
            "aws instance type",
            { target: "aws", aws: { adminCidr: "198.51.100.0/24", instanceTypes: { node: "large" } } },
            'aws.instanceTypes.node: expected an instance type like t3.large, got "large"',
        ],
        [
            "aws AMI owner",
            { target: "aws", aws: { adminCidr: "198.51.100.0/24", ami: { owner: "canonical" } } },
            'aws.ami.owner: expected a 12-digit AWS account id, got "canonical"',
        ],
        [
            "existing port",
            { target: "hosts", hosts: hosts(), sshPrivateKey: KEY, existing: { port: 70000 } },
            "existing.port: expected a TCP port from 1 to 65535, got 70000",
        ],
        [
            "hosts target without a key",
            { target: "hosts", hosts: hosts() },
            'sshPrivateKey: required for target "hosts": `pulumi config set --secret sshPrivateKey < key`, got (hidden)',
        ],
        [
            "a key with a generating target",
            { sshPrivateKey: KEY },
            'sshPrivateKey: expected only with target "hosts" (target "local" generates one key per stack), got (hidden)',
        ],
        [
            "not a key",
            { target: "hosts", hosts: hosts(), sshPrivateKey: "hunter2" },
            "sshPrivateKey: expected exactly one SSH private key (PEM / OpenSSH), " +
                "from -----BEGIN … PRIVATE KEY----- to -----END … PRIVATE KEY-----, got (hidden)",
        ],
        [
            "a key after other text",
            { target: "hosts", hosts: hosts(), sshPrivateKey: `hunter2\n${KEY}` },
            "sshPrivateKey: expected exactly one SSH private key (PEM / OpenSSH), " +
                "from -----BEGIN … PRIVATE KEY----- to -----END … PRIVATE KEY-----, got (hidden)",
        ],
        [
            "vagrant dir with a space",
            { target: "vagrant", vagrant: { dir: "my vms" } },
            "vagrant.dir: expected a directory path of letters, digits and . _ - / " +
                '(no spaces, quotes or shell characters: it reaches shell commands), got "my vms"',
        ],
        [
            "subnet with host bits",
            { network: { subnet: "10.0.15.7/24" } },
            'network.subnet: expected a network address with no host bits set, like 10.0.15.0/24, got "10.0.15.7/24"',
        ],
        [
            "aws VPC too large",
            { target: "aws", aws: { adminCidr: "198.51.100.0/24", vpcCidr: "10.0.0.0/8" } },
            'aws.vpcCidr: expected a network from /16 to /28 (what AWS allows for a VPC and its subnets), got "10.0.0.0/8"',
        ],
        [
            "aws admin network of half the internet",
            { target: "aws", aws: { adminCidr: "128.0.0.0/1" } },
            'aws.adminCidr: expected your admin network, at most a /8, not 2147483648 addresses of the internet, got "128.0.0.0/1"',
        ],
        [
            "aws admin ports, now derived",
            { target: "aws", aws: { adminCidr: "198.51.100.0/24", adminPorts: [5050] } },
            `aws.adminPorts: no longer a setting: the security groups open exactly the ports the services use, derived from their settings ` +
                `(components/ports.ts, docs/hosts.md "Ports"); remove aws.adminPorts (the apps' entry: apps.entry.allowFrom), got [5050]`,
        ],
        [
            "aws AMI pattern with shell characters",
            { target: "aws", aws: { adminCidr: "198.51.100.0/24", ami: { namePattern: "ubuntu/$(id)" } } },
            'aws.ami.namePattern: expected an AMI name pattern of letters, digits, ( ) [ ] . / @ _ - and the wildcards * ?, got "ubuntu/$(id)"',
        ],
        [
            "host address with a leading zero",
            { hosts: withHost(3, { ip: "10.0.15.013" }) },
            'hosts[3].ip: expected an IPv4 address without leading zeros, like 10.0.15.13, got "10.0.15.013"',
        ],
        ["bad ssh user", { target: "hosts", hosts: hosts(), sshPrivateKey: KEY, sshUser: "Admin User" }, 'sshUser: expected a user name, got "Admin User"'],
    ];
    for (const [what, raw, line] of errors) {
        it(`error: ${what}`, () => {
            const lines = hostsErrors(raw);
            // Layout errors end with ", got <the hosts given>": the start of the line is what is asserted.
            expect(
                lines.some((l) => l.startsWith(line)),
                `${JSON.stringify(lines)} should have a line starting ${line}`,
            ).to.equal(true);
            for (const l of lines) expect(l).to.not.contain("hunter2").and.not.contain("AAAA\n");
        });
    }

    it("a layout error names every problem at once", () => {
        const lines = hostsErrors({ hosts: [{ name: "mgmt", roles: ["mgmt"], ip: "10.0.15.10" }] });
        expect(lines.map((l) => /role (\w+)/.exec(l)?.[1])).to.have.members(["registry", "logServer", "zookeeper", "master", "marathon", "agent"]);
    });
});

describe("stack config: loading", () => {
    it("bad config fails before any resource is created, naming the key, the value and what is expected", () => {
        pulumi.runtime.setAllConfig({ "microservice:hosts": JSON.stringify(withHost(2, { ip: "10.0.99.12" })) });
        expect(() => program()).to.throw(
            new RegExp(
                /stack config: invalid input[\s\S]*hosts\[2\]\.ip: expected an address inside network.subnet 10.0.15.0\/24 \(not a reserved one\), /.source +
                    /got "10.0.99.12"/.source,
            ),
        );
        expect(mocks.resources).to.have.length(0);
    });

    it("the hosts target's key must be set as a secret and becomes a Pulumi secret", async () => {
        pulumi.runtime.setAllConfig({ "microservice:target": "hosts", "microservice:hosts": JSON.stringify(hosts()), "microservice:sshPrivateKey": KEY });
        expect(() => loadStackConfig()).to.throw(
            /stack config "microservice:sshPrivateKey" must be a secret: set it with `pulumi config set --secret sshPrivateKey \.\.\.`/,
        );
    });
});
