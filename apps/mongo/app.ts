import * as pulumi from "@pulumi/pulumi";
import { VolumeRef } from "../../components/contracts";
import { MarathonAppArgs } from "../../components/marathon";
import { volumeAppSettings } from "../../components/volumes";
import { AppLayers, appDockerParameters, placementNetwork } from "../common";

export const MONGO_ID = "/application/db/mongo";
/** mongod's data directory in the official image. */
export const MONGO_DATA = "/data/db";

export interface MongoSettings {
    cpus: number;
    mem: number;
}

/**
 * mongo's Marathon definition: one instance pinned to its volume's primary host, the volume's host
 * path mounted at /data/db, and an upgrade that stops the old task before starting the new one
 * (never two mongod on one dataset). Moving the volume (config) changes only the pin; the volumes
 * layer suspends the app while the data moves.
 */
export function mongoApp(
    s: MongoSettings,
    image: pulumi.Input<string>,
    volume: VolumeRef,
    layers: AppLayers,
): { args: Omit<MarathonAppArgs, "marathon">; dependsOn: pulumi.Resource[] } {
    const v = volumeAppSettings(volume, MONGO_DATA);
    return {
        args: {
            id: MONGO_ID,
            image,
            instances: v.instances,
            cpus: s.cpus,
            mem: s.mem,
            constraints: v.constraints,
            network: placementNetwork(layers.network),
            labels: { "microservice.app": "mongo", "microservice.volume": volume.name },
            volumes: [v.containerVolume],
            dockerParameters: appDockerParameters(layers, "mongo"),
            healthChecks: [
                {
                    protocol: "COMMAND",
                    command: `mongosh --quiet --eval "quit(db.adminCommand('ping').ok ? 0 : 1)"`,
                    gracePeriodSeconds: 120,
                    intervalSeconds: 15,
                    timeoutSeconds: 10,
                    maxConsecutiveFailures: 3,
                },
            ],
            upgradeStrategy: v.upgradeStrategy,
        },
        dependsOn: v.dependsOn,
    };
}
