/**
 * What a host target (the `target` config key: where the hosts come from) offers the layers above
 * it. Each target's folder exports one (e.g. ./aws/target.ts); config/sections/hosts.ts maps the
 * configured name to it, once. Layers decide by these capabilities, never by the target's name, so
 * a new target states what it offers in its own folder and changes no layer.
 */
export interface HostTarget {
    /** The `target` config value, e.g. "aws": for messages only, never to decide anything. */
    readonly name: string;
    /**
     * Only mgmt is reachable from where `pulumi up` runs; the other hosts sit in a private network
     * behind it (mgmt is their SSH jump host). Then `pulumi up` reaches Marathon through mgmt by
     * default (apps.marathonAccess "mgmt").
     */
    readonly nodesBehindJumpHost: boolean;
    /**
     * mgmt has a public address (the one its SSH connection uses) besides its private one. Then the
     * apps' entry (HAProxy on mgmt) is on by default, since nginx on a private node is reachable
     * only through it, and the app's URL uses that public address.
     */
    readonly publicEntry: boolean;
    /**
     * Network block volumes the target attaches to its hosts and re-attaches to another host in the
     * same availability zone ("ebs" on AWS): what volumes.backend "ebs" needs. None: only "zfs"
     * (pools on the hosts' own disks, replicated over SSH), which every target supports.
     */
    readonly blockVolumes?: "ebs";
    /**
     * The hosts run on the Docker engine `pulumi up` drives (this machine's, or local.dockerHost),
     * so a first try may leave mesos.images out: the stack pins the suggested tags to the digests
     * that engine pulls on the first `up` (stack/mesos-images.ts). Elsewhere config must pin them.
     */
    readonly imagesPinnedOnFirstUse: boolean;
    /**
     * The config key of the port every host's sshd listens on, where the user's hosts keep their
     * own (e.g. ["existing", "port"]). None: 22, which the target's own machines use. The port
     * checks and security groups (components/ports.ts) read it there.
     */
    readonly sshPortKey?: readonly string[];
}

/** apps.entry.enabled resolved: unset means on exactly where mgmt has a public address. */
export function appsEntryEnabled(enabled: boolean | undefined, target: Pick<HostTarget, "publicEntry">): boolean {
    return enabled ?? target.publicEntry;
}
