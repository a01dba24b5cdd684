import type { HostTarget } from "../target";

/** VMs on this machine with a private network it reaches directly; images come from their own Docker. */
export const VAGRANT_TARGET: HostTarget = {
    name: "vagrant",
    nodesBehindJumpHost: false,
    publicEntry: false,
    imagesPinnedOnFirstUse: false,
};
