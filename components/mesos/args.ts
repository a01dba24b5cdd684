import * as pulumi from "@pulumi/pulumi";
import { z } from "zod";
import { ContainerNetwork, HostReadiness, RegistryEndpoint, ZooKeeperEndpoint } from "../contracts";
import { hostReadinessSchema } from "../hosts/readiness";
import { Host, ROLES } from "../hosts/host";
import type { StackCa } from "../pki";
import { input } from "../validate";
import { ZookeeperSettingsInput, zookeeperPasswordSchema, zookeeperSettingsSchema } from "../zookeeper/settings";
import {
    MesosImages,
    MesosSettingsInput,
    marathonPasswordSchema,
    mesosSecretSchema,
    mesosImagesSchema,
    mesosSettingsSchema,
    SUGGESTED_IMAGES,
} from "./settings";
import { MASTER_COUNTS } from "./topology";

/**
 * MesosCluster's args: `settings` is what a stack chooses (the `mesos` config section, its one
 * schema and the owner of every default: components/mesos/settings.ts); the rest is wiring from
 * other layers (hosts, images, registry, CA, secrets, ZooKeeper, readiness).
 */
export interface MesosClusterArgs {
    /**
     * Every host of the stack: roles decide masters (`master`), agents (`agent`), Marathon (`marathon`),
     * ZooKeeper (`zookeeper`) and where images are mirrored from (`mgmt`).
     */
    hosts: Host[];
    /**
     * The `mesos` config section (MesosSettings: ports, cluster name, cgroups, Marathon, mirroring...):
     * unset keys take that schema's defaults. `mirrorToRegistry` is true by default: pass `registry`,
     * or `settings: { mirrorToRegistry: false }` to run the images from where they are pinned.
     */
    settings?: MesosSettingsInput;
    /**
     * Mesos master, agent and Marathon images, each pinned by digest (an Output is checked when it
     * resolves). Default: `settings.images`.
     */
    images?: pulumi.Input<MesosImages>;
    /** A Pulumi secret: Marathon's HTTP basic auth password. */
    marathonPassword: pulumi.Input<string>;
    /**
     * A Pulumi secret: principal `marathon`'s, with which Marathon registers its framework. Each Mesos
     * secret left out is generated once (openssl rand, where `pulumi up` runs) and kept in state as a
     * secret (docs/mesos.md, "Authentication").
     */
    mesosFrameworkSecret?: pulumi.Input<string>;
    /** A Pulumi secret: principal `agent`'s, with which every agent registers at the master (generated when left out). */
    mesosAgentSecret?: pulumi.Input<string>;
    /** A Pulumi secret: principal `operator`'s, for the HTTP endpoints of masters and agents and the readiness probes (generated when left out). */
    mesosOperatorSecret?: pulumi.Input<string>;
    /**
     * The stack CA: it issues each Marathon host's certificate while `settings.marathon.tls` is on
     * (the default), and whatever talks to Marathon trusts it. Required then.
     */
    ca?: StackCa;
    /**
     * A Pulumi secret: the password of Marathon's keystore (HTTPS), generated once when left out. It
     * reaches the hosts only in the 0600 credentials env file.
     */
    marathonKeystorePassword?: pulumi.Input<string>;
    /**
     * The container network (WeaveMesh, OverlayMesh): agents use its Docker endpoint (`agentDockerSocket`;
     * default /var/run/docker.sock) and start on a host once the network's `hostReady` names there.
     */
    network?: Pick<ContainerNetwork, "agentDockerSocket" | "hostReady">;
    /** The registry the images are copied into while `settings.mirrorToRegistry` is true (the default). */
    registry?: RegistryEndpoint;
    /**
     * The ZooKeeper ensemble (a ZooKeeperEnsemble's `endpoint`; the stack builds its own layer,
     * stack/zookeeper.ts). Without it, for programs that use MesosCluster alone, a ZooKeeperEnsemble
     * of the hosts with role `zookeeper` is made as this component's child from `zookeeperSettings`.
     */
    zookeeper?: ZooKeeperEndpoint;
    /** Only without `zookeeper`: the `zookeeper` config section (ZookeeperSettings) for the ensemble made here. */
    zookeeperSettings?: ZookeeperSettingsInput;
    /**
     * A Pulumi secret, required when the cluster makes its own ensemble: digest ACLs guard /mesos and
     * /marathon, and the daemons get `zk://microservice:<password>@...` in 0600 env files only.
     */
    zookeeperPassword?: pulumi.Input<string>;
    /** What each host's steps wait for: Docker running there (the platform layer's DockerEngine.hostReady). */
    hostReady?: HostReadiness;
    /**
     * Docker's daemon running on each host before its registry login (DockerEngine.daemonReady):
     * with `settings.mirrorToRegistry` off the images come from upstream, and their pulls start then.
     * Without it they start after `hostReady`.
     */
    daemonReady?: HostReadiness;
}

