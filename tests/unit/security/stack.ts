import * as pulumi from "@pulumi/pulumi";
import { program } from "../../../stack/program";
import { SECRET_KEYS } from "../../../config/schema";
import { mocks } from "../../support/setup";
import { settle, valueOf } from "../../support/outputs";
import { Registered } from "../../support/mocks";
import { IDENTITY_MARK } from "@pulumi/vagrant-shim";
import { PRIVATE_KEY, PUBLIC_KEY, VAGRANT_KEY } from "../hosts/support";
import { PEM } from "../provision/fake-host";

/** Shared by the security tests: whole-stack configs and the stack program under the mocks. */

const pin = (c: string) => `sha256:${c.repeat(64)}`;

/** The hosts of the original layout (addresses from the given /24). */
export const layoutHosts = (net = "10.0.15", mgmtNet = net) => [
    { name: "mgmt", roles: ["mgmt"], ip: `${mgmtNet}.10` },
    {
        name: "node1",
        roles: ["zookeeper", "master", "marathon", "registry", "logServer", "agent"],
        ip: `${net}.11`,
        zookeeperId: 1,
        agentAttributes: { slavetype: "system", rack: "r1" },
    },
    { name: "node2", roles: ["zookeeper", "agent"], ip: `${net}.12`, zookeeperId: 2 },
    { name: "node3", roles: ["zookeeper", "agent"], ip: `${net}.13`, zookeeperId: 3 },
];

/**
 * A whole-stack config (as `pulumi config` holds it, before defaults) that sets every string key
 * it can, so that a hostile value can be pushed through each of them.
 */
export function fullConfig(): Record<string, any> {
    return {
        target: "hosts",
        hosts: layoutHosts(),
        sshUser: "root",
        sshPrivateKey: PRIVATE_KEY,
        existing: {
            port: 22,
            jumpHost: { host: "bastion.example.org", user: "admin", port: 22 },
            knownHosts: [
                ...layoutHosts().map((h, i) => `${h.ip} ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIGhvc3Qt${i}`),
                "bastion.example.org ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIGJhc3Rpb24=",
            ],
        },
        network: { subnet: "10.0.15.0/24", name: "microservice-net" },
        mesh: {
            implementation: "weave",
            weave: {
                version: "2.8.1",
                scriptUrl: "https://github.com/weaveworks/weave/releases/download/v2.8.1/weave",
                scriptSha256: "7df817a9537d037639533934fe31f466712f638cb074444c28c5ce8ee7b9f5a9",
                dockerhubUser: "weaveworks",
                images: {
                    weave: `weaveworks/weave:2.8.1@${pin("1")}`,
                    weaveexec: `weaveworks/weaveexec:2.8.1@${pin("2")}`,
                    weavedb: `weaveworks/weavedb:latest@${pin("3")}`,
                },
                ipRange: "10.2.0.0/16",
                dnsDomain: "weave.local",
                scope: { enabled: true, image: `weaveworks/scope:1.13.2@${pin("4")}`, port: 4040 },
            },
            overlay: { name: "mesh", subnet: "10.3.0.0/16", manager: "node1" },
        },
        weavePassword: "weave-Pw7/k+2Lr9zT4vB8nM1cW5",
        docker: { logDriver: "json-file", logOpts: { "max-size": "10m", "max-file": "3" }, bip: "172.31.0.1/24" },
        registry: {
            port: 5000,
            insecure: false,
            username: "microservice",
            gcSchedule: "Sun *-*-* 03:00:00",
            dnsNames: ["registry.example.org"],
            storageDir: "/var/lib/docker-registry",
        },
        registryPassword: "registry-Pw7/k+2Lr9zT4",
        zookeeper: { clientPort: 2181, dataDir: "/var/lib/zookeeper", fourLetterWords: ["stat"], adminServerPort: 8181 },
        volumes: {
            backend: "zfs",
            mountRoot: "/flocker",
            pool: { name: "flocker", vdevSizeGb: 10, vdevPath: "/var/lib/flocker/pool.img" },
            zfs: { implementation: "auto", replicationUser: "flocker-repl" },
            ebs: { volumeType: "gp3", kmsKeyId: "arn:aws:kms:us-east-1:123456789012:key/abcd-1234", fsType: "ext4", deviceName: "/dev/sdf" },
            datasets: [
                { name: "mongo", sizeGb: 1, primary: "node2", app: { kind: "marathon", appId: "/application/db/mongo" } },
                { name: "scratch", sizeGb: 1, primary: "node3", app: { kind: "command", stop: "docker stop scratch", start: "docker start scratch" } },
            ],
        },
        logging: { protocol: "tcp", tls: "server", forwardJournal: ["mesos-master", "marathon"], queueMaxDiskSpace: "1g", allowedSenders: ["192.0.2.0/24"] },
        mesos: {
            clusterName: "MesosCluster",
            images: {
                master: `mesosphere/mesos-master:1.7.0@${pin("a")}`,
                agent: `mesosphere/mesos-slave:1.7.0@${pin("b")}`,
                marathon: `mesosphere/marathon:v1.7.236@${pin("c")}`,
            },
            agentAttributes: { zone: "z1" },
            cgroups: "v1",
            agentDockerCli: "/usr/bin/docker",
            agentDockerConfig: "/root/.docker/config.json",
            executorRegistrationTimeout: "10mins",
            marathon: { username: "marathon", httpPort: 8080, features: ["external_volumes"] },
        },
        marathonPassword: "marathon-Pw7/k+2Lr9zT4vB8nM1",
        zookeeperPassword: "zookeeper-Pw7.k-2Lr9zT4vB8nM1",
        mesosFrameworkSecret: "framework-Sq4/u+8Kd2wP6",
        mesosAgentSecret: "agent-Sq4/u+8Kd2wP6xR7",
        mesosOperatorSecret: "operator-Sq4/u+8Kd2wP6",
        apps: {
            marathonAccess: "direct",
            nodeapp: { baseImage: `node:20-bookworm-slim@${pin("5")}` },
            nginx: { host: "node1", baseImage: `nginx:1.27@${pin("6")}` },
            mongo: { image: `mongo:7.0@${pin("7")}`, volume: "mongo" },
        },
    };
}

