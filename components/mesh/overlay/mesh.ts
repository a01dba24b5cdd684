import * as pulumi from "@pulumi/pulumi";
import { z } from "zod";
import { ContainerNetwork, DockerParameter, HostReadiness } from "../../contracts";
import { Host, hostsWithRole } from "../../hosts/host";
import { hostReadinessSchema, readinessOn } from "../../hosts/readiness";
import { HostSteps, stepPayload } from "../../provision";
import { validate, uniqueHosts } from "../../validate";
import { onRemoval } from "../../provision";
import { OverlaySettings, OverlaySettingsInput, overlaySettingsSchema } from "../settings";
import * as render from "./ops";

export interface OverlayMeshArgs {
    /** Every host joins the swarm (the manager inits it, the others join as workers). */
    hosts: Host[];
    /** Network name and subnet; the manager (default: the first master, else the first host). */
    settings?: OverlaySettingsInput;
    /** What each host's steps wait for: Docker running there (the platform layer's DockerEngine.daemonReady: the mesh pulls nothing from the registry). */
    hostReady?: HostReadiness;
}

const argsSchema = z.object({
    hosts: uniqueHosts,
    settings: overlaySettingsSchema.default({ name: "mesh", subnet: "10.2.0.0/16" }),
    hostReady: hostReadinessSchema,
});

/** The swarm manager: configured, else the first master, else the first host. */
export function chooseManager<H extends Pick<Host, "name" | "roles">>(hosts: readonly H[], s: Pick<OverlaySettings, "manager">): H {
    if (s.manager !== undefined) {
        const m = hosts.find((h) => h.name === s.manager);
        if (!m) throw new Error(`settings.manager: expected one of the hosts (${hosts.map((h) => h.name).join(", ")}), got ${JSON.stringify(s.manager)}`);
        return m;
    }
    return hostsWithRole(hosts, "master")[0] ?? hosts[0];
}

/**
 * The same contract as WeaveMesh on Docker's own networking: a swarm-mode attachable overlay
 * network across all hosts; a container joins it with `--network <name> --network-alias <app>`
 * (`dockerNetwork` + `dockerParameters`),
 * and Docker's embedded DNS answers `<app>` (and `<app>.<name>`) with every instance, in a
 * shuffled order. Mesos agents keep the default Docker socket.
 */
export class OverlayMesh extends pulumi.ComponentResource implements ContainerNetwork {
    readonly kind = "overlay" as const;
    /** Docker resolves `<app>.<network name>` as well as the bare `<app>`. */
    readonly domain: string;
    readonly agentDockerSocket = undefined;
    readonly dockerNetwork: string;
    readonly ready: pulumi.Resource[];
    /** Per host: the network exists and the host is in the swarm (containers there can join it). */
    readonly hostReady: HostReadiness;
    readonly settings: OverlaySettings;
    readonly manager: string;

    constructor(name: string, args: OverlayMeshArgs, opts?: pulumi.ComponentResourceOptions) {
        const a = validate(argsSchema, args, `OverlayMesh "${name}"`);
        super("microservice:index:OverlayMesh", name, {}, opts);
        const s = a.settings;
        this.settings = s;
        this.domain = s.name;
        this.dockerNetwork = s.name;
        let manager: Host;
        try {
            manager = chooseManager(a.hosts, s);
        } catch (e) {
            throw new Error(`OverlayMesh "${name}": ${(e as Error).message}`, { cause: e });
        }
        this.manager = manager.name;
        const mgr = new HostSteps(this, name, manager, readinessOn(a.hostReady, manager));
        mgr.add("swarm-init", manager.privateIp.apply(render.managerInitOps));
        const tokenStep = mgr.add("swarm-token", render.joinTokenOps(), { secret: true });
        const network = mgr.add("overlay-network", render.networkOps(s));
        const token = pulumi.secret(tokenStep.stdout.apply((out) => stepPayload(out)));
        this.ready = [network];
        const hostReady: Record<string, pulumi.Resource[]> = {};

        const leave = (host: Host, dependsOn: pulumi.Resource[]) =>
            onRemoval(this, `${name}-${host.name}-swarm-leave`, {
                connection: host.connection,
                create: `echo "swarm: ${host.name} is a member"`,
                delete: render.leaveScript(),
                dependsOn,
            });
        // A destroy deletes dependents first: every worker's node entry is removed (noderm depends on
        // this) while the manager still manages the swarm; the manager leaves last.
        const managerLeave = leave(manager, [network]);
        for (const host of a.hosts) {
            let joined: pulumi.Resource = network;
            if (host !== manager) {
                const steps = new HostSteps(this, name, host, [...readinessOn(a.hostReady, host), tokenStep]);
                joined = steps.add(
                    "swarm-join",
                    pulumi.all([host.privateIp, manager.privateIp, token]).apply(([ip, mip, t]) => render.workerJoinOps(ip, mip, t)),
                    { secret: true },
                );
                this.ready.push(joined);
            }
            hostReady[host.name] = host === manager ? [network] : [network, joined];
            // Removal: the host leaves the swarm (first), then the manager drops its node entry.
            const nodeRm =
                host !== manager
                    ? onRemoval(this, `${name}-${host.name}-swarm-noderm`, {
                          connection: manager.connection,
                          create: `echo "swarm: ${manager.name} removes ${host.name}'s node entry when it leaves"`,
                          delete: host.privateIp.apply(render.nodeRemoveScript),
                          dependsOn: [joined, managerLeave],
                      })
                    : undefined;
            if (nodeRm) leave(host, [joined, nodeRm]);
        }

        this.hostReady = hostReady;
        this.registerOutputs({ domain: this.domain, network: s.name, subnet: s.subnet, manager: this.manager });
    }

    /** `--network-alias <app> --hostname <app>` (on `dockerNetwork`): found as `<app>` and `<app>.<name>`. */
    dockerParameters(app: string): DockerParameter[] {
        return render.dockerParameters(app);
    }
}
