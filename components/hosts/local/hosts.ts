import * as fs from "fs";
import * as pulumi from "@pulumi/pulumi";
import { z } from "zod";
import { Host } from "../host";
import { HostSpec, hostListSchema, readyTimeoutSchema, sshCommand, sshKeyArgSchema, stackKeyFile, toHost } from "../spec";
import { cidrContains, hostAddress, reservedIn } from "../addresses";
import { waitForSsh } from "../ready";
import { StackSshKey } from "../ssh-key";
import { HOST_KEY_PATH, hostKeys } from "../host-key";
import { AUTHORIZED_KEYS_PATH, dockerRunFlags, nodeImageContext } from "./machine";
import * as cli from "./docker-cli";
import { LocalCommand } from "../../exec/command";
import { cidr, validate } from "../../validate";
import { sha256 } from "../../provision/script";
import { packageUnion } from "../../provision/ops";
import { hostProgram } from "../../provision/host-program";
import { contextHash } from "../../images/context";

export interface LocalHostsArgs {
    hosts: HostSpec[];
    /** The network every host container sits on, with fixed addresses (the Vagrant plan: 10.0.15.0/24). */
    subnet?: string;
    /** Docker network name (default `<namePrefix>`). */
    networkName?: string;
    /** Containers are `<namePrefix>-<host>` (default `microservice-<stack>`). */
    namePrefix?: string;
    /** The node image (systemd + sshd), as scripts/docker-host.sh builds it. */
    nodeImage?: string;
    /** Build the node image from images/node here instead of using a prebuilt one. */
    build?: { baseImage: string; builder?: "legacy" | "buildkit"; context?: string };
    /** The stack's key; made here (StackSshKey) when not given. */
    sshKey?: { privateKey: pulumi.Input<string>; publicKey: pulumi.Input<string> };
    /** How long a container may take to answer SSH (default 3m). */
    readyTimeout?: string;
    /** Another Docker engine (e.g. ssh://user@host, as DOCKER_HOST); default: DOCKER_HOST or the local socket. */
    dockerHost?: string;
    /**
     * Per host name, the Debian packages the stack installs there (stack/packages.ts). Given, the hosts
     * run from a baked image: the node image with the union of these installed (`<repository>-baked:<hash>`,
     * made once per node image and package list, reused by every stack), so that installing them on each
     * host finds them there. Each host's first boot starts the services of its own packages only.
     */
    bakePackages?: Record<string, readonly string[]>;
}

/** Where each container of a baked image finds its own packages (host-programs/node-bake-inside.sh reads it). */
export const BAKED_HOST_PACKAGES_PATH = "/etc/microservice/host-packages";

/** The bake's inside script, with the path it shares with the container script. */
export const BAKE_INSIDE = hostProgram("node-bake-inside.sh", { HOST_PACKAGES: BAKED_HOST_PACKAGES_PATH });

/**
 * The baked image's tag: `<repository>-baked:<hash>` of the node image (its tag or digest dropped), the
 * hash of the node image's id, the sorted packages and the bake script: the tag names the content.
 */
export function bakedImageTag(nodeImage: string, nodeImageId: string, packages: readonly string[]): string {
    const repository = nodeImage.replace(/@.*$/, "").replace(/:[^/:]*$/, "");
    const hash = sha256([nodeImageId, [...packages].sort().join(" "), BAKE_INSIDE].join("\n")).slice(0, 16);
    return `${repository}-baked:${hash}`;
}

const argsSchema = z
    .object({
        hosts: hostListSchema,
        subnet: cidr.default("10.0.15.0/24"),
        networkName: z
            .string()
            .regex(/^[a-zA-Z0-9][a-zA-Z0-9_.-]{0,63}$/, "expected a Docker network name")
            .optional(),
        namePrefix: z
            .string()
            .regex(/^[a-z0-9][a-z0-9_.-]{0,40}$/, "expected a container name prefix")
            .optional(),
        nodeImage: z.string().min(1).default("microservice/node:bookworm"),
        build: z
            .object({ baseImage: z.string().min(1), builder: z.enum(["legacy", "buildkit"]).default("legacy"), context: z.string().optional() })
            .strict()
            .optional(),
        sshKey: sshKeyArgSchema,
        readyTimeout: readyTimeoutSchema("3m"),
        dockerHost: z
            .string()
            .regex(/^(unix|tcp|ssh|npipe):\/\/\S+$/, "expected a Docker host URL like unix:///var/run/docker.sock or ssh://user@host")
            .optional(),
        bakePackages: z.record(z.string(), z.array(z.string().regex(/^[a-z0-9][a-z0-9+.-]+$/, "expected a Debian package name like docker.io"))).optional(),
    })
    .strict()
    .superRefine((a, ctx) => {
        for (const host of Object.keys(a.bakePackages ?? {})) {
            if (!a.hosts.some((h) => h.name === host)) {
                ctx.addIssue({ code: "custom", path: ["bakePackages", host], message: `expected one of the hosts (${a.hosts.map((h) => h.name).join(", ")})` });
            }
        }
        a.hosts.forEach((h, i) => {
            if (!cidrContains(a.subnet, h.ip) || reservedIn(a.subnet, h.ip, 2)) {
                ctx.addIssue({
                    code: "custom",
                    path: ["hosts", i, "ip"],
                    message: `expected an address inside subnet ${a.subnet} (not .0, the .1 gateway or broadcast)`,
                });
            }
        });
    });