/**
 * The same stack on each target and mesh / volume backend, so every section's keys reach scripts.
 * `focus`: the keys (dotted prefixes) whose use differs in this variant (the first variant covers the rest).
 */
export function variants(): { name: string; config: Record<string, any>; focus?: string[] }[] {
    const full = fullConfig();
    const notHosts = (c: Record<string, any>) => {
        delete c.sshPrivateKey;
        delete c.existing;
        return c;
    };
    return [
        { name: "target hosts, weave, zfs", config: full },
        {
            name: "target hosts, overlay",
            focus: ["mesh"],
            config: { ...fullConfig(), mesh: { ...fullConfig().mesh, implementation: "overlay" }, weavePassword: undefined },
        },
        {
            name: "target local",
            focus: ["local", "network"],
            config: notHosts({
                ...fullConfig(),
                target: "local",
                local: {
                    nodeImage: "microservice/node:bookworm",
                    build: { baseImage: "debian:bookworm", builder: "legacy" },
                    dockerHost: "ssh://ops@docker-host",
                    namePrefix: "ms",
                },
            }),
        },
        {
            name: "target vagrant",
            focus: ["vagrant", "network"],
            config: notHosts({
                ...fullConfig(),
                target: "vagrant",
                vagrant: { box: "bento/ubuntu-24.04", boxVersion: "202510.26.0", provider: "virtualbox", dir: ".vagrant-stacks/test" },
            }),
        },
        {
            name: "target aws, ebs",
            focus: ["aws", "hosts", "volumes.backend", "volumes.ebs"],
            config: notHosts({
                ...fullConfig(),
                target: "aws",
                hosts: layoutHosts("10.0.17", "10.0.16"),
                network: undefined,
                docker: { ...fullConfig().docker, bip: "172.31.0.1/24" },
                logging: { ...fullConfig().logging, allowedSenders: ["10.0.0.0/16"] },
                volumes: { ...fullConfig().volumes, backend: "ebs" },
                aws: {
                    vpcCidr: "10.0.0.0/16",
                    mgmtSubnet: "10.0.16.0/24",
                    nodeSubnet: "10.0.17.0/24",
                    availabilityZone: "us-east-1b",
                    adminCidr: "198.51.100.0/24",
                    instanceTypes: { mgmt: "t3.small", node: "t3.large" },
                    ami: { owner: "099720109477", namePattern: "ubuntu/images/hvm-ssd*/ubuntu-noble-24.04-amd64-server-*" },
                    user: "ubuntu",
                },
            }),
        },
    ];
}

