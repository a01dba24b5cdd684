import { z } from "zod";
import { Role } from "../../components/hosts/host";
import { hostListIssues, hostSpecSchema, Issue } from "../../components/hosts/spec";
import { cidr, networkCidr } from "../../components/validate";
import { cidrContains, cidrWithin, hostAddress, reservedIn } from "../../components/hosts/addresses";
import { KNOWN_HOSTS_EXPECTED, KNOWN_HOSTS_LINE, missingHostKeys } from "../../components/hosts/existing/known-hosts";
import { pinTargets } from "../../components/hosts/existing/hosts";
import type { HostTarget } from "../../components/hosts/target";
import { LOCAL_TARGET } from "../../components/hosts/local/target";
import { VAGRANT_TARGET } from "../../components/hosts/vagrant/target";
import { AWS_TARGET } from "../../components/hosts/aws/target";
import { EXISTING_TARGET } from "../../components/hosts/existing/target";

/**
 * Stack config of the hosts layer: which target makes the hosts, the hosts with their roles, and
 * one section per target. Keys are `microservice:<key>` (docs/hosts.md lists them all).
 */

/**
 * The one switch from the `target` config value to what that target offers: the layers decide by
 * these capabilities, never by the name. A new target adds its folder under components/hosts (with
 * its HostTarget), one entry here, its config section below and its case in stack/hosts.ts.
 */
const HOST_TARGETS = { local: LOCAL_TARGET, vagrant: VAGRANT_TARGET, aws: AWS_TARGET, hosts: EXISTING_TARGET } as const satisfies Record<string, HostTarget>;
export type Target = keyof typeof HOST_TARGETS;
export const TARGETS = Object.keys(HOST_TARGETS) as readonly Target[];

/** What the configured target offers (components/hosts/target.ts). */
export function hostTarget(target: Target): HostTarget {
    return HOST_TARGETS[target];
}

const port = z.number().int().min(1, "expected a TCP port from 1 to 65535").max(65535, "expected a TCP port from 1 to 65535");
/** A Docker image reference (name[:tag][@digest]); the local node image need not be pinned: it is built here. */
const imageRef = z
    .string()
    .regex(/^[a-z0-9]+([._/:-][a-z0-9]+)*(:[\w][\w.-]{0,127})?(@sha256:[a-f0-9]{64})?$/, "expected an image reference like microservice/node:bookworm");
const dnsOrIp = z.string().regex(/^[A-Za-z0-9]([A-Za-z0-9.-]{0,252})$/, "expected a host name or IPv4 address");
const sshUserName = z.string().regex(/^[a-z_][a-z0-9_-]{0,31}$/, "expected a Unix user name like root or ubuntu");
/** A Docker host URL: a local socket, or tcp/ssh to a host name with an optional user and port (no options, no shell characters). */
const DOCKER_SOCKET_URL = String.raw`unix:///[A-Za-z0-9._/-]+|npipe://[A-Za-z0-9._/-]+`;
const DOCKER_NETWORK_URL = String.raw`(tcp|ssh)://([a-z_][a-z0-9_-]{0,31}@)?[A-Za-z0-9]([A-Za-z0-9.-]*[A-Za-z0-9])?(:\d{1,5})?`;
const DOCKER_HOST_URL = new RegExp(`^(${DOCKER_SOCKET_URL}|${DOCKER_NETWORK_URL})$`);

/** One host: name, roles, private address, ZooKeeper myid, agent attributes (components/hosts/spec.ts). */
export const hostSchema = hostSpecSchema;

/** Containers (local) or VMs (vagrant) share this network, as the Vagrant VMs of the original did. */
export const networkSchema = z
    .object({
        subnet: networkCidr({ min: 8, max: 28, why: "it holds the hosts' addresses" }).default("10.0.15.0/24"),
        /** Docker network name (local target); default `microservice-<stack>`. */
        name: z
            .string()
            .regex(/^[a-zA-Z0-9][a-zA-Z0-9_.-]{0,63}$/, "expected a Docker network name")
            .optional(),
    })
    .strict();

