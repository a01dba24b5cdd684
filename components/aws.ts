/**
 * `microservice-platform/aws`: the aws host target and EBS volumes. Kept out of the main entry so
 * that only stacks that import this entry need the optional peer dependency @pulumi/aws.
 *
 * @module microservice-platform/aws
 */
export { AwsHosts, AwsHostsArgs } from "./hosts/aws/hosts";
export { AwsNetwork } from "./hosts/aws/network";
export { FlockerEbsVolumes, FlockerEbsVolumesArgs } from "./volumes/ebs/volumes";
export { flockerEbsPackages } from "./volumes/ebs/ops";