/** `pulumi config` form: one JSON value per top-level key; the secret keys as secrets. */
export function setStackConfig(raw: Record<string, unknown>): void {
    const cfg: Record<string, string> = {};
    for (const [k, v] of Object.entries(raw)) if (v !== undefined) cfg[`microservice:${k}`] = typeof v === "string" ? v : JSON.stringify(v);
    pulumi.runtime.setAllConfig(
        cfg,
        SECRET_KEYS.filter((k) => raw[k] !== undefined).map((k) => `microservice:${k}`),
    );
}

/** Both generations of the command resources' type tokens (@pulumi/command's, and components/exec's). */
const LOCAL = ["command:local:Command", "pulumi-nodejs:dynamic/exec:LocalCommand"];
const REMOTE = ["command:remote:Command", "pulumi-nodejs:dynamic/exec:RemoteCommand"];

/** Commands answer like the real ones: key pairs, vagrant ssh-config, PEMs and tokens before the result line. */
function realisticCommands(): void {
    for (const t of LOCAL) {
        mocks.onResource(t, (args) => {
            if (/ssh-keygen/.test(String(args.inputs.create))) return { stdout: PRIVATE_KEY + PUBLIC_KEY + "\n", stderr: "" };
            const m = /-(\w+)-ssh-config$/.exec(args.name);
            if (m)
                return {
                    stdout:
                        `Host ${m[1]}\n  HostName 127.0.0.1\n  User vagrant\n  Port 2222\n` +
                        `  IdentityFile "/w/key"\n  IdentitiesOnly yes\n${IDENTITY_MARK}\n${VAGRANT_KEY}`,
                    stderr: "",
                };
            return { stdout: `fixed-generated-secret-${args.name}`, stderr: "" };
        });
    }
    for (const t of REMOTE) {
        mocks.onResource(t, (args) => {
            const n = args.name;
            const payload = n.endsWith("-ca")
                ? PEM.ca
                : n.endsWith("-tls-key")
                  ? PEM.csr
                  : n.endsWith("-tls-sign")
                    ? PEM.cert
                    : n.endsWith("-swarm-token")
                      ? "SWMTKN-1-token"
                      : /replication$/.test(n)
                        ? PUBLIC_KEY
                        : "";
            return { stdout: `${payload ? payload + "\n" : ""}STEP ${n}: changed (mock)`, stderr: "" };
        });
    }
    mocks.onResource("docker:index/remoteImage:RemoteImage", (args) => ({ imageId: `sha256:${"a".repeat(64)}`, repoDigest: "", name: args.inputs.name }));
}

/** Runs the whole stack program under the mocks; returns every registration, or what it threw. */
export async function runProgram(raw: Record<string, unknown>): Promise<{ resources: Registered[]; error?: Error }> {
    mocks.reset();
    realisticCommands();
    setStackConfig(raw);
    let error: Error | undefined;
    try {
        const out = program();
        await settle();
        await valueOf(pulumi.output(out as any));
        await settle();
    } catch (e) {
        error = e as Error;
    }
    return { resources: [...mocks.resources], error };
}
