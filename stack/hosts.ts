import * as pulumi from "@pulumi/pulumi";
import { hostTarget, StackConfig } from "../config/schema";
import type { HostTarget } from "../components/hosts/target";
import { Host } from "../components/hosts/host";
import { HostSpec, stackKeyFile } from "../components/hosts/spec";
import { LocalHosts } from "../components/hosts/local/hosts";
import { VagrantHosts } from "../components/hosts/vagrant/hosts";
import { AwsHosts } from "../components/hosts/aws/hosts";
import { ExistingHosts } from "../components/hosts/existing/hosts";
import { platformPorts } from "../components/ports";
import { nginxHostOf } from "../apps/settings";
import { stackPackages } from "./packages";

export interface StackHosts {
    hosts: Host[];
    /** What the hosts' target offers the layers above (a public entry, private nodes behind mgmt, ...). */
    target: HostTarget;
    /** Stack outputs: per host its address, roles and an SSH command. */
    outputs: pulumi.Input<Record<string, unknown>>;
    /** Secret: the stack's generated private key (not for target hosts: that key is the user's own). */
    sshPrivateKey?: pulumi.Output<string>;
    /** How to write the key file the SSH commands use. */
    sshKeyFile?: string;
}

/** Builds the hosts of the configured target; every target hands back the same Host shape. */
export function buildHosts(cfg: StackConfig): StackHosts {
    const target = hostTarget(cfg.target);
    const hosts: HostSpec[] = cfg.hosts;
    const stack = pulumi.getStack();
    const keyFile = stackKeyFile(stack);
    const keyHelp = `pulumi stack output --show-secrets sshPrivateKey > ${keyFile} && chmod 600 ${keyFile}`;
    switch (cfg.target) {
        case "local": {
            const local = new LocalHosts("local", {
                hosts,
                subnet: cfg.network.subnet,
                networkName: cfg.network.name,
                namePrefix: cfg.local.namePrefix,
                nodeImage: cfg.local.nodeImage,
                build: cfg.local.build && {
                    baseImage: cfg.local.build.baseImageDigest ? `${cfg.local.build.baseImage}@${cfg.local.build.baseImageDigest}` : cfg.local.build.baseImage,
                    builder: cfg.local.build.builder,
                },
                // Another Docker engine (e.g. ssh://user@host) if configured; otherwise DOCKER_HOST or the local socket.
                dockerHost: cfg.local.dockerHost,
                readyTimeout: cfg.sshReadyTimeout,
                // The packages HostPackages installs (a pure function of the config), baked into the hosts' image.
                bakePackages: cfg.local.bakePackages ? Object.fromEntries(hosts.map((h) => [h.name, stackPackages(cfg, hosts, h)])) : undefined,
            });
            return { hosts: local.hosts, target, outputs: local.outputs, sshPrivateKey: local.privateKey, sshKeyFile: keyHelp };
        }
        case "vagrant": {
            const v = cfg.vagrant;
            const vagrant = new VagrantHosts("vagrant", {
                hosts,
                dir: v.dir ?? `.vagrant-stacks/${stack}`,
                box: v.box,
                boxVersion: v.boxVersion,
                boxUrl: v.boxUrl,
                boxChecksum: v.boxChecksum,
                provider: v.provider,
                mgmt: v.mgmt,
                node: v.node,
                subnet: cfg.network.subnet,
                nodeImage: cfg.local.nodeImage,
                readyTimeout: cfg.sshReadyTimeout,
            });
            return { hosts: vagrant.hosts, target, outputs: vagrant.outputs, sshPrivateKey: vagrant.privateKey, sshKeyFile: keyHelp };
        }
        case "aws": {
            const a = cfg.aws;
            const awsHosts = new AwsHosts("aws", {
                hosts,
                adminCidr: a.adminCidr!, // required for target aws by the schema
                vpcCidr: a.vpcCidr,
                mgmtSubnet: a.mgmtSubnet,
                nodeSubnet: a.nodeSubnet,
                availabilityZone: a.availabilityZone,
                // Exactly what the platform's services use, to whom must reach it (components/ports.ts).
                ports: platformPorts(cfg, nginxHostOf(cfg), target),
                entryFrom: cfg.apps.entry.allowFrom,
                instanceTypes: a.instanceTypes,
                rootVolumeGb: a.rootVolumeGb,
                ami: a.ami,
                user: a.user,
                readyTimeout: cfg.sshReadyTimeout,
            });
            return { hosts: awsHosts.hosts, target, outputs: awsHosts.outputs, sshPrivateKey: awsHosts.privateKey, sshKeyFile: keyHelp };
        }
        case "hosts": {
            const existing = new ExistingHosts("hosts", {
                hosts,
                user: cfg.sshUser,
                privateKey: cfg.sshPrivateKey as pulumi.Input<string>, // required for target hosts by the schema; a secret from loadStackConfig
                port: cfg.existing.port,
                jumpHost: cfg.existing.jumpHost,
                knownHosts: cfg.existing.knownHosts,
                trustOnFirstUse: cfg.existing.trustOnFirstUse,
                readyTimeout: cfg.sshReadyTimeout,
            });
            return { hosts: existing.hosts, target, outputs: existing.outputs };
        }
    }
}
