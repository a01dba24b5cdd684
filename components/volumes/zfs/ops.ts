import * as path from "path";
import { absent, directory, emit, exec, file, masked, Op, packages, q, service, systemUser, unit, waitFor } from "../../provision";
import { AppHooks } from "../settings";
import { hostProgram } from "../../provision/host-program";

/** Pure generators of the FlockerZfsCluster steps (golden-tested). */

export const PATHS = {
    tool: "/usr/local/sbin/flocker-volume",
    marathonHook: "/usr/local/lib/microservice/volumes/marathon-app",
    confDir: "/etc/microservice/volumes",
    conf: "/etc/microservice/volumes/volumes.conf",
    peers: "/etc/microservice/volumes/peers",
    knownHosts: "/etc/microservice/volumes/known_hosts",
    key: "/etc/microservice/volumes/id_replication",
    apps: "/etc/microservice/volumes/apps",
    state: "/var/lib/microservice/volumes",
    sudoers: "/etc/sudoers.d/microservice-volumes",
    hostKey: "/etc/ssh/ssh_host_ed25519_key.pub",
} as const;

export const FUSE_UNIT = "microservice-zfs-fuse.service";

export interface PoolSpec {
    implementation: "auto" | "kernel" | "fuse";
    name: string;
    vdevSizeGb: number;
    vdevPath: string;
}

const KERNEL_HAS_ZFS = "[ -d /sys/module/zfs ] || modprobe -n zfs 2>/dev/null";
const installed = (pkg: string) => `dpkg-query -W -f='\${Status}' ${pkg} 2>/dev/null | grep -q 'install ok installed'`;

/**
 * zfs-fuse without its packaged service: its init script must lower oom_score_adj, which fails
 * where CAP_SYS_RESOURCE is missing (containers), and a second daemon would fight ours. A
 * policy-rc.d keeps dpkg from starting it (an existing policy-rc.d is left as it is). apt_install
 * is the step prelude's (components/provision/script.ts): no second `apt-get update` on the host.
 */
const INSTALL_FUSE = [
    "own=0",
    "if [ ! -e /usr/sbin/policy-rc.d ]; then printf '#!/bin/sh\\nexit 101\\n' >/usr/sbin/policy-rc.d; chmod 0755 /usr/sbin/policy-rc.d; own=1; fi",
    "rc=0",
    "apt_install zfs-fuse || rc=$?",
    "if [ $own = 1 ]; then rm -f /usr/sbin/policy-rc.d; fi",
    "exit $rc",
].join("\n");

/** The daemon under our own unit; mounts the primary datasets (canmount=on) once it answers. */
export function fuseUnit(): string {
    /* eslint-disable max-len -- a rendered unit line (ExecStartPost) is longer; a unit file is kept as written */
    return `[Unit]
Description=ZFS through FUSE (zfs-fuse) for the movable volumes
After=local-fs.target network.target
Before=docker.service

[Service]
Type=simple
ExecStart=/sbin/zfs-fuse --no-daemon --no-kstat-mount --pidfile /run/zfs-fuse.pid
ExecStartPost=/bin/bash -c 'for i in $(seq 1 120); do if zpool list >/dev/null 2>&1; then exec zfs mount -a; fi; sleep 0.5; done; echo "zfs-fuse did not answer within 60 s" >&2; exit 1'
ExecStop=/bin/bash -c 'zfs umount -a || true'
Restart=on-failure
RestartSec=2

[Install]
WantedBy=multi-user.target
`;
    /* eslint-enable max-len */
}

function fuseOps(): Op[] {
    return [exec("zfs-fuse installed", installed("zfs-fuse"), INSTALL_FUSE), masked("zfs-fuse.service"), unit(FUSE_UNIT, fuseUnit())];
}

/** What the zfs step installs as a package op: OpenZFS's userland where asked for; "auto" decides on the host (zfsOps). */
export function zfsPackages(implementation: PoolSpec["implementation"]): string[] {
    return implementation === "kernel" ? ["zfsutils-linux"] : [];
}

/** What the replication step of an agent installs. */
export const REPLICATION_PACKAGES: readonly string[] = ["openssh-client", "sudo", "python3"];

/** The Debian packages FlockerZfsCluster installs on a host (agents only). */
export function flockerZfsPackages(host: { roles: readonly string[] }, s: { implementation: PoolSpec["implementation"] }): string[] {
    return host.roles.includes("agent") ? [...zfsPackages(s.implementation), ...REPLICATION_PACKAGES].sort() : [];
}

/**
 * The zfs step of an agent: ZFS userland (OpenZFS where the kernel has the module, else zfs-fuse
 * under its own unit) and the pool on a sparse file vdev, created only when it is absent (an
 * existing vdev is imported, never overwritten).
 */
