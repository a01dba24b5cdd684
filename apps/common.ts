import * as pulumi from "@pulumi/pulumi";
import { ContainerNetwork, DockerParameter, LogShipping } from "../components/contracts";
import { NetworkSpec } from "../components/marathon/definition";

/** What an app definition takes from the platform's layers. */
export interface AppLayers {
    network: Pick<ContainerNetwork, "kind" | "domain" | "dockerNetwork" | "dockerParameters">;
    /** Where the app's logs go (rsyslog); without it Docker's default log driver applies. */
    logging?: Pick<LogShipping, "dockerParameters">;
}

/**
 * The name an app is found under on the mesh, as a full name: nginx's resolver and Node's
 * resolver then need no search domain. Weave: `<app>.weave.local` (weaveDNS); overlay: the
 * network alias `<app>`, which Docker's DNS answers with every container carrying it.
 */
export function meshHost(network: AppLayers["network"], app: string): string {
    return network.kind === "weave" ? `${app}.${network.domain}` : app;
}

/** The container's network: the mesh's Docker network when it has one, Docker's bridge otherwise (Weave attaches through its proxy). */
export function placementNetwork(network: AppLayers["network"]): NetworkSpec {
    return network.dockerNetwork ? { mode: "container", name: network.dockerNetwork } : { mode: "bridge" };
}

/** The Docker flags every app carries: its mesh name, then its log shipping (journald driver and tag), then its own. */
export function appDockerParameters(layers: AppLayers, app: string, own: DockerParameter[] = []): pulumi.Input<DockerParameter>[] {
    return [...layers.network.dockerParameters(app), ...(layers.logging?.dockerParameters(app) ?? []), ...own];
}
