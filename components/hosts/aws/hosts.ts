import * as pulumi from "@pulumi/pulumi";
import * as aws from "@pulumi/aws";
import { z } from "zod";
import { Connection, Host } from "../host";
import { hostListSchema, HostSpec, readyTimeoutSchema, sshCommand, sshKeyArgSchema, stackKeyFile, toHost } from "../spec";
import { cidrContains, cidrWithin, reservedIn } from "../addresses";
import { waitForSsh } from "../ready";
import { StackSshKey } from "../ssh-key";
import { hostKeyCloudConfig, hostKeys } from "../host-key";
import { cidr, input, validate } from "../../validate";
import { awsNetwork, AwsNetwork } from "./network";
import { hostSecurityGroups } from "./security";
import { hostAccessPorts, PortUse, portUseSchema } from "../../ports";

export interface AwsHostsArgs {
    hosts: HostSpec[];
    /** Where SSH and the admin UIs may come from (required: never the whole internet). */
    adminCidr: string;
    /**
     * What each host serves and who must reach it: the security groups open exactly these
     * (components/ports.ts `platformPorts` for the whole platform). Default: SSH and ICMP only.
     */
    ports?: PortUse[];
    /** Where ports with reach "entry" (the apps' public entry) may be reached from; default [adminCidr]. */
    entryFrom?: string[];
    vpcCidr?: string;
    mgmtSubnet?: string;
    nodeSubnet?: string;
    /** Default: the first available zone of the provider's region. */
    availabilityZone?: pulumi.Input<string>;
    instanceTypes?: { mgmt: string; node: string };
    rootVolumeGb?: { mgmt: number; node: number };
    ami?: { owner: string; namePattern: string };
    /** The image's login user (Ubuntu: ubuntu). */
    user?: string;
    /** The stack's key; made here (StackSshKey) when not given. */
    sshKey?: { privateKey: pulumi.Input<string>; publicKey: pulumi.Input<string> };
    /** Extra tags on everything. */
    tags?: Record<string, string>;
    readyTimeout?: string;
}

const argsSchema = z
    .object({
        hosts: hostListSchema,
        adminCidr: cidr.refine((c) => !c.endsWith("/0"), "expected your admin network, not the whole internet"),
        vpcCidr: cidr.default("10.0.0.0/16"),
        mgmtSubnet: cidr.default("10.0.16.0/24"),
        nodeSubnet: cidr.default("10.0.17.0/24"),
        availabilityZone: input(z.string().min(1)).optional(),
        ports: z.array(portUseSchema).optional(),
        entryFrom: z.array(cidr).min(1, "expected at least one network").optional(),
        instanceTypes: z.object({ mgmt: z.string(), node: z.string() }).strict().default({ mgmt: "t3.small", node: "t3.large" }),
        rootVolumeGb: z
            .object({ mgmt: z.number().int().min(8), node: z.number().int().min(8) })
            .strict()
            .default({ mgmt: 20, node: 40 }),
        ami: z
            .object({ owner: z.string().regex(/^\d{12}$/, "expected a 12-digit AWS account id"), namePattern: z.string().min(1) })
            .strict()
            .default({ owner: "099720109477", namePattern: "ubuntu/images/hvm-ssd*/ubuntu-noble-24.04-amd64-server-*" }),
        user: z
            .string()
            .regex(/^[a-z_][a-z0-9_-]{0,31}$/, "expected a Unix user name")
            .default("ubuntu"),
        sshKey: sshKeyArgSchema,
        tags: z.record(z.string(), z.string()).default({}),
        readyTimeout: readyTimeoutSchema("15m"),
    })
    .strict()
    .superRefine((a, ctx) => {
        const mgmt = a.hosts.filter((h) => h.roles.includes("mgmt"));
        if (mgmt.length !== 1)
            ctx.addIssue({
                code: "custom",
                path: ["hosts"],
                message: `expected exactly one host with role mgmt (the bastion in the public subnet), found ${mgmt.length}`,
            });
        for (const key of ["mgmtSubnet", "nodeSubnet"] as const) {
            if (!cidrWithin(a.vpcCidr, a[key])) ctx.addIssue({ code: "custom", path: [key], message: `expected a subnet inside vpcCidr ${a.vpcCidr}` });
        }
        a.hosts.forEach((h, i) => {
            const [key, range] = h.roles.includes("mgmt") ? ["mgmtSubnet", a.mgmtSubnet] : ["nodeSubnet", a.nodeSubnet];
            // AWS reserves the first four addresses and the last one of a subnet.
            if (!cidrContains(range, h.ip) || reservedIn(range, h.ip, 4))
                ctx.addIssue({ code: "custom", path: ["hosts", i, "ip"], message: `expected an address inside ${key} ${range} (not a reserved one)` });
        });
        (a.ports ?? []).forEach((p, i) => {
            if (!a.hosts.some((h) => h.name === p.host))
                ctx.addIssue({ code: "custom", path: ["ports", i, "host"], message: `expected one of the hosts (${a.hosts.map((h) => h.name).join(", ")})` });
        });
    });

