import * as pulumi from "@pulumi/pulumi";
import { ContainerNetwork, HostReadiness } from "../contracts";
import { Host } from "../hosts/host";
import { validate } from "../validate";
import { MeshSettingsInput, meshSettingsSchema } from "./settings";
import { OverlayMesh } from "./overlay/mesh";
import { WeaveMesh } from "./weave/mesh";
import { WEAVE_PACKAGES } from "./weave/ops";

/** The Debian packages the chosen container network installs on each host (Weave's download tools; the overlay none). */
export function containerNetworkPackages(s: { implementation: "weave" | "overlay" }): string[] {
    return s.implementation === "weave" ? [...WEAVE_PACKAGES].sort() : [];
}

export interface ContainerNetworkArgs {
    hosts: Host[];
    /** `implementation` picks the component; only its own section is used. */
    settings: MeshSettingsInput;
    /** Required for weave (a Pulumi secret); ignored by overlay. */
    weavePassword?: pulumi.Input<string>;
    /** What each host's steps wait for: Docker running there. */
    hostReady?: HostReadiness;
}

export type MeshComponent = (WeaveMesh | OverlayMesh) & ContainerNetwork;

/** The container network the settings choose: Weave Net (the original's) or Docker's swarm overlay. */
export function createContainerNetwork(name: string, args: ContainerNetworkArgs, opts?: pulumi.ComponentResourceOptions): MeshComponent {
    const s = validate(meshSettingsSchema, args.settings, `container network "${name}"`);
    if (s.implementation === "overlay") {
        return new OverlayMesh(name, { hosts: args.hosts, settings: s.overlay, hostReady: args.hostReady }, opts);
    }
    if (args.weavePassword === undefined) {
        throw new Error(`container network "${name}": weavePassword: required when implementation is "weave" (a Pulumi secret)`);
    }
    return new WeaveMesh(name, { hosts: args.hosts, password: args.weavePassword, settings: s.weave!, hostReady: args.hostReady }, opts);
}