const hostRef = z.object({ name: z.string(), roles: z.array(z.enum(ROLES)) });
const names = (hosts: { name: string; roles: string[] }[], role: string) => hosts.filter((h) => h.roles.includes(role)).map((h) => h.name);

const hostsSchema = z.array(hostRef, { message: "expected a list of hosts" }).superRefine((hosts, ctx) => {
    const masters = names(hosts, "master");
    if (!(MASTER_COUNTS as readonly number[]).includes(masters.length)) {
        ctx.addIssue({
            code: "custom",
            message: `expected an odd count of hosts with role master (1, 3 or 5), got ${masters.length} (${masters.join(", ") || "none"})`,
        });
    }
    if (names(hosts, "agent").length === 0) ctx.addIssue({ code: "custom", message: "expected at least one host with role agent" });
    if (names(hosts, "marathon").length === 0) ctx.addIssue({ code: "custom", message: "expected at least one host with role marathon" });
    const seen = new Set<string>();
    hosts.forEach((h, i) => {
        if (seen.has(h.name)) ctx.addIssue({ code: "custom", path: [i, "name"], message: `host name "${h.name}" appears twice` });
        seen.add(h.name);
    });
});

export const argsSchema = z
    .object({
        hosts: hostsSchema,
        // The section's own checks (ports, durations, the launch timeout against the registration timeout) run here.
        settings: mesosSettingsSchema.prefault({}),
        images: input(mesosImagesSchema).optional(),
        marathonPassword: input(marathonPasswordSchema),
        mesosFrameworkSecret: input(mesosSecretSchema).optional(),
        mesosAgentSecret: input(mesosSecretSchema).optional(),
        mesosOperatorSecret: input(mesosSecretSchema).optional(),
        ca: z.custom<StackCa>((c) => !!c && typeof (c as StackCa).issue === "function", "expected a StackCa").optional(),
        marathonKeystorePassword: input(mesosSecretSchema).optional(),
        network: z
            .object({
                agentDockerSocket: z
                    .string()
                    .regex(/^\/[A-Za-z0-9._/-]+$/, "expected the absolute path of a Docker socket")
                    .optional(),
                hostReady: hostReadinessSchema,
            })
            .optional(),
        registry: z.custom<RegistryEndpoint>().optional(),
        zookeeper: z.custom<ZooKeeperEndpoint>().optional(),
        zookeeperSettings: zookeeperSettingsSchema.optional(),
        zookeeperPassword: input(zookeeperPasswordSchema).optional(),
        hostReady: hostReadinessSchema,
        daemonReady: hostReadinessSchema,
    })
    .strict()
    .superRefine((a, ctx) => {
        // Refinements run even when a field failed its own check: `settings` may be undefined then.
        const s = a.settings ?? {};
        if (a.images === undefined && s.images === undefined) {
            ctx.addIssue({
                code: "custom",
                path: ["images"],
                message:
                    "required (or settings.images): { master, agent, marathon }, each pinned by digest, " +
                    `e.g. ${SUGGESTED_IMAGES.master}@sha256:<digest> (see docs/mesos.md)`,
            });
        }
        if (s.mirrorToRegistry && !a.registry) {
            ctx.addIssue({
                code: "custom",
                path: ["registry"],
                message:
                    "required when mirrorToRegistry is true (the default): the registry to copy the images into; " +
                    "or set settings: { mirrorToRegistry: false } to run the images from where they are pinned",
            });
        }
        if (s.mirrorToRegistry && names(a.hosts ?? [], "mgmt").length !== 1) {
            ctx.addIssue({
                code: "custom",
                path: ["settings", "mirrorToRegistry"],
                message: "expected exactly one host with role mgmt to copy the images from (or false)",
            });
        }
        if (s.marathon?.tls && !a.ca) {
            ctx.addIssue({
                code: "custom",
                path: ["ca"],
                message:
                    "required while marathon.tls is true (the default): the StackCa that issues Marathon's HTTPS certificate; " +
                    "or set settings: { marathon: { tls: false } } to serve plain HTTP",
            });
        }
        if (a.zookeeper && a.zookeeperSettings !== undefined) {
            ctx.addIssue({
                code: "custom",
                path: ["zookeeperSettings"],
                message: "expected none with `zookeeper:` given (they configure only the ensemble MesosCluster makes itself)",
            });
        }
        if (!a.zookeeper && names(a.hosts ?? [], "zookeeper").length === 0) {
            ctx.addIssue({ code: "custom", path: ["zookeeper"], message: "required when no host has role zookeeper: an existing ZooKeeperEndpoint" });
        }
        if (!a.zookeeper && a.zookeeperPassword === undefined) {
            ctx.addIssue({
                code: "custom",
                path: ["zookeeperPassword"],
                message: "required when MesosCluster makes its own ZooKeeper ensemble (no `zookeeper:` given): a Pulumi secret for its digest ACLs",
            });
        }
    });
