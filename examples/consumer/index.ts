// A stack of another team that uses microservice-platform's components the way any consumer would:
// `npm install microservice-platform`, then import from the package (here a tsconfig `paths`
// mapping points the name at this repository's sources). It reads its own config once and passes
// args; the components never read config.
//
//   pulumi config set target local                        # or: hosts (then hosts, sshPrivateKey, knownHosts)
//   pulumi config set --secret sshPrivateKey < ~/.ssh/id_ed25519
import * as pulumi from "@pulumi/pulumi";
import { DockerEngine, ExistingHosts, Host, HostSpec, LocalHosts, ZooKeeperEnsemble, hostsWithRole } from "microservice-platform";

const config = new pulumi.Config();
const target = config.get("target") ?? "local";

// Three machines: each a ZooKeeper member and a Docker host.
const specs: HostSpec[] = config.getObject<HostSpec[]>("hosts") ?? [
    { name: "zk1", roles: ["zookeeper", "agent"], ip: "10.0.25.11", zookeeperId: 1 },
    { name: "zk2", roles: ["zookeeper", "agent"], ip: "10.0.25.12", zookeeperId: 2 },
    { name: "zk3", roles: ["zookeeper", "agent"], ip: "10.0.25.13", zookeeperId: 3 },
];

function hosts(): { hosts: Host[]; outputs: pulumi.Output<Record<string, { ip: string; ssh: string }>> } {
    if (target === "hosts") {
        // Each machine's known_hosts line ("10.0.25.11 ssh-ed25519 AAAA..."): every connection pins it.
        const knownHosts = config.requireObject<string[]>("knownHosts");
        return new ExistingHosts("machines", { hosts: specs, user: config.get("sshUser") ?? "root", privateKey: config.requireSecret("sshPrivateKey"), knownHosts });
    }
    return new LocalHosts("machines", { hosts: specs, subnet: "10.0.25.0/24", namePrefix: `consumer-${pulumi.getStack()}` });
}

const machines = hosts();
const docker = new DockerEngine("docker", { hosts: machines.hosts, logDriver: "journald" });
const zookeeper = new ZooKeeperEnsemble("zookeeper", { hosts: hostsWithRole(machines.hosts, "zookeeper") });

export const hostAddresses = machines.outputs;
export const zookeeperServers = zookeeper.servers;
export const dockerHosts = Object.keys(docker.hostReady);
