import { z } from "zod";
import { hostSchema, hostsIssues, hostsSections, hostsWarnings, hostTarget, layoutIssues, Target, withDefaultHosts } from "./sections/hosts";
import { portIssues } from "./sections/ports";
import { meshConfigIssues, meshSettingsObject, weavePasswordSchema } from "../components/mesh/settings";
import { dockerSettingsSchema, registryPasswordSchema, registrySettingsSchema } from "../components/docker/settings";
import { zookeeperPasswordSchema, zookeeperSettingsSchema } from "../components/zookeeper/settings";
import { volumeHostIssues, volumeSettingsSchema } from "../components/volumes/settings";
import { loggingSettingsSchema } from "../components/logging/settings";
import { marathonPasswordSchema, mesosHostsIssues, mesosImagesIssues, mesosSecretSchema, mesosSettingsSchema } from "../components/mesos/settings";
import { appsIssues, appsSettingsSchema, nginxHostOf } from "../apps/settings";
import { cidrContains, cidrWithin } from "../components/hosts/addresses";
import { networkOf } from "../components/validate";
import type { Issue } from "../components/hosts/spec";
import type { Role } from "../components/hosts/host";

/**
 * The whole stack's configuration (keys `microservice:<key>` in Pulumi.<stack>.yaml), read once in
 * index.ts and passed into components as args. Each section belongs to one layer of the platform.
 */
// The hosts layer's sections and rules live in config/sections/hosts.ts (docs/hosts.md).
export { hostSchema, TARGETS, originalTopology, hostTarget } from "./sections/hosts";

/**
 * One key, nothing around it: `-----BEGIN <type> PRIVATE KEY-----`, base64 (PEM headers allowed),
 * the matching END line, and at most trailing whitespace. Anything before or after it is refused.
 */
// One line between them: base64, a PEM header (`Name: value`) or empty.
const PEM_LINE = String.raw`(?:[A-Za-z0-9+/=]+|[A-Za-z-]+: [^\r\n]+|)`;
const PRIVATE_KEY = new RegExp(
    String.raw`^-----BEGIN ((?:[A-Z0-9]+ )*)PRIVATE KEY-----\r?\n${PEM_LINE}(?:\r?\n${PEM_LINE})*\r?\n-----END \1PRIVATE KEY-----\s*$`,
);

export const stackConfigSchema = z.preprocess(
    withDefaultHosts,
    z
        .object({
            /** target, hosts, network and one section per target (local, vagrant, aws, existing). */
            ...hostsSections,
            /** Secret. Target "hosts": the private key that logs in to every host (the lab generates one). */
            sshPrivateKey: z
                .string()
                .regex(
                    PRIVATE_KEY,
                    "expected exactly one SSH private key (PEM / OpenSSH), " + "from -----BEGIN … PRIVATE KEY----- to -----END … PRIVATE KEY-----",
                )
                .optional(),
            /** Target "hosts": the user that logs in (root, or a user with passwordless sudo). */
            sshUser: z
                .string()
                .regex(/^[a-z_][a-z0-9_-]*$/, "expected a user name")
                .default("root"),
            /**
             * How long each host may take to answer SSH before `pulumi up` fails naming it (e.g. 90s, 3m).
             * Default: 3m on local, hosts and vagrant; 15m on aws (instances boot and run cloud-init first).
             */
            sshReadyTimeout: z
                .string()
                .regex(/^[1-9]\d*[smh]$/, "expected a duration like 90s, 3m or 1h")
                .optional(),
            /** Container network (WeaveMesh or OverlayMesh): components/mesh/settings.ts, docs/mesh.md. */
            mesh: meshSettingsObject.prefault({}),
            /** Secret. Weave's shared password; generated (openssl rand, kept in state as a secret) when unset. */
            weavePassword: weavePasswordSchema.optional(),
            /** Docker on every host: DockerEngine's `settings` (components/docker/settings.ts), docs/platform.md. */
            docker: dockerSettingsSchema.prefault({}),
            /** The stack's registry on the host with role `registry`: DockerRegistry's `settings` (components/docker/settings.ts). */
            registry: registrySettingsSchema.prefault({}),
            /** Secret. The registry's password; generated (kept in state as a secret) when unset. */
            registryPassword: registryPasswordSchema.optional(),
            /** ZooKeeperEnsemble's `settings` (components/zookeeper/settings.ts; members: hosts with role zookeeper and a zookeeperId). */
            zookeeper: zookeeperSettingsSchema.prefault({}),
            /** Secret. ZooKeeper's digest password (ACLs on /, /mesos, /marathon); generated (kept in state as a secret) when unset. */
            zookeeperPassword: zookeeperPasswordSchema.optional(),
            /** Movable volumes (FlockerZfsCluster / FlockerEbsVolumes): components/volumes/settings.ts, docs/volumes.md. */
            volumes: volumeSettingsSchema.prefault({}),
            /** Log aggregation (RsyslogAggregator, server on the host with role logServer): components/logging/settings.ts, docs/logging.md. */
            logging: loggingSettingsSchema.prefault({}),
            /** Mesos masters, agents and Marathon (MesosCluster): components/mesos/settings.ts, docs/mesos.md. */
            mesos: mesosSettingsSchema.prefault({}),
            /** Secret. Marathon's HTTP basic auth password; generated (kept in state as a secret) when unset. */
            marathonPassword: marathonPasswordSchema.optional(),
            /**
             * Secrets of the Mesos principals (docs/mesos.md "Authentication"): Marathon's framework, the
             * agents, the operator endpoints. Each generated (kept in state as a secret) when unset.
             */
            mesosFrameworkSecret: mesosSecretSchema.optional(),
            mesosAgentSecret: mesosSecretSchema.optional(),
            mesosOperatorSecret: mesosSecretSchema.optional(),
            /** The sample apps nginx -> nodeapp -> mongo on Marathon: apps/settings.ts, docs/apps.md. */
            apps: appsSettingsSchema.prefault({}),
        })
        .strict()
        .superRefine((c, ctx) => {
            for (const [path, message] of hostsIssues(c)) ctx.addIssue({ code: "custom", path, message });
            for (const [path, message] of meshConfigIssues(c.mesh, c.hosts)) ctx.addIssue({ code: "custom", path: ["mesh", ...path], message });
            const target = hostTarget(c.target);
            for (const [path, message] of volumeHostIssues(c.volumes, c.hosts, target)) ctx.addIssue({ code: "custom", path: ["volumes", ...path], message });
            for (const [path, message] of crossSectionIssues(c)) ctx.addIssue({ code: "custom", path, message });
        }),
);

