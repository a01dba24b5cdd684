import type { HostTarget } from "../target";

/** Containers on a Docker engine this machine drives, on one network it reaches directly. */
export const LOCAL_TARGET: HostTarget = {
    name: "local",
    nodesBehindJumpHost: false,
    publicEntry: false,
    imagesPinnedOnFirstUse: true,
};
