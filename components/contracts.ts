import * as pulumi from "@pulumi/pulumi";

/**
 * What the platform's parts hand each other. Components return these; the next layer takes them
 * as args. Keeping them here lets every part be built against the contract, not the implementation.
 */

/**
 * What must be done on each host before a layer's steps there, and what a layer hands on when it is
 * done on each host: per host name, the resources to wait for. Every component that works host by host
 * takes it as `hostReady` (its steps on a host wait for that host's entry) and exports its own
 * `hostReady` (after which it is done there).
 */
export type HostReadiness = Readonly<Record<string, readonly pulumi.Resource[]>>;

/** A `docker run` flag as Marathon's `container.docker.parameters` carries it. */
export interface DockerParameter {
    key: string;
    value: pulumi.Input<string>;
}

/** The stack's private Docker registry (DockerRegistry). */
export interface RegistryEndpoint {
    /** `host:port` that daemons push to and pull from, e.g. `10.0.15.11:5000`. */
    readonly address: pulumi.Output<string>;
    readonly username: pulumi.Output<string>;
    /** A Pulumi secret. */
    readonly password: pulumi.Output<string>;
    /** PEM of the CA that signed the registry's certificate ("" in insecure mode). */
    readonly caCert: pulumi.Output<string>;
    /** Resources after which the registry serves requests. */
    readonly ready: pulumi.Resource[];
}

/** A ZooKeeper ensemble (ZooKeeperEnsemble). */
export interface ZooKeeperEndpoint {
    /** `host1:2181,host2:2181,...` (no scheme, no path). */
    readonly servers: pulumi.Output<string>;
    /**
     * `zk://host1:2181,host2:2181,...` + path, e.g. zkUrl("/mesos"); with ZooKeeper authentication
     * `zk://microservice:<password>@host1:2181,...` + path, a Pulumi secret (write it only to 0600 files).
     */
    zkUrl(path: string): pulumi.Output<string>;
    readonly ready: pulumi.Resource[];
    /**
     * After these, every member runs its current membership (a rolling change is over): steps that
     * embed the members (Mesos masters) change only then. Absent: `ready` serves instead.
     */
    readonly rolled?: pulumi.Resource[];
    /**
     * After these, every member's host answered: steps that embed the member list but need no
     * quorum (Mesos agents, Marathon) wait only for them, so an unreachable member's host stops a
     * change before it reaches them. Absent: nothing to wait for.
     */
    readonly answered?: pulumi.Resource[];
}

/**
 * A multi-host container network with DNS discovery and round-robin over instances
 * (WeaveMesh, or OverlayMesh on Docker's own swarm overlay).
 */
export interface ContainerNetwork {
    readonly kind: "weave" | "overlay";
    /** DNS domain apps are found under, e.g. `weave.local`: `<app>.<domain>`. */
    readonly domain: string;
    /** Docker endpoint Mesos agents must use so that every task joins the mesh (undefined: the default socket). */
    readonly agentDockerSocket?: string | undefined;
    /**
     * Docker network an app's container must run on (undefined: the default bridge; Weave attaches
     * through its proxy). Marathon: `networks: [{ mode: "container", name }]`, which Mesos passes as
     * `--net`; plain `docker run`: `--network`. Not a parameter: Docker refuses a second network flag.
     */
    readonly dockerNetwork?: string | undefined;
    /** `docker run` parameters (Marathon `docker.parameters`) that register a container on the mesh under `<app>`. */
    dockerParameters(app: string): DockerParameter[];
    readonly ready: pulumi.Resource[];
    /** Per host: after these, a container started there joins the mesh. */
    readonly hostReady: HostReadiness;
}

/** Container log shipping (RsyslogAggregator): the Docker flags that send an app's logs through local rsyslog. */
export interface LogShipping {
    dockerParameters(app: string): DockerParameter[];
    readonly ready: pulumi.Resource[];
}

/** A movable volume (FlockerZfsCluster dataset or an EBS volume) that an app mounts. */
export interface VolumeRef {
    readonly name: string;
    /** Host name (config name, e.g. node2) of the host the data lives on now. */
    readonly primary: string;
    /** Stable path on the primary host where the volume is mounted. */
    readonly hostPath: pulumi.Output<string>;
    /** Marathon constraint that pins the app to the primary host. */
    readonly constraint: pulumi.Output<[string, string, string]>;
    readonly ready: pulumi.Resource[];
}

/** A running Mesos + Marathon cluster (MesosCluster). */
export interface SchedulerEndpoint {
    readonly marathonUrl: pulumi.Output<string>;
    readonly marathonUsername: pulumi.Output<string>;
    /** A Pulumi secret. */
    readonly marathonPassword: pulumi.Output<string>;
    /**
     * PEM of the CA that signed Marathon's certificate when `marathonUrl` is https (the stack CA):
     * clients trust it, and only it. "" or absent: plain HTTP.
     */
    readonly marathonCaCert?: pulumi.Output<string>;
    readonly mesosUrls: pulumi.Output<string[]>;
    readonly ready: pulumi.Resource[];
}
