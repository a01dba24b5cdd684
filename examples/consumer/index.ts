// Another team's stack on its own machines, built from microservice-platform as installed from npm
// (here: the tarball `npm pack` makes, see README.md). It reads its own config once and passes args;
// the components never read config.
//
//   pulumi config set --path 'hosts' '[...]'       # HostSpec[]; default: the four machines below
//   pulumi config set --secret sshPrivateKey < ~/.ssh/id_ed25519
//   pulumi config set --path 'knownHosts[0]' "10.0.25.10 $(ssh-keyscan -t ed25519 10.0.25.10 2>/dev/null | cut -d' ' -f2-)"  (one per machine)
//   pulumi config set --secret registryPassword ...; pulumi config set --secret marathonPassword ...
//   pulumi config set --secret zookeeperPassword "$(openssl rand -hex 24)"
//   pulumi config set --path 'mesosImages.master' 'mesosphere/mesos-master:1.11.0@sha256:...'  (also agent, marathon)
import * as pulumi from "@pulumi/pulumi";
import { HostSpec } from "microservice-platform";
import { consumerStack } from "./stack";

const config = new pulumi.Config();

const defaultHosts: HostSpec[] = [
    { name: "mgmt", roles: ["mgmt"], ip: "10.0.25.10" },
    { name: "node1", roles: ["zookeeper", "master", "marathon", "registry", "logServer", "agent"], ip: "10.0.25.11", zookeeperId: 1 },
    { name: "node2", roles: ["zookeeper", "agent"], ip: "10.0.25.12", zookeeperId: 2 },
    { name: "node3", roles: ["zookeeper", "agent"], ip: "10.0.25.13", zookeeperId: 3 },
];

const stack = consumerStack({
    hosts: config.getObject<HostSpec[]>("hosts") ?? defaultHosts,
    sshUser: config.get("sshUser") ?? "root",
    sshPrivateKey: config.requireSecret("sshPrivateKey"),
    knownHosts: config.requireObject<string[]>("knownHosts"),
    registryPassword: config.requireSecret("registryPassword"),
    marathonPassword: config.requireSecret("marathonPassword"),
    zookeeperPassword: config.requireSecret("zookeeperPassword"),
    mesosImages: config.requireObject<{ master: string; agent: string; marathon: string }>("mesosImages"),
    appImage: config.get("appImage") ?? "nginx:1.27",
});

export const hosts = stack.hosts;
export const registry = stack.registry;
export const marathonUrl = stack.marathonUrl;
