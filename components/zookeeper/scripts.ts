import { file, Op, packages, q, service, waitFor, directory } from "../provision";

/** Pure generators of a ZooKeeper member's steps (Debian's zookeeperd package). */

export interface ZooSettings {
    clientPort: number;
    peerPort: number;
    electionPort: number;
    tickTime: number;
    initLimit: number;
    syncLimit: number;
    dataDir: string;
    autopurgeIntervalHours: number;
    autopurgeSnapRetainCount: number;
    fourLetterWords: string[];
    /** AdminServer (Jetty, 8080 by default, Marathon's port): moved to this port on this address, or disabled. */
    admin: { port: number; address: string } | false;
}

export interface ZooMember {
    id: number;
    ip: string;
}

/** zoo.cfg: the original's values, one `server.<myid>` line per member (by myid, never list order). */
export function zooCfg(s: ZooSettings, members: ZooMember[]): string {
    const lines = [
        "# Managed by the stack (ZooKeeperEnsemble): local changes are overwritten.",
        `tickTime=${s.tickTime}`,
        `initLimit=${s.initLimit}`,
        `syncLimit=${s.syncLimit}`,
        `dataDir=${s.dataDir}`,
        `clientPort=${s.clientPort}`,
        `autopurge.purgeInterval=${s.autopurgeIntervalHours}`,
        `autopurge.snapRetainCount=${s.autopurgeSnapRetainCount}`,
        `4lw.commands.whitelist=${s.fourLetterWords.join(",")}`,
        ...(s.admin ? [`admin.serverAddress=${s.admin.address}`, `admin.serverPort=${s.admin.port}`] : ["admin.enableServer=false"]),
        // Members bind their peer ports on every address, so a NATed or multi-homed host still joins.
        "quorumListenOnAllIPs=true",
        ...[...members].sort((a, b) => a.id - b.id).map((m) => `server.${m.id}=${m.ip}:${s.peerPort}:${s.electionPort}`),
        "",
    ];
    return lines.join("\n");
}

const CONF = "/etc/zookeeper/conf";

/** The member step: package, dataDir, zoo.cfg and myid; restarted only when one of them changed. */
export function memberOps(s: ZooSettings, members: ZooMember[], myid: number): Op[] {
    const ops: Op[] = [
        packages("zookeeperd"),
        directory(s.dataDir, { mode: "0750", owner: "zookeeper", group: "zookeeper" }),
        file(`${CONF}/zoo.cfg`, zooCfg(s, members), { mode: "0644", tag: "zookeeper-config" }),
        // Debian reads /etc/zookeeper/conf/myid (and links /var/lib/zookeeper/myid to it).
        file(`${CONF}/myid`, `${myid}\n`, { mode: "0644", tag: "zookeeper-config" }),
    ];
    if (s.dataDir !== "/var/lib/zookeeper") ops.push(file(`${s.dataDir}/myid`, `${myid}\n`, { mode: "0644", tag: "zookeeper-config" }));
    ops.push(service("zookeeper", ["zookeeper-config"]));
    return ops;
}

/** A shell pipeline printing the answer of a four-letter word on this host (no netcat needed). */
export function fourLetterWord(word: string, port: number): string {
    return `timeout 5 bash -c ${q(`exec 5<>/dev/tcp/127.0.0.1/${port} || exit 1; printf ${word} >&5; cat <&5`)}`;
}

/** The readiness step: `srvr` reports a quorum role (standalone for a single member). */
export function readyOps(s: ZooSettings, memberCount: number, timeoutSeconds: number): Op[] {
    const modes = memberCount === 1 ? "standalone" : "leader|follower";
    return [
        waitFor(
            `srvr reports Mode ${modes}`,
            `${fourLetterWord("srvr", s.clientPort)} | grep -Eq '^Mode: (${modes})$'`,
            timeoutSeconds,
            `ZooKeeper did not join a quorum (srvr on port ${s.clientPort}; check: journalctl -u zookeeper, /var/log/zookeeper)`,
        ),
    ];
}
