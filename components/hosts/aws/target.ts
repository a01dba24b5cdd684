import type { HostTarget } from "../target";

/** EC2 instances: mgmt the bastion in a public subnet, the nodes in a private one, EBS in one zone. */
export const AWS_TARGET: HostTarget = {
    name: "aws",
    nodesBehindJumpHost: true,
    publicEntry: true,
    blockVolumes: "ebs",
    imagesPinnedOnFirstUse: false,
};
