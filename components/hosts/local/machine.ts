/**
 * How a platform host runs as a container: the node image and the run flags that replace
 * `--privileged` (refused where CAP_SYS_RESOURCE is not in the bounding set). The local target
 * (Docker CLI commands, ./docker-cli.ts) and the lab both use this one description, so the lab proves the
 * local target's hosts.
 */
import * as path from "path";
import { packageRoot } from "../../provision/host-program";

export const NODE_IMAGE_DIR = "images/node";

/** The node image's build context, from the sources (components/) and from the build (dist/components/) alike. */
export function nodeImageContext(): string {
    return path.join(packageRoot(), NODE_IMAGE_DIR);
}
export const AUTHORIZED_KEYS_PATH = "/etc/ssh/platform_authorized_keys";

export const MACHINE_RUN = {
    capAdd: ["ALL"],
    capDrop: ["SYS_RESOURCE"],
    securityOpts: ["seccomp=unconfined", "systempaths=unconfined"],
    cgroupnsMode: "host" as const,
    /** Host paths bind-mounted into every machine. */
    binds: [{ host: "/sys/fs/cgroup", container: "/sys/fs/cgroup", readOnly: false }],
    tmpfs: ["/run", "/run/lock"],
    /** zfs-fuse needs FUSE. */
    devices: ["/dev/fuse"],
    /** A volume per machine so the inner Docker gets overlay2 (on the container root it falls back to vfs). */
    dockerVolumePath: "/var/lib/docker",
} as const;

/** The same flags as `docker run` arguments (used by the lab and by the bring-up script). */
export function dockerRunFlags(): string[] {
    return [
        ...MACHINE_RUN.capAdd.map((c) => `--cap-add=${c}`),
        ...MACHINE_RUN.capDrop.map((c) => `--cap-drop=${c}`),
        ...MACHINE_RUN.securityOpts.map((o) => `--security-opt=${o}`),
        `--cgroupns=${MACHINE_RUN.cgroupnsMode}`,
        ...MACHINE_RUN.binds.map((b) => `--volume=${b.host}:${b.container}${b.readOnly ? ":ro" : ""}`),
        ...MACHINE_RUN.tmpfs.map((t) => `--tmpfs=${t}`),
        ...MACHINE_RUN.devices.map((d) => `--device=${d}`),
    ];
}