interface CrossView {
    target: Target;
    hosts: { name: string; ip: string; roles: readonly Role[]; agentAttributes?: Readonly<Record<string, string>> }[];
    network: { subnet: string };
    aws: { vpcCidr: string };
    docker: { bip?: string };
    registry: { insecure: boolean; port: number };
    logging: { tls: string; port: number; protocol: string; relpPort: number; journalPort: number; localPort: number };
    mesh: z.output<typeof meshSettingsObject>;
    mesos: z.output<typeof mesosSettingsSchema>;
    zookeeper: z.output<typeof zookeeperSettingsSchema>;
    existing: { port: number };
    apps: z.output<typeof appsSettingsSchema>;
}

/** Rules across sections that hold for any subset of the platform (they would fail only on the hosts). */
function crossSectionIssues(c: CrossView): Issue[] {
    const issues: Issue[] = mesosHostsIssues(c.hosts).map(([p, m]) => [["hosts", ...p], m]);
    if (c.logging.tls !== "off" && c.registry.insecure) {
        issues.push([
            ["logging", "tls"],
            `expected "off" when registry.insecure is true (TLS certificates come from the stack CA, which exists only with a TLS registry)`,
        ]);
    }
    if (c.mesos.marathon.tls && c.registry.insecure && c.hosts.some((h) => h.roles.includes("marathon"))) {
        issues.push([
            ["mesos", "marathon", "tls"],
            `expected false when registry.insecure is true (Marathon's HTTPS certificate comes from the stack CA, which exists only with a TLS registry)`,
        ]);
    }
    if (c.docker.bip !== undefined && /^[\d.]+\/\d+$/.test(c.docker.bip)) {
        const bip = networkOf(c.docker.bip);
        const overlaps = (range: string) => cidrWithin(range, bip) || cidrWithin(bip, range);
        const holder = c.hosts.find((h) => cidrContains(bip, h.ip));
        const cluster =
            c.target === "local" || c.target === "vagrant"
                ? ["network.subnet", c.network.subnet]
                : c.target === "aws"
                  ? ["aws.vpcCidr", c.aws.vpcCidr]
                  : undefined;
        const mesh =
            c.mesh.implementation === "weave" && c.mesh.weave ? ["mesh.weave.ipRange", c.mesh.weave.ipRange] : ["mesh.overlay.subnet", c.mesh.overlay.subnet];
        if (cluster && overlaps(cluster[1]))
            issues.push([["docker", "bip"], `expected a docker0 network outside ${cluster[0]} ${cluster[1]} (the hosts' network)`]);
        else if (holder) issues.push([["docker", "bip"], `expected a docker0 network that holds no host address (${bip} holds ${holder.name}'s ${holder.ip})`]);
        else if (overlaps(mesh[1])) issues.push([["docker", "bip"], `expected a docker0 network outside ${mesh[0]} ${mesh[1]} (the containers' network)`]);
    }
    issues.push(...portIssues(c, nginxHostOf(c), hostTarget(c.target)));
    return issues;
}

/**
 * What the whole platform (stack/program.ts) needs besides: exactly one mgmt, registry and
 * logServer, at least one ZooKeeper, master, Marathon and agent, 1, 3 or 5 ZooKeepers. Kept apart
 * so that a stack (or a test) using only some components may have fewer roles.
 */
export const platformConfigSchema = stackConfigSchema.superRefine((c, ctx) => {
    for (const [path, message] of layoutIssues(c)) ctx.addIssue({ code: "custom", path, message });
    for (const [path, message] of mesosImagesIssues(c.mesos, c.hosts, hostTarget(c.target)))
        ctx.addIssue({ code: "custom", path: ["mesos", ...path], message });
    for (const [path, message] of appsIssues(c)) ctx.addIssue({ code: "custom", path, message });
});

export type StackConfig = z.output<typeof stackConfigSchema>;
export type HostConfig = z.output<typeof hostSchema>;

/**
 * Settings that are legal but probably not meant (loadStackConfig logs each with pulumi.log.warn):
 * `<key>: …` lines.
 */
export function stackConfigWarnings(c: StackConfig): string[] {
    const warnings = hostsWarnings(c);
    if (c.weavePassword !== undefined && c.mesh.implementation !== "weave") {
        warnings.push(
            `weavePassword: set, but mesh.implementation is "${c.mesh.implementation}": it is not used (remove it, or choose implementation "weave")`,
        );
    }
    return warnings;
}

/** Top-level keys that must be set with `pulumi config set --secret`. */
export const SECRET_KEYS: readonly string[] = [
    "weavePassword",
    "registryPassword",
    "sshPrivateKey",
    "marathonPassword",
    "zookeeperPassword",
    "mesosFrameworkSecret",
    "mesosAgentSecret",
    "mesosOperatorSecret",
];