/**
 * The aws target: a VPC with a public subnet for mgmt (the bastion, the only public address) and a
 * private one for the nodes behind a NAT gateway; security groups per instance opening exactly the ports it serves
 * (`ports`) to whom must reach them; a key pair
 * from the stack's key; the newest Ubuntu LTS image looked up in the provider's region. SSH to the
 * nodes goes through mgmt. Each instance's host key is made here and given to cloud-init in the
 * (secret) user data, so every connection, the jump through mgmt included, pins it. Every resource is tagged with Name, stack and role.
 */
export class AwsHosts extends pulumi.ComponentResource {
    readonly hosts: Host[];
    readonly network: AwsNetwork;
    readonly instances: Record<string, aws.ec2.Instance>;
    readonly privateKey: pulumi.Output<string>;
    readonly publicKey: pulumi.Output<string>;
    readonly amiId: pulumi.Output<string>;
    readonly outputs: pulumi.Output<Record<string, { ip: string; roles: string[]; ssh: string; publicIp?: string }>>;

    constructor(name: string, args: AwsHostsArgs, opts: pulumi.ComponentResourceOptions = {}) {
        const a = validate(argsSchema, args, `AwsHosts "${name}"`);
        super("microservice:index:AwsHosts", name, {}, opts);
        const stack = pulumi.getStack();
        const tags = (resource: string, role?: string): Record<string, string> => ({ ...a.tags, Name: resource, stack, ...(role ? { role } : {}) });
        const key = a.sshKey ?? new StackSshKey(`${name}-key`, {}, { parent: this });
        this.privateKey = pulumi.secret(pulumi.output(key.privateKey));
        this.publicKey = pulumi.output(key.publicKey);

        // Region comes from the provider (aws:region or the provider passed in), never from here.
        const zone = a.availabilityZone ?? aws.getAvailabilityZonesOutput({ state: "available" }, { parent: this }).names.apply((n) => n[0]);
        this.network = awsNetwork(this, name, { vpcCidr: a.vpcCidr, mgmtSubnet: a.mgmtSubnet, nodeSubnet: a.nodeSubnet, availabilityZone: zone, tags });
        const ports = a.ports ?? hostAccessPorts(a.hosts);
        const sources = { cluster: [a.vpcCidr], admin: [a.adminCidr], entry: a.entryFrom ?? [a.adminCidr] };
        const keyPair = new aws.ec2.KeyPair(`${name}-keypair`, { publicKey: this.publicKey, tags: tags(`${name}-keypair`) }, { parent: this });
        const ami = aws.ec2.getAmiOutput(
            {
                owners: [a.ami.owner],
                mostRecent: true,
                filters: [
                    { name: "name", values: [a.ami.namePattern] },
                    { name: "architecture", values: ["x86_64"] },
                    { name: "virtualization-type", values: ["hvm"] },
                    { name: "root-device-type", values: ["ebs"] },
                ],
            },
            { parent: this },
        );
        this.amiId = ami.id;

        const mgmtSpec = a.hosts.find((h) => h.roles.includes("mgmt"))!;
        // Each instance's SSH identity, made here and installed by cloud-init before sshd first starts.
        const identities = hostKeys(name, a.hosts, this);
        this.instances = {};
        const instance = (h: HostSpec): aws.ec2.Instance => {
            const isMgmt = h === mgmtSpec;
            const role = h.roles.join("+");
            const id = identities[h.name];
            return (this.instances[h.name] = new aws.ec2.Instance(
                `${name}-${h.name}`,
                {
                    ami: ami.id,
                    instanceType: isMgmt ? a.instanceTypes.mgmt : a.instanceTypes.node,
                    subnetId: isMgmt ? this.network.mgmtSubnet.id : this.network.nodeSubnet.id,
                    privateIp: h.ip,
                    associatePublicIpAddress: isMgmt,
                    // Each instance opens what it serves, to whom must reach it (components/ports.ts).
                    vpcSecurityGroupIds: hostSecurityGroups(this, name, h.name, ports, { vpcId: this.network.vpc.id, sources, tags }).map((g) => g.id),
                    keyName: keyPair.keyName,
                    rootBlockDevice: {
                        volumeSize: isMgmt ? a.rootVolumeGb.mgmt : a.rootVolumeGb.node,
                        volumeType: "gp3",
                        encrypted: true,
                        deleteOnTermination: true,
                        tags: tags(`${name}-${h.name}-root`, role),
                    },
                    // IMDSv2 only: a container on the host cannot replay instance credentials with a plain GET.
                    metadataOptions: { httpTokens: "required", httpEndpoint: "enabled", httpPutResponseHopLimit: 1 },
                    // Holds the private host key: secret in state; readable on the instance through IMDSv2 only (docs/hosts.md).
                    userData: pulumi.secret(pulumi.all([id.privateKey, id.publicKey]).apply(([k, p]) => hostKeyCloudConfig(k, p))),
                    // cloud-init installs keys at first boot only: another key needs another instance.
                    userDataReplaceOnChange: true,
                    tags: tags(`${name}-${h.name}`, role),
                },
                // A new AMI release must not replace running hosts: pick it up by replacing on purpose.
                { parent: this, ignoreChanges: ["ami"] },
            ));
        };

        const mgmtInstance = instance(mgmtSpec);
        const mgmtConnection: pulumi.Output<Connection> = pulumi.secret(
            pulumi
                .all([mgmtInstance.publicIp, this.privateKey, identities[mgmtSpec.name].publicKey])
                .apply(([ip, k, hostKey]) => ({ host: ip, port: 22, user: a.user, privateKey: k, hostKey })),
        );
        const mgmtReady = waitForSsh(`${name}-${mgmtSpec.name}-ready`, mgmtConnection, this, {
            host: mgmtSpec.name,
            dependsOn: [mgmtInstance],
            triggers: [mgmtInstance.id],
            timeout: a.readyTimeout,
        });

        this.hosts = a.hosts.map((h) => {
            if (h === mgmtSpec)
                return toHost(h, {
                    privateIp: mgmtInstance.privateIp,
                    connection: mgmtConnection,
                    ready: mgmtReady,
                    instanceId: mgmtInstance.id,
                    availabilityZone: mgmtInstance.availabilityZone,
                });
            const inst = instance(h);
            // Nodes have no public address: SSH goes through mgmt.
            const connection: pulumi.Output<Connection> = pulumi.secret(
                pulumi
                    .all([inst.privateIp, mgmtInstance.publicIp, this.privateKey, identities[h.name].publicKey, identities[mgmtSpec.name].publicKey])
                    .apply(([ip, bastion, k, hostKey, bastionKey]) => ({
                        host: ip,
                        port: 22,
                        user: a.user,
                        privateKey: k,
                        hostKey,
                        proxy: { host: bastion, port: 22, user: a.user, privateKey: k, hostKey: bastionKey },
                    })),
            );
            const ready = waitForSsh(`${name}-${h.name}-ready`, connection, this, {
                host: h.name,
                dependsOn: [inst, mgmtReady, this.network.privateRoutes],
                triggers: [inst.id],
                timeout: a.readyTimeout,
            });
            return toHost(h, { privateIp: inst.privateIp, connection, ready, instanceId: inst.id, availabilityZone: inst.availabilityZone });
        });

        const keyFile = stackKeyFile(stack);
        this.outputs = mgmtInstance.publicIp.apply((bastion) =>
            Object.fromEntries(
                a.hosts.map((h) => {
                    const isMgmt = h === mgmtSpec;
                    const ssh = isMgmt
                        ? sshCommand({ user: a.user, host: bastion, keyFile })
                        : sshCommand({ user: a.user, host: h.ip, keyFile, jump: { user: a.user, host: bastion } });
                    return [h.name, { ip: h.ip, roles: [...h.roles], ssh, ...(isMgmt ? { publicIp: bastion } : {}) }];
                }),
            ),
        );
        this.registerOutputs({ outputs: this.outputs, publicKey: this.publicKey, privateKey: this.privateKey, amiId: this.amiId });
    }
}
