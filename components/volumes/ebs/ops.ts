import { asRoot, directory, file, Op, packages, q } from "../../provision";
import { hostProgram } from "../../provision/host-program";
import { PATHS } from "../zfs/ops";

/** Pure generators of the FlockerEbsVolumes steps and commands (golden-tested). */

export const EBS_TOOL = "/usr/local/sbin/flocker-ebs-volume";
export const EBS_CONF = "/etc/microservice/volumes/ebs.conf";
/** Where the tool writes the mount unit of a volume. */
export const UNIT_DIR = "/etc/systemd/system";

export interface EbsHostSpec {
    hostIp: string;
    mountRoot: string;
    fsType: "ext4" | "xfs";
    appTimeoutSeconds: number;
    /** Bound on waiting for an attached volume to show up as a disk. */
    deviceTimeoutSeconds: number;
}

export function ebsConf(s: EbsHostSpec): string {
    const v: Record<string, string | number> = {
        MOUNT_ROOT: s.mountRoot,
        APPS_DIR: PATHS.apps,
        HOST_IP: s.hostIp,
        APP_TIMEOUT: s.appTimeoutSeconds,
        MARATHON_HOOK: PATHS.marathonHook,
        DEVICE_TIMEOUT: s.deviceTimeoutSeconds,
    };
    return Object.entries(v)
        .map(([k, x]) => `${k}=${q(String(x))}\n`)
        .join("");
}

/** What the tools step of an agent installs: the filesystem's tools, and python3 for the Marathon hook. */
export function ebsPackages(fsType: EbsHostSpec["fsType"]): string[] {
    return ["util-linux", "python3", fsType === "xfs" ? "xfsprogs" : "e2fsprogs"];
}

/** The Debian packages FlockerEbsVolumes installs on a host (agents only). */
export function flockerEbsPackages(host: { roles: readonly string[] }, s: { fsType: EbsHostSpec["fsType"] }): string[] {
    return host.roles.includes("agent") ? [...ebsPackages(s.fsType)].sort() : [];
}

/** The tools step of an agent: filesystem tools, the mount tool and the Marathon hook. */
export function ebsHostOps(s: EbsHostSpec): Op[] {
    return [
        packages(...ebsPackages(s.fsType)),
        file(EBS_TOOL, hostProgram("flocker-ebs-volume.sh", { CONF: EBS_CONF, UNIT_DIR }), { mode: "0755" }),
        file(PATHS.marathonHook, hostProgram("marathon-app.py"), { mode: "0755" }),
        directory(PATHS.confDir, { mode: "0755" }),
        file(EBS_CONF, ebsConf(s), { mode: "0644" }),
        directory(PATHS.apps, { mode: "0700" }),
    ];
}

/** On the primary, after the attachment: find the disk, format once, mount, start the app. */
export function attachMountCommand(name: string, volumeId: string, fsType: string, deviceName: string): string {
    return asRoot(`${EBS_TOOL} attach-mount ${q(name)} ${q(volumeId)} ${q(fsType)} ${q(deviceName)}`);
}

/** On the old primary, before the detach: stop the app, unmount. */
export function releaseCommand(name: string): string {
    return asRoot(`${EBS_TOOL} release ${q(name)}`);
}

/** EBS sizes are whole GiB: a fractional size rounds up, at least 1. */
export function ebsSizeGb(sizeGb: number): number {
    return Math.max(1, Math.ceil(sizeGb));
}
