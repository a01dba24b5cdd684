export { FlockerZfsCluster, FlockerZfsClusterArgs } from "./zfs/cluster";
export { generateReplicationKey, splitKeyPair, ReplicationKey } from "./zfs/key";
export * as zfsRender from "./zfs/render";
export { volumeAppSettings, VolumeAppSettings } from "./app";
export { volumeRef } from "./common";
export * from "./settings";
export { FlockerEbsVolumes, FlockerEbsVolumesArgs } from "./ebs/volumes";
export * as ebsRender from "./ebs/render";
