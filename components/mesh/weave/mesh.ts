import * as pulumi from "@pulumi/pulumi";
import { z } from "zod";
import { ContainerNetwork, DockerParameter, HostReadiness } from "../../contracts";
import { Host } from "../../hosts/host";
import { hostReadinessSchema, readinessOn } from "../../hosts/readiness";
import { HostSteps } from "../../provision";
import { input, validate, uniqueHosts } from "../../validate";
import { onRemoval } from "../../provision";
import { WeaveSettingsInput, weavePasswordSchema, weaveSettingsSchema, WeaveSettings } from "../settings";
import * as render from "./ops";

export interface WeaveMeshArgs {
    /** Every host joins the mesh (the original included mgmt); peers are all the others. */
    hosts: Host[];
    /** Shared by all peers; encrypts the control and data planes. A Pulumi secret. */
    password: pulumi.Input<string>;
    /** Version, pinned script and images, IP range, DNS domain, Scope. Plain values: they shape the resources. */
    settings: WeaveSettingsInput;
    /** What each host's steps wait for: Docker running there (the platform layer's DockerEngine.daemonReady: the mesh pulls nothing from the registry). */
    hostReady?: HostReadiness;
}

const argsSchema = z.object({
    hosts: uniqueHosts,
    password: input(weavePasswordSchema),
    settings: weaveSettingsSchema,
    hostReady: hostReadinessSchema,
});

/**
 * Weave Net across all hosts: pinned script (sha256 checked before install) and images (pulled by
 * digest), one systemd unit per host, encryption with a shared password, weaveDNS round-robin over
 * the instances of an app, and the Docker API proxy that Mesos agents use so that every task joins.
 * A host that leaves the config is reset and its address space reclaimed (see docs/mesh.md).
 */
export class WeaveMesh extends pulumi.ComponentResource implements ContainerNetwork {
    readonly kind = "weave" as const;
    readonly domain: string;
    readonly agentDockerSocket = render.WEAVE_PROXY_SOCKET;
    /** Containers stay on the default bridge: the proxy adds the Weave interface (ethwe). */
    readonly dockerNetwork = undefined;
    readonly ready: pulumi.Resource[];
    /** Per host: its peer runs (with Scope when enabled), so containers there join the mesh. */
    readonly hostReady: HostReadiness;
    readonly settings: WeaveSettings;

    constructor(name: string, args: WeaveMeshArgs, opts?: pulumi.ComponentResourceOptions) {
        const a = validate(argsSchema, args, `WeaveMesh "${name}"`);
        super("microservice:index:WeaveMesh", name, {}, opts);
        const s = a.settings;
        this.settings = s;
        this.domain = s.dnsDomain;

        const members = pulumi.all(a.hosts.map((h) => h.privateIp.apply((ip) => ({ name: h.name, ip }))));
        const consensus = a.hosts.length;
        // The checked Output: a password that fails its schema fails this component by name first.
        const password = pulumi.secret(a.password);
        this.ready = [];
        const hostReady: Record<string, pulumi.Resource[]> = {};

        a.hosts.forEach((host, i) => {
            const steps = new HostSteps(this, name, host, readinessOn(a.hostReady, host));
            steps.add("weave-install", render.installOps(s));
            steps.add(
                "weave-peers",
                members.apply((all) => render.peersOps(render.peersOf(host.name, all), consensus)),
            );
            const svc = steps.add(
                "weave-service",
                password.apply((pw) => render.serviceOps(host.name, s, pw)),
                { secret: true },
            );
            if (s.scope.enabled) {
                steps.add(
                    "weave-scope",
                    pulumi.all([host.privateIp, members]).apply(([ip, all]) =>
                        render.scopeOps(
                            ip,
                            all.map((m) => m.ip),
                            s.scope.image!,
                            s.scope.port,
                        ),
                    ),
                );
            }
            hostReady[host.name] = steps.commands.slice(-1);
            this.ready.push(...hostReady[host.name]);

            // Removal: the leaving host hands over its space and resets; ONE remaining peer (the
            // first other host in config order) forgets it and reclaims what was not handed over.
            // Deleted in reverse dependency order: `leave` (depends on `reclaim`) runs first.
            const anchor = a.hosts[i === 0 ? 1 : 0];
            const reclaim = anchor
                ? onRemoval(this, `${name}-${host.name}-weave-reclaim`, {
                      connection: anchor.connection,
                      create: `echo "weave: ${anchor.name} reclaims ${host.name} when it leaves"`,
                      delete: host.privateIp.apply((ip) => render.reclaimScript(host.name, ip)),
                      dependsOn: [svc],
                  })
                : undefined;
            onRemoval(this, `${name}-${host.name}-weave-leave`, {
                connection: host.connection,
                create: `echo "weave: ${host.name} is a peer"`,
                delete: render.leaveScript(),
                dependsOn: [svc, ...(reclaim ? [reclaim] : [])],
            });
        });

        this.hostReady = hostReady;
        this.registerOutputs({ domain: this.domain, agentDockerSocket: this.agentDockerSocket, ipRange: s.ipRange });
    }

    /** The proxy registers `<app>.<domain>` in weaveDNS; several instances answer round-robin. */
    dockerParameters(app: string): DockerParameter[] {
        return [{ key: "hostname", value: `${app}.${this.domain}` }];
    }
}
