import * as pulumi from "@pulumi/pulumi";
import { MarathonAppArgs } from "../../components/marathon";
import { AppLayers, appDockerParameters, meshHost, placementNetwork } from "../common";

export const NODEAPP_ID = "/application/app/nodeapp";
export const NODEAPP_PORT = 3000;

export interface NodeappSettings {
    instances: number;
    cpus: number;
    mem: number;
}

/**
 * nodeapp's Marathon definition: N instances on "app" agents, found on the mesh as `nodeapp`
 * (round-robin over the instances), mongo by its mesh name, a health check inside the container,
 * and a rolling upgrade that keeps at least half of the instances serving.
 */
export function nodeappApp(s: NodeappSettings, image: pulumi.Input<string>, layers: AppLayers): Omit<MarathonAppArgs, "marathon"> {
    return {
        id: NODEAPP_ID,
        image,
        instances: s.instances,
        cpus: s.cpus,
        mem: s.mem,
        constraints: [["slavetype", "CLUSTER", "app"]],
        network: placementNetwork(layers.network),
        env: { PORT: String(NODEAPP_PORT), MONGO_URL: `mongodb://${meshHost(layers.network, "mongo")}:27017/node` },
        labels: { "microservice.app": "nodeapp" },
        dockerParameters: appDockerParameters(layers, "nodeapp"),
        healthChecks: [
            {
                protocol: "COMMAND",
                command: "node /app/src/healthcheck.js",
                gracePeriodSeconds: 60,
                intervalSeconds: 10,
                timeoutSeconds: 5,
                maxConsecutiveFailures: 3,
            },
        ],
        upgradeStrategy: { minimumHealthCapacity: 0.5, maximumOverCapacity: 0.5 },
    };
}
