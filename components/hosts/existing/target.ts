import type { HostTarget } from "../target";

/**
 * Hosts the user already runs (config value "hosts"), on a network the user reaches directly:
 * with existing.jumpHost the stack's own SSH goes through it, but Marathon and the entry stay
 * opt-in (apps.marathonAccess, apps.entry.enabled), as the user's network decides.
 */
export const EXISTING_TARGET: HostTarget = {
    name: "hosts",
    nodesBehindJumpHost: false,
    publicEntry: false,
    imagesPinnedOnFirstUse: false,
    sshPortKey: ["existing", "port"],
};