export const localSchema = z
    .object({
        /** The node image (systemd + sshd), built by scripts/docker-host.sh unless `build` is set. */
        nodeImage: imageRef.default("microservice/node:bookworm"),
        /** Build the node image from images/node with `docker build` instead (needs the base image locally or a registry). */
        build: z
            .object({
                baseImage: imageRef.default("debian:bookworm"),
                /**
                 * Pins baseImage: the build pulls `<baseImage>@<digest>` (Docker checks the content against it).
                 * npm run up also hands it to scripts/docker-host.sh as BASE_IMAGE_DIGEST (scripts/base-pins.sh).
                 */
                baseImageDigest: z
                    .string()
                    .regex(/^sha256:[0-9a-f]{64}$/, "expected an image digest sha256:<64 hex digits>")
                    .optional(),
                /** BuildKit needs buildx; the legacy builder works with a bare Docker engine. */
                builder: z.enum(["legacy", "buildkit"], { message: "expected legacy or buildkit" }).default("legacy"),
            })
            .strict()
            .refine((b) => !(b.baseImageDigest && b.baseImage.includes("@")), {
                path: ["baseImage"],
                message: "expected no @digest here when baseImageDigest is set (one pin, in baseImageDigest)",
            })
            .optional(),
        /** The Docker engine that runs the hosts (default: the local one, DOCKER_HOST). */
        dockerHost: z
            .string()
            .regex(
                DOCKER_HOST_URL,
                "expected a Docker host URL like unix:///var/run/docker.sock, tcp://host:2376 or ssh://user@host (a host name, no options or shell characters)",
            )
            .optional(),
        /** Container names are `<prefix>-<host>`; default `microservice-<stack>`. */
        namePrefix: z
            .string()
            .regex(/^[a-z0-9][a-z0-9_.-]{0,40}$/, "expected a container name prefix of lowercase letters, digits, _ . -")
            .optional(),
        /**
         * Run the hosts from the node image with every host's packages baked in (`<nodeImage repository>-baked:<hash>`,
         * made once, reused by every stack with the same node image and packages): a cold up installs nothing.
         */
        bakePackages: z.boolean({ message: "expected true or false" }).default(false),
    })
    .strict();

const machineSize = (memory: number, cpus: number) =>
    z
        .object({
            memory: z.number().int().min(512, "expected memory in MB, at least 512").max(1048576, "expected memory in MB").default(memory),
            cpus: z.number().int().min(1, "expected 1 to 64 CPUs").max(64, "expected 1 to 64 CPUs").default(cpus),
        })
        .strict();

export const VAGRANT_PROVIDERS = ["virtualbox", "libvirt", "docker"] as const;

