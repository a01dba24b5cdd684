import * as pulumi from "@pulumi/pulumi";
import { DockerParameter, VolumeRef } from "../contracts";

/** What a Marathon app that uses a movable volume must carry (for the MarathonApp helper). */
export interface VolumeAppSettings {
    /** Pins the app to the volume's primary: `["hostname", "CLUSTER", <primary's IP>]`. */
    constraints: pulumi.Output<[string, string, string]>[];
    /**
     * Never two copies at once: Marathon stops the old task before it starts the new one (its
     * default would start the new one first, on another host, while the old one holds the data).
     */
    upgradeStrategy: { minimumHealthCapacity: 0; maximumOverCapacity: 0 };
    /** Marathon `container.volumes` entry: the host path bind-mounted into the container. */
    containerVolume: { containerPath: string; hostPath: pulumi.Output<string>; mode: "RW" };
    /** The same as a raw `docker run` flag, for apps that pass Docker parameters (as the original did). */
    dockerParameter: DockerParameter;
    /** One instance: the data is single-attach (the move's hooks start exactly one). */
    instances: 1;
    /** Deploy (or re-pin) the app only once the volume is in place on its primary. */
    dependsOn: pulumi.Resource[];
}

export function volumeAppSettings(ref: VolumeRef, containerPath = "/data"): VolumeAppSettings {
    if (!/^\/[A-Za-z0-9._/-]*$/.test(containerPath))
        throw new Error(`volumeAppSettings(${ref.name}): containerPath: expected an absolute path, got ${JSON.stringify(containerPath)}`);
    return {
        constraints: [ref.constraint],
        upgradeStrategy: { minimumHealthCapacity: 0, maximumOverCapacity: 0 },
        containerVolume: { containerPath, hostPath: ref.hostPath, mode: "RW" },
        dockerParameter: { key: "volume", value: ref.hostPath.apply((p) => `${p}:${containerPath}`) },
        instances: 1,
        dependsOn: ref.ready,
    };
}