export function zfsOps(p: PoolSpec): Op[] {
    const ops: Op[] = [];
    if (p.implementation === "kernel") {
        ops.push(packages(...zfsPackages(p.implementation)));
    } else if (p.implementation === "fuse") {
        ops.push(...fuseOps(), service(FUSE_UNIT));
    } else {
        ops.push(
            exec(
                "ZFS userland (OpenZFS if the kernel has ZFS, else zfs-fuse)",
                "command -v zpool && command -v zfs",
                `if ${KERNEL_HAS_ZFS}; then apt_install zfsutils-linux; else\n${INSTALL_FUSE}\nfi`,
            ),
            // Only where the exec above chose zfs-fuse.
            masked("zfs-fuse.service", installed("zfs-fuse")),
            unit(FUSE_UNIT, fuseUnit()),
            // Kernel ZFS needs no daemon: the unit runs only where zfs-fuse is the implementation.
            exec(
                `${FUSE_UNIT} running where the kernel has no ZFS`,
                `${KERNEL_HAS_ZFS} || systemctl is-active --quiet ${FUSE_UNIT}`,
                `systemctl enable --quiet ${FUSE_UNIT} && systemctl start ${FUSE_UNIT}`,
            ),
        );
    }
    const dir = path.posix.dirname(p.vdevPath);
    ops.push(
        waitFor("ZFS answers", "zpool list", 60, "zpool list did not answer (is the ZFS module or the zfs-fuse daemon running?)"),
        directory(dir, { mode: "0700" }),
        exec(
            `pool ${p.name} on ${p.vdevPath} (${p.vdevSizeGb} GB sparse file)`,
            `zpool list -H -o name ${q(p.name)}`,
            [
                `if [ -e ${q(p.vdevPath)} ] && zpool import -d ${q(dir)} ${q(p.name)} 2>/dev/null; then exit 0; fi`,
                `[ -e ${q(p.vdevPath)} ] || truncate -s ${p.vdevSizeGb}G ${q(p.vdevPath)}`,
                `zpool create -m none ${q(p.name)} ${q(p.vdevPath)}`,
            ].join("\n"),
        ),
    );
    return ops;
}

export interface ReplicationSpec {
    hostName: string;
    hostIp: string;
    pool: string;
    mountRoot: string;
    user: string;
    /** OpenSSH public key line of the stack's replication key. */
    publicKey: string;
    appTimeoutSeconds: number;
    transferTimeoutSeconds: number;
}

/** The tool's settings on one host (sourced by bash: every value single-quoted). */
export function toolConf(r: ReplicationSpec): string {
    const v: Record<string, string | number> = {
        POOL: r.pool,
        MOUNT_ROOT: r.mountRoot,
        STATE_DIR: PATHS.state,
        APPS_DIR: PATHS.apps,
        PEERS: PATHS.peers,
        HOST_NAME: r.hostName,
        HOST_IP: r.hostIp,
        REPL_USER: r.user,
        SSH_KEY: PATHS.key,
        KNOWN_HOSTS: PATHS.knownHosts,
        APP_TIMEOUT: r.appTimeoutSeconds,
        TRANSFER_TIMEOUT: r.transferTimeoutSeconds,
        MARATHON_HOOK: PATHS.marathonHook,
    };
    return Object.entries(v)
        .map(([k, x]) => `${k}=${q(String(x))}\n`)
        .join("");
}

/** The one line peers' keys may run: the tool's `serve` verb, no shell, no forwarding. */
export function authorizedKey(publicKey: string): string {
    return `restrict,command="${PATHS.tool} serve" ${publicKey.trim()}\n`;
}

export function sudoersRule(user: string): string {
    return [
        "# The replication key's forced command may run the volume tool's peer verbs as root (they check their arguments).",
        `Defaults:${user} !requiretty`,
        `${user} ALL=(root) NOPASSWD: ${PATHS.tool} peer *`,
        "",
    ].join("\n");
}

/**
 * The replication step of an agent: the tool, a dedicated user whose only key runs the tool's
 * `serve` verb (never root's login key), the sudo rule for it, and the host's SSH host key on
 * stdout so that peers can pin it (no StrictHostKeyChecking=no anywhere).
 */
export function replicationOps(r: ReplicationSpec): Op[] {
    const home = `/var/lib/${r.user}`;
    return [
        packages(...REPLICATION_PACKAGES),
        file(PATHS.tool, hostProgram("flocker-volume.sh", { CONF: PATHS.conf, TOOL: PATHS.tool }), { mode: "0755" }),
        file(PATHS.marathonHook, hostProgram("marathon-app.py"), { mode: "0755" }),
        directory(PATHS.confDir, { mode: "0755" }),
        file(PATHS.conf, toolConf(r), { mode: "0644" }),
        directory(PATHS.apps, { mode: "0700" }),
        directory(PATHS.state, { mode: "0700" }),
        // A shell: the forced command of its key runs through it.
        systemUser(r.user, { home, shell: "/bin/sh" }),
        // Root owns the user's .ssh: the user cannot add keys of its own.
        directory(home, { mode: "0755" }),
        directory(`${home}/.ssh`, { mode: "0755" }),
        file(`${home}/.ssh/authorized_keys`, authorizedKey(r.publicKey), { mode: "0644" }),
        file(PATHS.sudoers, sudoersRule(r.user), { mode: "0440" }),
        exec("sudoers rule valid", `visudo -cqf ${PATHS.sudoers}`, `rm -f ${PATHS.sudoers}; echo "invalid sudoers rule removed" >&2; exit 1`),
        emit(`cat ${PATHS.hostKey}`),
    ];
}

