import * as pulumi from "@pulumi/pulumi";
import { z } from "zod";
import { RegistryEndpoint, ZooKeeperEndpoint } from "../contracts";
import { Host, ROLES } from "../hosts/host";
import type { StackCa } from "../pki";
import { input } from "../validate";
import { ZooKeeperEnsembleArgs } from "../zookeeper";
import { zookeeperPasswordSchema } from "../zookeeper/settings";
import { MarathonSettings, MesosImages, CgroupMode, durationSeconds, marathonPasswordSchema, mesosDuration, mesosSecretSchema, mesosImagesSchema, mesosSettingsSchema } from "./settings";
import { MASTER_COUNTS } from "./topology";

export interface MesosClusterArgs {
    /** Every host of the stack: roles decide masters (`master`), agents (`agent`), Marathon (`marathon`), ZooKeeper (`zookeeper`) and where images are mirrored from (`mgmt`). */
    hosts: Host[];
    /** Mesos master, agent and Marathon images, each pinned by digest (an Output is checked when it resolves). */
    images: pulumi.Input<MesosImages>;
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
     * The stack CA: it issues each Marathon host's certificate while `marathon.tls` is on (the
     * default), and whatever talks to Marathon trusts it. Required then.
     */
    ca?: StackCa;
    /**
     * A Pulumi secret: the password of Marathon's keystore (HTTPS), generated once when left out. It
     * reaches the hosts only in the 0600 credentials env file.
     */
    marathonKeystorePassword?: pulumi.Input<string>;
    clusterName?: string;
    masterPort?: number;
    agentPort?: number;
    /** Mesos duration, default 10mins. */
    executorRegistrationTimeout?: string;
    /** Attributes every agent gets (roles give `slavetype`; a host's own `agentAttributes` win). */
    agentAttributes?: Record<string, string>;
    cgroups?: CgroupMode;
    /** `privileged` (default) or `capabilities` where --privileged cannot work (see MesosSettings). */
    agentPrivileges?: "privileged" | "capabilities";
    /** Host path of a Docker CLI to mount into the agent container (default: the image's own). */
    agentDockerCli?: string;
    /** Docker config with the registry login for `docker pull` on agents, or false. */
    agentDockerConfig?: string | false;
    /** Docker endpoint the agents use (a ContainerNetwork's agentDockerSocket; default /var/run/docker.sock). */
    agentDockerSocket?: string;
    marathon?: Partial<MarathonSettings>;
    readinessTimeoutSeconds?: number;
    /** Copy each image once into `registry` (from the `mgmt` host) and run it from there. */
    mirrorToRegistry?: boolean;
    registry?: RegistryEndpoint;
    /** An existing ensemble; without it a ZooKeeperEnsemble of the hosts with role `zookeeper` is created. */
    zookeeper?: ZooKeeperEndpoint;
    zookeeperSettings?: Omit<ZooKeeperEnsembleArgs, "hosts" | "password">;
    /**
     * A Pulumi secret, required when the cluster makes its own ensemble: digest ACLs guard /mesos and
     * /marathon, and the daemons get `zk://microservice:<password>@...` in 0600 env files only.
     */
    zookeeperPassword?: pulumi.Input<string>;
    /** Per host name: resources after which Docker runs there (the platform layer's engine). */
    dockerReady?: Record<string, pulumi.Resource[]>;
    /** Resources after which the container network is up (agents hand tasks to it). */
    networkReady?: pulumi.Resource[];
}

const hostRef = z.object({ name: z.string(), roles: z.array(z.enum(ROLES)) });
const names = (hosts: { name: string; roles: string[] }[], role: string) => hosts.filter((h) => h.roles.includes(role)).map((h) => h.name);

const hostsSchema = z
    .array(hostRef, { message: "expected a list of hosts" })
    .superRefine((hosts, ctx) => {
        const masters = names(hosts, "master");
        if (!(MASTER_COUNTS as readonly number[]).includes(masters.length)) {
            ctx.addIssue({ code: "custom", message: `expected an odd count of hosts with role master (1, 3 or 5), got ${masters.length} (${masters.join(", ") || "none"})` });
        }
        if (names(hosts, "agent").length === 0) ctx.addIssue({ code: "custom", message: "expected at least one host with role agent" });
        if (names(hosts, "marathon").length === 0) ctx.addIssue({ code: "custom", message: "expected at least one host with role marathon" });
        const seen = new Set<string>();
        hosts.forEach((h, i) => {
            if (seen.has(h.name)) ctx.addIssue({ code: "custom", path: [i, "name"], message: `host name "${h.name}" appears twice` });
            seen.add(h.name);
        });
    });

