export { FlockerZfsCluster, FlockerZfsClusterArgs } from "./zfs/cluster";
export { generateReplicationKey, splitKeyPair, ReplicationKey } from "./zfs/key";
export * as zfsRender from "./zfs/ops";
export { flockerZfsPackages } from "./zfs/ops";
export { flockerEbsPackages } from "./ebs/ops";
export { volumeAppSettings, VolumeAppSettings } from "./app";
export { volumeRef } from "./common";
export * from "./settings";
// FlockerEbsVolumes (./ebs/volumes) needs @pulumi/aws: it is exported by microservice-platform/aws only.
export * as ebsRender from "./ebs/ops";