export interface Peer {
    name: string;
    ip: string;
    /** `ssh-ed25519 AAAA...` as the host printed it (a trailing comment is dropped). */
    hostKey: string;
}

export function knownHosts(peers: readonly Peer[]): string {
    return peers.map((p) => `${p.ip} ${p.hostKey.trim().split(/\s+/).slice(0, 2).join(" ")}\n`).join("");
}

export function peersFile(peers: readonly Peer[]): string {
    return peers.map((p) => `${p.name} ${p.ip}\n`).join("");
}

/** The peers step (secret: it holds the replication private key, 0600 root). */
export function peersOps(privateKey: string, peers: readonly Peer[]): Op[] {
    return [
        file(PATHS.key, privateKey.endsWith("\n") ? privateKey : `${privateKey}\n`, { mode: "0600" }),
        file(PATHS.knownHosts, knownHosts(peers), { mode: "0644" }),
        file(PATHS.peers, peersFile(peers), { mode: "0644" }),
    ];
}

export interface MarathonAccess {
    url: string;
    username: string;
    password: string;
    /** PEM of the CA that signed Marathon's certificate ("" for none / system trust). */
    caCert: string;
}

export interface AppHookSpec {
    name: string;
    app?: AppHooks;
}

const MARATHON_CA = `${PATHS.apps}/marathon-ca.pem`;

/**
 * The hooks step of an agent: how a move stops and starts each volume's app. The files are the
 * same on every agent (stop runs on the source, start on the new primary). Secret when a
 * Marathon password is in it.
 */
export function hookOps(datasets: readonly AppHookSpec[], marathon: MarathonAccess | undefined, appTimeoutSeconds: number): Op[] {
    const ops: Op[] = [];
    const usesMarathon = datasets.some((d) => d.app?.kind === "marathon");
    if (usesMarathon && !marathon) throw new Error("a volume's app is a Marathon app, but no Marathon endpoint was given");
    if (usesMarathon && marathon!.caCert)
        ops.push(file(MARATHON_CA, marathon!.caCert.endsWith("\n") ? marathon!.caCert : `${marathon!.caCert}\n`, { mode: "0644" }));
    else ops.push(absent(MARATHON_CA));
    for (const d of datasets) {
        const base = `${PATHS.apps}/${d.name}`;
        if (d.app?.kind === "marathon") {
            const conf = {
                url: marathon!.url,
                username: marathon!.username,
                password: marathon!.password,
                appId: d.app.appId,
                timeoutSeconds: appTimeoutSeconds,
                caFile: marathon!.caCert ? MARATHON_CA : "",
            };
            ops.push(file(`${base}.marathon`, JSON.stringify(conf, null, 2) + "\n", { mode: "0600" }), absent(`${base}.stop`), absent(`${base}.start`));
        } else if (d.app?.kind === "command") {
            ops.push(
                absent(`${base}.marathon`),
                file(`${base}.stop`, `#!/bin/bash\n# Stops the app of volume ${d.name} (runs on the source of a move).\nset -euo pipefail\n${d.app.stop}\n`, {
                    mode: "0700",
                }),
                file(
                    `${base}.start`,
                    `#!/bin/bash\n# Starts the app of volume ${d.name} on its primary ($VOLUME_PATH is mounted).\nset -euo pipefail\n${d.app.start}\n`,
                    { mode: "0700" },
                ),
            );
        } else {
            ops.push(absent(`${base}.marathon`), absent(`${base}.stop`), absent(`${base}.start`));
        }
    }
    return ops;
}

/** Quota in bytes: sizes are GiB, as Flocker's `maximum_size` (1 GB = 1073741824). */
export function quotaBytes(sizeGb: number): number {
    // A whole number of MiB (the schema's rule): never Infinity, NaN, 0 (= no quota) or a fraction of a byte.
    const mib = sizeGb * 1024;
    if (!Number.isFinite(mib) || !Number.isInteger(mib) || mib < 1) throw new Error(`volume size: expected a whole number of MiB, got ${sizeGb} GB`);
    return mib * 1024 * 1024;
}

/**
 * The placement step of one dataset, on its desired primary: nothing when the dataset is primary
 * here already; otherwise create it (no host has it) or move it here (see docs/volumes.md).
 * Its content names the host and the size, so changing the primary re-runs exactly this step.
 */
export function datasetOps(name: string, sizeGb: number): Op[] {
    const quota = quotaBytes(sizeGb);
    return [
        exec(`volume ${name} is primary here`, `${PATHS.tool} is-placed ${q(name)} ${quota}`, `${PATHS.tool} place ${q(name)} ${quota}`),
        emit(`cat ${q(`${PATHS.state}/${name}.last-move`)} 2>/dev/null || true`),
    ];
}
