import * as pulumi from "@pulumi/pulumi";
import { MarathonAppArgs } from "../../components/marathon";
import { AppLayers, appDockerParameters, meshHost, placementNetwork } from "../common";
import { NODEAPP_PORT } from "../nodeapp/app";

export const NGINX_ID = "/application/app/nginx";

export interface NginxSettings {
    /** Host port the entry point is published on (the original: 9080). */
    hostPort: number;
    cpus: number;
    mem: number;
}

/**
 * nginx's Marathon definition: one instance on the "system" agent it is pinned to (its host port
 * is fixed), published with `docker run --publish` as the original did (no Mesos port resource
 * needed), proxying to nodeapp by its mesh name, re-resolved per request. The old task stops
 * before the new one starts (the host port cannot be held twice).
 */
export function nginxApp(s: NginxSettings, image: pulumi.Input<string>, hostIp: pulumi.Input<string>, layers: AppLayers): Omit<MarathonAppArgs, "marathon"> {
    return {
        id: NGINX_ID,
        image,
        instances: 1,
        cpus: s.cpus,
        mem: s.mem,
        constraints: [["slavetype", "CLUSTER", "system"], pulumi.output(hostIp).apply((ip): [string, string, string] => ["hostname", "CLUSTER", ip])],
        network: placementNetwork(layers.network),
        env: { UPSTREAM: `${meshHost(layers.network, "nodeapp")}:${NODEAPP_PORT}` },
        labels: { "microservice.app": "nginx" },
        dockerParameters: appDockerParameters(layers, "nginx", [{ key: "publish", value: `${s.hostPort}:80` }]),
        healthChecks: [
            {
                protocol: "COMMAND",
                command: "curl -fsS -o /dev/null http://127.0.0.1/nginx-health",
                gracePeriodSeconds: 30,
                intervalSeconds: 10,
                timeoutSeconds: 5,
                maxConsecutiveFailures: 3,
            },
        ],
        upgradeStrategy: { minimumHealthCapacity: 0, maximumOverCapacity: 0 },
    };
}
