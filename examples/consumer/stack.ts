// The consumer's stack, as a function of its settings: index.ts passes what it read from its own
// config, the tests pass fixed values under mocks. Only the package's main entry and @pulumi/pulumi.
import * as pulumi from "@pulumi/pulumi";
import {
    DockerEngine,
    DockerRegistry,
    ExistingHosts,
    HostSpec,
    MarathonApp,
    MesosCluster,
    OverlayMesh,
    RsyslogAggregator,
    StackCa,
    marathonAccess,
    singleHostWithRole,
} from "microservice-platform";

export interface ConsumerSettings {
    hosts: HostSpec[];
    sshUser?: string;
    /** Secrets: the key that logs in to every host, and the passwords the stack sets. */
    sshPrivateKey: pulumi.Input<string>;
    /** Each machine's known_hosts line ("10.0.25.11 ssh-ed25519 AAAA..."): every connection pins it. */
    knownHosts: string[];
    registryPassword: pulumi.Input<string>;
    marathonPassword: pulumi.Input<string>;
    /** ZooKeeper's digest password (letters, digits, ._~- only: it goes inside zk:// URLs). */
    zookeeperPassword: pulumi.Input<string>;
    /** Mesos master, agent and Marathon images, pinned by digest. */
    mesosImages: { master: string; agent: string; marathon: string };
    /** The app this team runs on the platform. */
    appImage: string;
}

export function consumerStack(s: ConsumerSettings) {
    const machines = new ExistingHosts("machines", { hosts: s.hosts, user: s.sshUser ?? "root", privateKey: s.sshPrivateKey, knownHosts: s.knownHosts });
    const hosts = machines.hosts;

    // Platform: the stack CA on mgmt, a TLS registry, Docker on every host trusting and logged in to it.
    const ca = new StackCa("ca", { host: singleHostWithRole(hosts, "mgmt") });
    const registry = new DockerRegistry("registry", {
        host: singleHostWithRole(hosts, "registry"),
        settings: { username: "deploy" },
        ca,
        password: s.registryPassword,
    });
    const docker = new DockerEngine("docker", { hosts, registry: registry.endpoint });

    // The container network, log aggregation and the scheduler, each after Docker on its host;
    // Marathon serves HTTPS with a certificate from the CA, and MarathonApp trusts that CA.
    const mesh = new OverlayMesh("mesh", { hosts, hostReady: docker.hostReady });
    const logging = new RsyslogAggregator("logging", { hosts, ca, hostReady: docker.hostReady });
    // `settings` is the stack's `mesos` config section; images run from where they are pinned (no mirror).
    const mesos = new MesosCluster("mesos", {
        hosts,
        images: s.mesosImages,
        settings: { mirrorToRegistry: false },
        ca,
        marathonPassword: s.marathonPassword,
        zookeeperPassword: s.zookeeperPassword,
        registry: registry.endpoint,
        hostReady: docker.hostReady,
        network: mesh,
    });

    const app = new MarathonApp(
        "hello",
        {
            marathon: marathonAccess(mesos.endpoint),
            id: "/team/hello",
            image: s.appImage,
            instances: 2,
            cpus: 0.1,
            mem: 64,
            network: { mode: "container", name: mesh.dockerNetwork },
            dockerParameters: [...mesh.dockerParameters("hello"), ...logging.dockerParameters("hello")],
        },
        { dependsOn: [...mesos.ready, ...logging.ready] },
    );

    return { hosts: machines.outputs, registry: registry.address, marathonUrl: mesos.marathonUrl, app: app.urn };
}
