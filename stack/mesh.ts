import * as pulumi from "@pulumi/pulumi";
import { LocalCommand } from "../components/exec/command";
import { StackConfig } from "../config/schema";
import { ContainerNetwork, HostReadiness } from "../components/contracts";
import { Host } from "../components/hosts/host";
import { createContainerNetwork, MeshComponent } from "../components/mesh";

/**
 * What the mesh needs from the platform layer: Docker running on each host with its config. Not the
 * registry login: neither mesh pulls from the stack's registry, so it need not wait for the registry.
 */
export interface MeshPlatform {
    daemonReady?: HostReadiness;
}

export interface StackMesh {
    network: ContainerNetwork;
    component: MeshComponent;
    outputs: Record<string, pulumi.Input<unknown>>;
}

/**
 * The container network layer: Weave Net or Docker's swarm overlay (config `mesh.implementation`),
 * on every host, after each host's Docker engine. Weave's password comes from the secret config
 * key `weavePassword`, or is generated once and kept in state as a secret.
 */
export function deployMesh(cfg: StackConfig, hosts: Host[], platform: MeshPlatform = {}): StackMesh {
    const weavePassword = cfg.mesh.implementation === "weave" ? ((cfg.weavePassword as pulumi.Input<string> | undefined) ?? generatedPassword()) : undefined;
    const component = createContainerNetwork("mesh", { hosts, settings: cfg.mesh, weavePassword, hostReady: platform.daemonReady });
    const outputs: Record<string, pulumi.Input<unknown>> = {
        implementation: component.kind,
        domain: component.domain,
        agentDockerSocket: component.agentDockerSocket ?? "(default Docker socket)",
        range: component.kind === "weave" ? component.settings.ipRange : component.settings.subnet,
        dockerNetwork: component.dockerNetwork ?? "(default bridge)",
        example: [
            ...(component.dockerNetwork ? [`--network=${component.dockerNetwork}`] : []),
            ...component.dockerParameters("<app>").map((p) => `--${p.key}=${p.value}`),
        ].join(" "),
    };
    return { network: component, component, outputs };
}

/** 264 random bits, base64 (characters a systemd EnvironmentFile keeps literally). Runs once, on create. */
function generatedPassword(): pulumi.Output<string> {
    const gen = new LocalCommand("weave-password", { create: "openssl rand -base64 33", logging: "none" }, { additionalSecretOutputs: ["stdout"] });
    return pulumi.secret(gen.stdout.apply((s) => s.trim()));
}