/**
 * The local target: every host is a container (systemd, sshd, Docker inside) on one Docker network
 * with a fixed address, run with the flags that replace --privileged (./machine.ts, the same flags
 * the lab proves). Root logs in with the stack's key, and the host proves itself with a host key
 * made here (SshHostKey), both put in place before the container starts; every connection pins it.
 *
 * Built on local commands that drive the Docker CLI (./docker-cli.ts), which the Pulumi engine runs
 * anywhere (no Docker provider plugin needed). A container is replaced, the old one first, exactly
 * when its image, address, network or run flags change; its /var/lib/docker volume is kept.
 */
export class LocalHosts extends pulumi.ComponentResource {
    readonly hosts: Host[];
    /** The network's create/delete command; stdout is the network id. */
    readonly network: LocalCommand;
    /** Per host, the container's create/delete command; stdout is the container id. */
    readonly containers: Record<string, LocalCommand>;
    readonly privateKey: pulumi.Output<string>;
    readonly publicKey: pulumi.Output<string>;
    /** Per host: address, roles and an ssh command line. */
    readonly outputs: pulumi.Output<Record<string, { ip: string; roles: string[]; ssh: string }>>;

    constructor(name: string, args: LocalHostsArgs, opts: pulumi.ComponentResourceOptions = {}) {
        const a = validate(argsSchema, args, `LocalHosts "${name}"`);
        super("microservice:index:LocalHosts", name, {}, opts);
        const stack = pulumi.getStack();
        const prefix = a.namePrefix ?? `microservice-${stack}`;
        const key = a.sshKey ?? new StackSshKey(`${name}-key`, {}, { parent: this });
        this.privateKey = pulumi.secret(pulumi.output(key.privateKey));
        this.publicKey = pulumi.unsecret(pulumi.output(key.publicKey));

        const netName = a.networkName ?? prefix;
        this.network = new LocalCommand(
            `${name}-network`,
            {
                create: cli.network.create,
                delete: cli.network.delete,
                environment: { ...dockerEnv(a), NET: netName, SUBNET: a.subnet, GATEWAY: hostAddress(a.subnet, 1), STACK: stack },
                triggers: [netName, a.subnet],
            },
            { parent: this, deleteBeforeReplace: true },
        );
        const nodeImageId = this.nodeImage(name, a);
        const baked = a.bakePackages !== undefined && packageUnion(...Object.values(a.bakePackages)).length > 0;
        const imageId = baked ? this.bakedImage(name, a, nodeImageId) : nodeImageId;
        const run = cli.container(baked);
        const flagsHash = sha256(JSON.stringify(dockerRunFlags()));
        const identities = hostKeys(name, a.hosts, this);

        this.containers = {};
        this.hosts = a.hosts.map((spec) => {
            const volumeName = `${prefix}-${spec.name}-docker`;
            const volume = new LocalCommand(
                `${name}-${spec.name}-docker`,
                {
                    create: cli.volume.create,
                    delete: cli.volume.delete,
                    environment: { ...dockerEnv(a), VOLUME: volumeName, STACK: stack },
                    triggers: [volumeName],
                },
                { parent: this, deleteBeforeReplace: true },
            );
            const own = baked ? ownPackages(a, spec.name) : [];
            const env = {
                ...dockerEnv(a),
                NAME: `${prefix}-${spec.name}`,
                HOSTNAME: spec.name,
                NET: netName,
                IP: spec.ip,
                IMAGE: imageId,
                VOLUME: volumeName,
                STACK: stack,
                PUBLIC_KEY: this.publicKey,
                KEY_PATH: AUTHORIZED_KEYS_PATH,
                HOST_KEY: identities[spec.name].privateKey.apply((k) => k.trim()),
                HOST_KEY_PUB: identities[spec.name].publicKey,
                HOST_KEY_PATH,
                ...(baked ? { HOST_PACKAGES: own.join("\n"), HOST_PACKAGES_PATH: BAKED_HOST_PACKAGES_PATH } : {}),
            };
            const hostKey = identities[spec.name].publicKey;
            const container = new LocalCommand(
                `${name}-${spec.name}`,
                {
                    create: run.create,
                    delete: run.delete,
                    environment: env,
                    triggers: [
                        imageId,
                        spec.ip,
                        this.network.stdout,
                        flagsHash,
                        this.publicKey,
                        hostKey,
                        // Baked: its first boot starts the services of its own packages, so a new list means a new container.
                        ...(baked ? [sha256(own.join(" "))] : []),
                    ],
                },
                // Fixed name and address: the old container must go before the new one can start.
                // HOST_KEY is a secret Output: the engine keeps it secret in the state's inputs and outputs.
                { parent: this, dependsOn: [volume], deleteBeforeReplace: true },
            );
            this.containers[spec.name] = container;
            const connection = pulumi.secret({ host: spec.ip, port: 22, user: "root", privateKey: this.privateKey, hostKey });
            const ready = waitForSsh(`${name}-${spec.name}-ready`, connection, this, {
                host: spec.name,
                dependsOn: [container],
                triggers: [container.stdout],
                timeout: a.readyTimeout,
            });
            return toHost(spec, { privateIp: spec.ip, connection, ready });
        });

        const keyFile = stackKeyFile(stack);
        this.outputs = pulumi.output(
            Object.fromEntries(a.hosts.map((h) => [h.name, { ip: h.ip, roles: [...h.roles], ssh: sshCommand({ user: "root", host: h.ip, keyFile }) }])),
        );
        this.registerOutputs({ outputs: this.outputs, publicKey: this.publicKey, privateKey: this.privateKey });
    }