export const vagrantSchema = z
    .object({
        box: z
            .string()
            .regex(/^[a-z0-9_.-]+\/[a-z0-9_.-]+$/i, "expected a box name like bento/ubuntu-24.04")
            .default("bento/ubuntu-24.04"),
        /** Pinned: a box update is a deliberate config change (it replaces the machines). */
        boxVersion: z
            .string()
            .regex(/^\d+(\.\d+){0,3}$/, "expected a box version like 202510.26.0")
            .default("202510.26.0"),
        /** A .box file to download instead of the catalog's box (box is then its local name, boxVersion unused). */
        boxUrl: z
            .string()
            .regex(/^(https|file):\/\/[^\s'"\\$`]+$/, "expected an https:// or file:// URL of a .box file")
            .optional(),
        /** sha256 of the box file (required with boxUrl): Vagrant refuses a download that does not match. */
        boxChecksum: z
            .string()
            .regex(/^[0-9a-f]{64}$/, "expected the box file's sha256 (64 lowercase hex digits)")
            .optional(),
        provider: z.enum(VAGRANT_PROVIDERS, { message: `expected one of ${VAGRANT_PROVIDERS.join(", ")}` }).default("virtualbox"),
        /** The original's sizes: mgmt 1024 MB, nodes 2560 MB. */
        mgmt: machineSize(1024, 1).prefault({}),
        node: machineSize(2560, 2).prefault({}),
        /** Where the Vagrantfile and .vagrant/ live; default `.vagrant-stacks/<stack>`. */
        dir: z
            .string()
            .regex(
                /^[A-Za-z0-9_./-]+$/,
                "expected a directory path of letters, digits and . _ - / (no spaces, quotes or shell characters: it reaches shell commands)",
            )
            .optional(),
    })
    .strict()
    .superRefine((v, ctx) => {
        if (v.boxUrl && !v.boxChecksum)
            ctx.addIssue({ code: "custom", path: ["boxChecksum"], message: "required when boxUrl is given: the box file's sha256 (sha256sum <file>.box)" });
    });

/** Keys that no longer exist: the security groups open what the services use (components/ports.ts). */
const derivedPorts = (key: string) =>
    z
        .never({
            error:
                "no longer a setting: the security groups open exactly the ports the services use, derived from their settings " +
                `(components/ports.ts, docs/hosts.md "Ports"); remove aws.${key} (the apps' entry: apps.entry.allowFrom)`,
        })
        .optional();

/** AWS takes VPCs and subnets from /16 to /28. */
const awsNetwork = networkCidr({ min: 16, max: 28, why: "what AWS allows for a VPC and its subnets" });

export const awsSchema = z
    .object({
        vpcCidr: awsNetwork.default("10.0.0.0/16"),
        /** mgmt (the bastion) lives here, with a public address. */
        mgmtSubnet: awsNetwork.default("10.0.16.0/24"),
        /** The nodes live here, with no public address; they reach out through a NAT gateway. */
        nodeSubnet: awsNetwork.default("10.0.17.0/24"),
        /** Default: the first available zone of the provider's region. */
        availabilityZone: z
            .string()
            .regex(/^[a-z]{2}(-[a-z]+)+-\d[a-z]$/, "expected an availability zone like us-east-1b")
            .optional(),
        /** Required: where SSH and the admin UIs may be reached from (no default: never the whole internet; at most a /8, a warning above a /24). */
        adminCidr: networkCidr().optional(),
        adminPorts: derivedPorts("adminPorts"),
        clusterPorts: derivedPorts("clusterPorts"),
        instanceTypes: z
            .object({
                mgmt: z
                    .string()
                    .regex(/^[a-z0-9]+\.[a-z0-9]+$/, "expected an instance type like t3.small")
                    .default("t3.small"),
                node: z
                    .string()
                    .regex(/^[a-z0-9]+\.[a-z0-9]+$/, "expected an instance type like t3.large")
                    .default("t3.large"),
            })
            .strict()
            .prefault({}),
        rootVolumeGb: z
            .object({ mgmt: z.number().int().min(8).max(16384).default(20), node: z.number().int().min(8).max(16384).default(40) })
            .strict()
            .prefault({}),
        /** The Ubuntu LTS image is looked up (newest match), never hard-coded. */
        ami: z
            .object({
                owner: z
                    .string()
                    .regex(/^\d{12}$/, "expected a 12-digit AWS account id")
                    .default("099720109477"),
                /** An AMI name with wildcards (* ?): AWS's name characters only. */
                namePattern: z
                    .string()
                    .regex(/^[A-Za-z0-9()[\] ./@_*?-]{1,128}$/, "expected an AMI name pattern of letters, digits, ( ) [ ] . / @ _ - and the wildcards * ?")
                    .default("ubuntu/images/hvm-ssd*/ubuntu-noble-24.04-amd64-server-*"),
            })
            .strict()
            .prefault({}),
        /** The image's login user (Ubuntu: ubuntu, with passwordless sudo). */
        user: sshUserName.default("ubuntu"),
    })
    .strict();

/** Target `hosts`: machines that already exist. User and key are the top-level `sshUser` and secret `sshPrivateKey`. */
export const existingSchema = z
    .object({
        port: port.default(22),
        /** A bastion in front of the hosts (same key). */
        jumpHost: z
            .object({ host: dnsOrIp, user: sshUserName.optional(), port: port.default(22) })
            .strict()
            .optional(),
        /** known_hosts lines, one per host and for the jump host ("192.0.2.10 ssh-ed25519 AAAA...", `[ip]:port` off 22): every connection pins them. */
        knownHosts: z.array(z.string().regex(KNOWN_HOSTS_LINE, KNOWN_HOSTS_EXPECTED)).default([]),
        /** Opt-in, off by default: a machine without a line gets the key it shows at the first up (ssh-keyscan), pinned from then on. */
        trustOnFirstUse: z.boolean({ message: "expected true or false" }).default(false),
    })
    .strict();

/** The keys of the hosts layer, spread into the stack schema. */
export const hostsSections = {
    target: z.enum(TARGETS, { message: `expected one of ${TARGETS.join(", ")}` }).default("local"),
    /** Default: the original topology for the target (originalTopology). Required for target `hosts`. */
    hosts: z
        .array(hostSchema, {
            error: (i) => (i.input === undefined ? 'required for target "hosts" (other targets default to mgmt, node1..node3)' : "expected a list of hosts"),
        })
        .min(1, "expected at least one host"),
    network: networkSchema.prefault({}),
    local: localSchema.prefault({}),
    vagrant: vagrantSchema.prefault({}),
    aws: awsSchema.prefault({}),
    existing: existingSchema.prefault({}),
};

interface HostsConfigView {
    target: Target;
    hosts: z.output<typeof hostSchema>[];
    network: z.output<typeof networkSchema>;
    aws: z.output<typeof awsSchema>;
    existing: z.output<typeof existingSchema>;
    sshPrivateKey?: unknown;
}

/** The original's hosts and roles (SPEC 1 and 3), with three ZooKeepers; addresses from the target's subnets. */
export function originalTopology(target: Target, subnets: { cluster?: string; public?: string; private?: string } = {}): z.input<typeof hostSchema>[] {
    const cluster = subnets.cluster ?? "10.0.15.0/24";
    const [mgmtNet, nodeNet] = target === "aws" ? [subnets.public ?? "10.0.16.0/24", subnets.private ?? "10.0.17.0/24"] : [cluster, cluster];
    const node = (i: number, roles: Role[], slavetype: string) => ({
        name: `node${i}`,
        roles,
        ip: hostAddress(nodeNet, 10 + i),
        zookeeperId: i,
        agentAttributes: { slavetype },
    });
    return [
        { name: "mgmt", roles: ["mgmt"], ip: hostAddress(mgmtNet, 10) },
        node(1, ["zookeeper", "master", "marathon", "registry", "logServer", "agent"], "system"),
        node(2, ["zookeeper", "agent"], "app"),
        node(3, ["zookeeper", "agent"], "app"),
    ];
}

/** Fills in `hosts` with the original topology when it is not given (never for target `hosts`). */
export function withDefaultHosts(raw: unknown): unknown {
    if (!raw || typeof raw !== "object" || Array.isArray(raw)) return raw;
    const r = raw as Record<string, unknown> & { network?: { subnet?: unknown }; aws?: { mgmtSubnet?: unknown; nodeSubnet?: unknown } };
    const target = r.target ?? "local";
    if (r.hosts !== undefined || target === "hosts" || !(TARGETS as readonly unknown[]).includes(target)) return raw;
    const valid = (v: unknown) => (cidr.safeParse(v).success ? (v as string) : undefined);
    try {
        return {
            ...r,
            hosts: originalTopology(target as Target, {
                cluster: valid(r.network?.subnet),
                public: valid(r.aws?.mgmtSubnet),
                private: valid(r.aws?.nodeSubnet),
            }),
        };
    } catch {
        return raw; // a subnet too small for .10-.13: the address rules report it on the given hosts
    }
}

/** Per-key rules of the hosts layer (they hold for any subset of the platform). */
export function hostsIssues(c: HostsConfigView): Issue[] {
    const issues: Issue[] = hostListIssues(c.hosts).map(([path, message]) => [["hosts", ...path], message]);
    c.hosts.forEach((h, i) => {
        const where = addressRange(c, h.roles.includes("mgmt"));
        if (where && (!cidrContains(where.range, h.ip) || reservedIn(where.range, h.ip, where.firstUsable))) {
            issues.push([["hosts", i, "ip"], `expected an address inside ${where.key} ${where.range} (not a reserved one)`]);
        }
    });

    if (c.target === "hosts" && c.sshPrivateKey === undefined) {
        issues.push([["sshPrivateKey"], 'required for target "hosts": `pulumi config set --secret sshPrivateKey < key`']);
    }
    if (c.target !== "hosts" && c.sshPrivateKey !== undefined) {
        issues.push([["sshPrivateKey"], `expected only with target "hosts" (target "${c.target}" generates one key per stack)`]);
    }
    if (c.target === "aws") issues.push(...awsIssues(c.aws));
    if (c.target === "hosts" && !c.existing.trustOnFirstUse) {
        // Hosts the stack did not make: their keys come from config (or the explicit opt-in), never from the network unasked.
        for (const m of missingHostKeys(c.existing.knownHosts, pinTargets(c.hosts, c.existing.port, c.existing.jumpHost), "existing.trustOnFirstUse"))
            issues.push([["existing", "knownHosts"], m]);
    }
    return issues;
}

function addressRange(c: HostsConfigView, mgmt: boolean): { key: string; range: string; firstUsable: number } | undefined {
    switch (c.target) {
        case "local":
        case "vagrant":
            return { key: "network.subnet", range: c.network.subnet, firstUsable: 2 }; // .1 is the gateway
        case "aws":
            // AWS reserves the first four addresses and the last one of every subnet.
            return mgmt
                ? { key: "aws.mgmtSubnet", range: c.aws.mgmtSubnet, firstUsable: 4 }
                : { key: "aws.nodeSubnet", range: c.aws.nodeSubnet, firstUsable: 4 };
        default:
            return undefined;
    }
}

function awsIssues(a: z.output<typeof awsSchema>): Issue[] {
    const issues: Issue[] = [];
    if (a.adminCidr === undefined)
        issues.push([["aws", "adminCidr"], "required for target aws: the network SSH and the admin UIs may be reached from, like 203.0.113.0/24"]);
    else if (a.adminCidr.endsWith("/0")) issues.push([["aws", "adminCidr"], "expected your admin network, not the whole internet"]);
    else if (adminPrefix(a.adminCidr) < 8) {
        issues.push([["aws", "adminCidr"], `expected your admin network, at most a /8, not ${2 ** (32 - adminPrefix(a.adminCidr))} addresses of the internet`]);
    }
    for (const key of ["mgmtSubnet", "nodeSubnet"] as const) {
        // The subnet may be a default, which the echo of the value given would show as "nothing".
        if (!cidrWithin(a.vpcCidr, a[key])) issues.push([["aws", key], `expected a subnet inside aws.vpcCidr ${a.vpcCidr} (it is ${a[key]})`]);
    }
    if (cidrWithin(a.mgmtSubnet, a.nodeSubnet) || cidrWithin(a.nodeSubnet, a.mgmtSubnet)) {
        issues.push([["aws", "nodeSubnet"], `expected a subnet that does not overlap aws.mgmtSubnet ${a.mgmtSubnet} (it is ${a.nodeSubnet})`]);
    }
    return issues;
}

const adminPrefix = (c: string) => Number(c.split("/")[1]);

/** Legal but risky settings of the hosts layer (logged as warnings by loadStackConfig). */
export function hostsWarnings(c: Pick<HostsConfigView, "target" | "aws">): string[] {
    const a = c.aws.adminCidr;
    if (c.target !== "aws" || a === undefined || adminPrefix(a) >= 24 || adminPrefix(a) < 8) return [];
    return [`aws.adminCidr: ${a} opens SSH and the admin UIs to ${2 ** (32 - adminPrefix(a))} addresses; an admin network is expected to be a /24 or narrower`];
}

/** Which counts of a role a whole platform needs. */
const LAYOUT: { role: Role; exactly?: number; atLeast?: number; why: string }[] = [
    { role: "mgmt", exactly: 1, why: "the build host and admin entry" },
    { role: "registry", exactly: 1, why: "the stack's one Docker registry" },
    { role: "logServer", exactly: 1, why: "the central rsyslog server" },
    { role: "zookeeper", atLeast: 1, why: "Mesos and Marathon keep their state there" },
    { role: "master", atLeast: 1, why: "the Mesos master" },
    { role: "marathon", atLeast: 1, why: "the scheduler that runs the apps" },
    { role: "agent", atLeast: 1, why: "where the apps run" },
];

/**
 * What the whole platform needs of the host layout (the stack program checks this; a stack that
 * uses only some components may have fewer roles).
 */
export function layoutIssues(c: { hosts: { name: string; roles: readonly Role[] }[] }): Issue[] {
    const issues: Issue[] = [];
    for (const rule of LAYOUT) {
        const have = c.hosts.map((h, i) => [h, i] as const).filter(([h]) => h.roles.includes(rule.role));
        const names = have.map(([h]) => h.name).join(", ");
        if (rule.exactly !== undefined && have.length > rule.exactly) {
            for (const [, i] of have.slice(rule.exactly))
                issues.push([["hosts", i, "roles"], `expected no second host with role ${rule.role} (${rule.why}; ${have[0][0].name} has it)`]);
        } else if (have.length < (rule.exactly ?? rule.atLeast ?? 0)) {
            issues.push([
                ["hosts"],
                `expected ${rule.exactly !== undefined ? "exactly" : "at least"} one host with role ${rule.role} (${rule.why}), found ${names || "none"}`,
            ]);
        }
    }
    const zk = c.hosts.filter((h) => h.roles.includes("zookeeper"));
    if (zk.length > 0 && ![1, 3, 5].includes(zk.length)) {
        issues.push([
            ["hosts"],
            `expected 1, 3 or 5 hosts with role zookeeper (a majority must outlive a failure), found ${zk.length}: ${zk.map((h) => h.name).join(", ")}`,
        ]);
    }
    return issues;
}