const settings = mesosSettingsSchema.shape;

export const argsSchema = z
    .object({
        hosts: hostsSchema,
        images: input(mesosImagesSchema),
        marathonPassword: input(marathonPasswordSchema),
        mesosFrameworkSecret: input(mesosSecretSchema).optional(),
        mesosAgentSecret: input(mesosSecretSchema).optional(),
        mesosOperatorSecret: input(mesosSecretSchema).optional(),
        ca: z.custom<StackCa>((c) => !!c && typeof (c as StackCa).issue === "function", "expected a StackCa").optional(),
        marathonKeystorePassword: input(mesosSecretSchema).optional(),
        clusterName: settings.clusterName,
        masterPort: settings.masterPort,
        agentPort: settings.agentPort,
        executorRegistrationTimeout: settings.executorRegistrationTimeout,
        agentAttributes: settings.agentAttributes,
        cgroups: settings.cgroups,
        agentPrivileges: settings.agentPrivileges,
        agentDockerCli: settings.agentDockerCli,
        agentDockerConfig: settings.agentDockerConfig,
        agentDockerSocket: z.string().regex(/^\/[A-Za-z0-9._/-]+$/, "expected the absolute path of a Docker socket").optional(),
        marathon: settings.marathon,
        readinessTimeoutSeconds: settings.readinessTimeoutSeconds,
        mirrorToRegistry: z.boolean().default(false),
        registry: z.custom<RegistryEndpoint>().optional(),
        zookeeper: z.custom<ZooKeeperEndpoint>().optional(),
        zookeeperSettings: z.custom<Omit<ZooKeeperEnsembleArgs, "hosts" | "password">>().optional(),
        zookeeperPassword: input(zookeeperPasswordSchema).optional(),
        dockerReady: z.record(z.string(), z.array(z.custom<pulumi.Resource>())).optional(),
        networkReady: z.array(z.custom<pulumi.Resource>()).optional(),
    })
    .strict()
    .superRefine((a, ctx) => {
        if (a.mirrorToRegistry && !a.registry) ctx.addIssue({ code: "custom", path: ["registry"], message: "required when mirrorToRegistry is true: the registry to copy the images into" });
        if (a.mirrorToRegistry && names(a.hosts, "mgmt").length !== 1) {
            ctx.addIssue({ code: "custom", path: ["mirrorToRegistry"], message: "expected exactly one host with role mgmt to copy the images from" });
        }
        if (a.marathon.tls && !a.ca) {
            ctx.addIssue({ code: "custom", path: ["ca"], message: "required while marathon.tls is true (the default): the StackCa that issues Marathon's HTTPS certificate; or set marathon: { tls: false } to serve plain HTTP" });
        }
        if (!a.zookeeper && names(a.hosts, "zookeeper").length === 0) {
            ctx.addIssue({ code: "custom", path: ["zookeeper"], message: "required when no host has role zookeeper: an existing ZooKeeperEndpoint" });
        }
        if (!a.zookeeper && a.zookeeperPassword === undefined) {
            ctx.addIssue({ code: "custom", path: ["zookeeperPassword"], message: "required when MesosCluster makes its own ZooKeeper ensemble (no `zookeeper:` given): a Pulumi secret for its digest ACLs" });
        }
        // Refinements run even when a field failed its own check: only compare valid values.
        if (!mesosDuration.safeParse(a.executorRegistrationTimeout).success) return;
        const registration = durationSeconds(a.executorRegistrationTimeout);
        const launch = a.marathon?.taskLaunchTimeoutSeconds;
        if (launch !== undefined && launch < registration) {
            ctx.addIssue({
                code: "custom",
                path: ["marathon", "taskLaunchTimeoutSeconds"],
                message: `expected at least the executor registration timeout (${a.executorRegistrationTimeout} = ${registration} s): Marathon would give up on tasks the agent still waits for`,
            });
        }
    });
