import { z } from "zod";
import { ROLES } from "../components/hosts/host";
import { hostName, ipv4 } from "../components/validate";
import { meshRangeIssues, meshSettingsSchema, weavePasswordSchema } from "../components/mesh/settings";
import { dockerSettingsSchema, registryPasswordSchema, registrySettingsSchema } from "../components/docker/settings";
import { zookeeperSettingsSchema } from "../components/zookeeper/settings";
import { volumeHostIssues, volumeSettingsSchema } from "../components/volumes/settings";
import { loggingSettingsSchema } from "../components/logging/settings";

/**
 * The whole stack's configuration (keys `microservice:<key>` in Pulumi.<stack>.yaml), read once in
 * index.ts and passed into components as args. Each section belongs to one layer of the platform.
 */
export const hostSchema = z
    .object({
        name: hostName,
        roles: z.array(z.enum(ROLES, { message: `expected one of ${ROLES.join(", ")}` })).min(1, "expected at least one role"),
        /** Private address (local, vagrant, aws: fixed address in the cluster network; hosts: the machine's address). */
        ip: ipv4,
        zookeeperId: z.number().int().min(1).max(255, "expected a ZooKeeper myid from 1 to 255").optional(),
        agentAttributes: z.record(z.string().regex(/^[a-z][a-z0-9_]*$/, "expected an attribute name"), z.string().regex(/^[A-Za-z0-9._-]+$/, "expected an attribute value of letters, digits, . _ -")).optional(),
    })
    .strict();

export const TARGETS = ["local", "vagrant", "aws", "hosts"] as const;

export const stackConfigSchema = z
    .object({
        target: z.enum(TARGETS, { message: `expected one of ${TARGETS.join(", ")}` }).default("local"),
        hosts: z.array(hostSchema).min(1, "expected at least one host"),
        /** Container network (WeaveMesh or OverlayMesh): components/mesh/settings.ts, docs/mesh.md. */
        mesh: meshSettingsSchema.prefault({}),
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
    })
    .strict()
    .superRefine((c, ctx) => {
        for (const [path, message] of meshRangeIssues(c.mesh, c.hosts)) ctx.addIssue({ code: "custom", path: ["mesh", ...path], message });
        for (const [path, message] of volumeHostIssues(c.volumes, c.hosts, c.target)) ctx.addIssue({ code: "custom", path: ["volumes", ...path], message });
    });

export type StackConfig = z.output<typeof stackConfigSchema>;
export type HostConfig = z.output<typeof hostSchema>;

/** Top-level keys that must be set with `pulumi config set --secret`. */
export const SECRET_KEYS: readonly string[] = ["weavePassword", "registryPassword"];