    /** The node image's id: a container is replaced when its image changes. */
    private nodeImage(name: string, a: z.output<typeof argsSchema>): pulumi.Output<string> {
        const context = a.build?.context ?? nodeImageContext();
        // The image's sources: a change there means a new image (built here, or by scripts/docker-host.sh).
        const sources = fs.existsSync(context) ? contextHash(context) : "absent";
        const image = a.build
            ? new LocalCommand(
                  `${name}-node-image`,
                  {
                      create: cli.buildImage(a.build.builder),
                      environment: { ...dockerEnv(a), IMAGE: a.nodeImage, BASE_IMAGE: a.build.baseImage, CONTEXT: context },
                      triggers: [a.nodeImage, a.build.baseImage, sources],
                  },
                  { parent: this },
              )
            : new LocalCommand(
                  `${name}-node-image`,
                  { create: cli.existingImage, environment: { ...dockerEnv(a), IMAGE: a.nodeImage }, triggers: [a.nodeImage, sources] },
                  { parent: this },
              );
        return image.stdout;
    }

    /**
     * The baked image's id: made from the node image (docker-cli.ts bakeImage) unless an image with its
     * content-addressed tag exists. Never deleted with the stack: other stacks may run from it.
     */
    private bakedImage(name: string, a: z.output<typeof argsSchema>, nodeImageId: pulumi.Output<string>): pulumi.Output<string> {
        const all = packageUnion(...Object.values(a.bakePackages ?? {}));
        const tag = nodeImageId.apply((id) => bakedImageTag(a.nodeImage, id, all));
        const image = new LocalCommand(
            `${name}-baked-image`,
            {
                create: cli.bakeImage,
                environment: { ...dockerEnv(a), IMAGE: nodeImageId, BAKED: tag, PACKAGES: all.join(" "), INSIDE: BAKE_INSIDE },
                triggers: [tag],
            },
            { parent: this },
        );
        return image.stdout;
    }
}

function ownPackages(a: { bakePackages?: Record<string, readonly string[]> }, host: string): string[] {
    return packageUnion(a.bakePackages?.[host] ?? []);
}

function dockerEnv(a: { dockerHost?: string }): Record<string, string> {
    return a.dockerHost ? { DOCKER_HOST: a.dockerHost } : {};
}
