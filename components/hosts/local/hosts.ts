import * as path from "path";
import * as pulumi from "@pulumi/pulumi";
import * as docker from "@pulumi/docker";
import { z } from "zod";
import { Host } from "../host";
import { HostSpec, hostListSchema, sshCommand, stackKeyFile, toHost } from "../spec";
import { cidrContains, hostAddress, reservedIn } from "../addresses";
import { waitForSsh } from "../ready";
import { StackSshKey } from "../ssh-key";
import { AUTHORIZED_KEYS_PATH, MACHINE_RUN, nodeImageContext } from "./machine";
import { cidr, input, validate } from "../../validate";

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
}

const argsSchema = z
    .object({
        hosts: hostListSchema,
        subnet: cidr.default("10.0.15.0/24"),
        networkName: z.string().regex(/^[a-zA-Z0-9][a-zA-Z0-9_.-]{0,63}$/, "expected a Docker network name").optional(),
        namePrefix: z.string().regex(/^[a-z0-9][a-z0-9_.-]{0,40}$/, "expected a container name prefix").optional(),
        nodeImage: z.string().min(1).default("microservice/node:bookworm"),
        build: z.object({ baseImage: z.string().min(1), builder: z.enum(["legacy", "buildkit"]).default("legacy"), context: z.string().optional() }).strict().optional(),
        sshKey: z.object({ privateKey: input(z.string()), publicKey: input(z.string()) }).strict().optional(),
        readyTimeout: z.string().regex(/^\d+[smh]$/, "expected a duration like 3m").default("3m"),
    })
    .strict()
    .superRefine((a, ctx) => {
        a.hosts.forEach((h, i) => {
            if (!cidrContains(a.subnet, h.ip) || reservedIn(a.subnet, h.ip, 2)) {
                ctx.addIssue({ code: "custom", path: ["hosts", i, "ip"], message: `expected an address inside subnet ${a.subnet} (not .0, the .1 gateway or broadcast)` });
            }
        });
    });

/**
 * The local target: every host is a container (systemd, sshd, Docker inside) on one Docker network
 * with a fixed address, run with the flags that replace --privileged (./machine.ts, the same flags
 * the lab proves). Root logs in with the stack's key, uploaded before the first boot.
 */
export class LocalHosts extends pulumi.ComponentResource {
    readonly hosts: Host[];
    readonly network: docker.Network;
    readonly containers: Record<string, docker.Container>;
    readonly privateKey: pulumi.Output<string>;
    readonly publicKey: pulumi.Output<string>;
    /** Per host: address, roles and an ssh command line. */
    readonly outputs: pulumi.Output<Record<string, { ip: string; roles: string[]; ssh: string }>>;

    constructor(name: string, args: LocalHostsArgs, opts: pulumi.ComponentResourceOptions = {}) {
        super("microservice:index:LocalHosts", name, {}, opts);
        const a = validate(argsSchema, args, `LocalHosts "${name}"`);
        const prefix = a.namePrefix ?? `microservice-${pulumi.getStack()}`;
        const key = a.sshKey ?? new StackSshKey(`${name}-key`, {}, { parent: this });
        this.privateKey = pulumi.secret(pulumi.output(key.privateKey));
        this.publicKey = pulumi.output(key.publicKey);

        this.network = new docker.Network(
            `${name}-network`,
            { name: a.networkName ?? prefix, driver: "bridge", ipamConfigs: [{ subnet: a.subnet, gateway: hostAddress(a.subnet, 1) }] },
            { parent: this },
        );
        const imageId = this.nodeImage(name, a);

        this.containers = {};
        this.hosts = a.hosts.map((spec) => {
            const dockerVolume = new docker.Volume(`${name}-${spec.name}-docker`, { name: `${prefix}-${spec.name}-docker` }, { parent: this });
            const container = new docker.Container(
                `${name}-${spec.name}`,
                {
                    name: `${prefix}-${spec.name}`,
                    hostname: spec.name,
                    image: imageId,
                    // Hosts find each other by name through Docker's DNS (the alias), as the original's /etc/hosts
                    // did; not `--add-host` entries, which would replace every container when a host is added.
                    networksAdvanced: [{ name: this.network.name, ipv4Address: spec.ip, aliases: [spec.name] }],
                    capabilities: { adds: [...MACHINE_RUN.capAdd], drops: [...MACHINE_RUN.capDrop] },
                    securityOpts: [...MACHINE_RUN.securityOpts],
                    cgroupnsMode: MACHINE_RUN.cgroupnsMode,
                    volumes: [
                        ...MACHINE_RUN.binds.map((b) => ({ hostPath: b.host, containerPath: b.container, readOnly: b.readOnly })),
                        { volumeName: dockerVolume.name, containerPath: MACHINE_RUN.dockerVolumePath },
                    ],
                    tmpfs: Object.fromEntries(MACHINE_RUN.tmpfs.map((t) => [t, ""])),
                    devices: MACHINE_RUN.devices.map((d) => ({ hostPath: d, containerPath: d, permissions: "rwm" })),
                    // In place before systemd starts sshd: no window with a login and no key.
                    uploads: [{ file: AUTHORIZED_KEYS_PATH, content: this.publicKey.apply((k) => `${k}\n`), permissions: "0644" }],
                    restart: "unless-stopped",
                    mustRun: true,
                    labels: [{ label: "microservice.stack", value: pulumi.getStack() }, { label: "microservice.host", value: spec.name }],
                },
                // Fixed name and address: the old container must go before the new one can start.
                { parent: this, deleteBeforeReplace: true },
            );
            this.containers[spec.name] = container;
            const connection = pulumi.secret({ host: spec.ip, port: 22, user: "root", privateKey: this.privateKey });
            const ready = waitForSsh(`${name}-${spec.name}-ready`, connection, this, { dependsOn: [container], triggers: [container.id], timeout: a.readyTimeout });
            return toHost(spec, { privateIp: spec.ip, connection, ready });
        });

        const keyFile = stackKeyFile(pulumi.getStack());
        this.outputs = pulumi.output(
            Object.fromEntries(a.hosts.map((h) => [h.name, { ip: h.ip, roles: [...h.roles], ssh: sshCommand({ user: "root", host: h.ip, keyFile }) }])),
        );
        this.registerOutputs({ outputs: this.outputs, publicKey: this.publicKey, privateKey: this.privateKey });
    }

    /** The node image's id: the container is replaced when the image is rebuilt. */
    private nodeImage(name: string, a: z.output<typeof argsSchema>): pulumi.Output<string> {
        if (a.build) {
            const image = new docker.Image(
                `${name}-node-image`,
                {
                    imageName: a.nodeImage,
                    build: {
                        context: a.build.context ?? nodeImageContext(),
                        args: { BASE_IMAGE: a.build.baseImage },
                        builderVersion: a.build.builder === "legacy" ? "BuilderV1" : "BuilderBuildKit",
                    },
                    skipPush: true,
                },
                { parent: this },
            );
            // Not pushed: repoDigest is the local image id, new on every rebuild.
            return image.repoDigest;
        }
        // Present locally (scripts/docker-host.sh): found there, never pulled; kept on destroy (shared with the lab).
        const image = new docker.RemoteImage(`${name}-node-image`, { name: a.nodeImage, keepLocally: true }, { parent: this });
        return image.imageId;
    }
}
