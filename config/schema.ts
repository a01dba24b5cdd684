import { z } from "zod";
import { hostSchema, hostsIssues, hostsSections, layoutIssues, withDefaultHosts } from "./sections/hosts";
import { meshConfigIssues, meshSettingsObject, weavePasswordSchema } from "../components/mesh/settings";
import { dockerSettingsSchema, registryPasswordSchema, registrySettingsSchema } from "../components/docker/settings";
import { zookeeperSettingsSchema } from "../components/zookeeper/settings";
import { volumeHostIssues, volumeSettingsSchema } from "../components/volumes/settings";
import { loggingSettingsSchema } from "../components/logging/settings";
import { marathonPasswordSchema, mesosImagesIssues, mesosSettingsSchema } from "../components/mesos/settings";
import { appsIssues, appsSettingsSchema } from "../apps/settings";

/**
 * The whole stack's configuration (keys `microservice:<key>` in Pulumi.<stack>.yaml), read once in
 * index.ts and passed into components as args. Each section belongs to one layer of the platform.
 */
// The hosts layer's sections and rules live in config/sections/hosts.ts (docs/hosts.md).
export { hostSchema, TARGETS, originalTopology } from "./sections/hosts";

export const stackConfigSchema = z.preprocess(withDefaultHosts, z
    .object({
        /** target, hosts, network and one section per target (local, vagrant, aws, existing). */
        ...hostsSections,
        /** Secret. Target "hosts": the private key that logs in to every host (the lab generates one). */
        sshPrivateKey: z.string().regex(/-----BEGIN [A-Z ]*PRIVATE KEY-----/, "expected an SSH private key (PEM / OpenSSH)").optional(),
        /** Target "hosts": the user that logs in (root, or a user with passwordless sudo). */
        sshUser: z.string().regex(/^[a-z_][a-z0-9_-]*$/, "expected a user name").default("root"),
        /** Container network (WeaveMesh or OverlayMesh): components/mesh/settings.ts, docs/mesh.md. */
        mesh: meshSettingsObject.prefault({}),
        /** Secret. Weave's shared password; generated (openssl rand, kept in state as a secret) when unset. */
        weavePassword: weavePasswordSchema.optional(),
        /** Docker on every host (DockerEngine): components/docker/settings.ts, docs/platform.md. */
        docker: dockerSettingsSchema.prefault({}),
        /** The stack's registry (DockerRegistry) on the host with role `registry`. */
        registry: registrySettingsSchema.prefault({}),
        /** Secret. The registry's password; generated (kept in state as a secret) when unset. */
        registryPassword: registryPasswordSchema.optional(),
        /** ZooKeeperEnsemble settings (members: hosts with role zookeeper and a zookeeperId). */
        zookeeper: zookeeperSettingsSchema.prefault({}),
        /** Movable volumes (FlockerZfsCluster / FlockerEbsVolumes): components/volumes/settings.ts, docs/volumes.md. */
        volumes: volumeSettingsSchema.prefault({}),
        /** Log aggregation (RsyslogAggregator, server on the host with role logServer): components/logging/settings.ts, docs/logging.md. */
        logging: loggingSettingsSchema.prefault({}),
        /** Mesos masters, agents and Marathon (MesosCluster): components/mesos/settings.ts, docs/mesos.md. */
        mesos: mesosSettingsSchema.prefault({}),
        /** Secret. Marathon's HTTP basic auth password; generated (kept in state as a secret) when unset. */
        marathonPassword: marathonPasswordSchema.optional(),
        /** The sample apps nginx -> nodeapp -> mongo on Marathon: apps/settings.ts, docs/apps.md. */
        apps: appsSettingsSchema.prefault({}),
    })
    .strict()
    .superRefine((c, ctx) => {
        for (const [path, message] of hostsIssues(c)) ctx.addIssue({ code: "custom", path, message });
        for (const [path, message] of meshConfigIssues(c.mesh, c.hosts)) ctx.addIssue({ code: "custom", path: ["mesh", ...path], message });
        for (const [path, message] of volumeHostIssues(c.volumes, c.hosts, c.target)) ctx.addIssue({ code: "custom", path: ["volumes", ...path], message });
    }));

/**
 * What the whole platform (stack/program.ts) needs besides: exactly one mgmt, registry and
 * logServer, at least one ZooKeeper, master, Marathon and agent, 1, 3 or 5 ZooKeepers. Kept apart
 * so that a stack (or a test) using only some components may have fewer roles.
 */
export const platformConfigSchema = stackConfigSchema.superRefine((c, ctx) => {
    for (const [path, message] of layoutIssues(c)) ctx.addIssue({ code: "custom", path, message });
    for (const [path, message] of mesosImagesIssues(c.mesos, c.hosts)) ctx.addIssue({ code: "custom", path: ["mesos", ...path], message });
    for (const [path, message] of appsIssues(c)) ctx.addIssue({ code: "custom", path, message });
});

export type StackConfig = z.output<typeof stackConfigSchema>;
export type HostConfig = z.output<typeof hostSchema>;

/** Top-level keys that must be set with `pulumi config set --secret`. */
export const SECRET_KEYS: readonly string[] = ["weavePassword", "registryPassword", "sshPrivateKey", "marathonPassword"];
