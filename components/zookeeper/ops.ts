import { directory, exec, file, Op, packages, q, remember, service, waitFor } from "../provision";

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

/**
 * zoo.cfg of member `myid`: the original's values, one `server.<myid>` line per member (by myid,
 * never list order), and the client port on the member's own private address only (never every
 * interface: the client port is where Mesos' and Marathon's state is read and written).
 */
export function zooCfg(s: ZooSettings, members: ZooMember[], myid: number): string {
    const lines = [
        "# Managed by the stack (ZooKeeperEnsemble): local changes are overwritten.",
        `tickTime=${s.tickTime}`,
        `initLimit=${s.initLimit}`,
        `syncLimit=${s.syncLimit}`,
        `dataDir=${s.dataDir}`,
        `clientPort=${s.clientPort}`,
        `clientPortAddress=${memberIp(members, myid)}`,
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
export const ZOO_CFG = `${CONF}/zoo.cfg`;

/** The private address of member `myid` (where its client port listens). */
export function memberIp(members: ZooMember[], myid: number): string {
    const m = members.find((x) => x.id === myid);
    if (!m) throw new Error(`ZooKeeper member step: myid ${myid} is not among the members (${members.map((x) => x.id).join(", ")})`);
    return m.ip;
}

/** What a ZooKeeperEnsemble installs on each member. */
export const ZOOKEEPER_PACKAGES: readonly string[] = ["zookeeperd"];

/** The install step (runs on every member at once): the package and the dataDir. */
export function installOps(s: ZooSettings): Op[] {
    return [packages(...ZOOKEEPER_PACKAGES), directory(s.dataDir, { mode: "0750", owner: "zookeeper", group: "zookeeper" })];
}

/** Who the member step runs on and how long it waits for its member to serve again. */
export interface RollOptions {
    /** Host name, for messages. */
    host: string;
    timeoutSeconds: number;
}

/**
 * The member step, one member at a time (ZooKeeperEnsemble chains them): refuses a change that
 * would lose the quorum before it writes anything; writes zoo.cfg and myid; restarts ZooKeeper
 * only when one of them changed; then, if the ensemble served before this step, waits until this
 * member serves again, so that the next member's step never takes a second member down. On a new
 * ensemble nothing served before: no wait (a member alone never reaches the quorum).
 */
export function memberOps(s: ZooSettings, members: ZooMember[], myid: number, roll: RollOptions = { host: `member ${myid}`, timeoutSeconds: 240 }): Op[] {
    const ip = memberIp(members, myid);
    const modes = serveModes(members.length);
    const ops: Op[] = [
        exec(
            "a majority of the current and of the new ensemble keeps its id and address",
            quorumKeptCheck(ZOO_CFG, members),
            `${quorumKeptReport(ZOO_CFG, members)}; exit 1`,
        ),
        remember("MS_ZK_SERVED", "the ensemble served before this step", anyMemberServes(members, s.clientPort, modes)),
        file(ZOO_CFG, zooCfg(s, members, myid), { mode: "0644", tag: "zookeeper-config" }),
        // Debian reads /etc/zookeeper/conf/myid (and links /var/lib/zookeeper/myid to it).
        file(`${CONF}/myid`, `${myid}\n`, { mode: "0644", tag: "zookeeper-config" }),
    ];
    if (s.dataDir !== "/var/lib/zookeeper") ops.push(file(`${s.dataDir}/myid`, `${myid}\n`, { mode: "0644", tag: "zookeeper-config" }));
    ops.push(
        service("zookeeper", ["zookeeper-config"]),
        waitFor(
            `this member serves again (srvr: Mode ${modes}) before the next member changes`,
            `[ "\${MS_ZK_SERVED:-0}" = 0 ] || ${fourLetterWord("srvr", s.clientPort, ip)} | grep -Eq '^Mode: (${modes})$'`,
            roll.timeoutSeconds,
            `ZooKeeper on ${roll.host} (myid ${myid}) did not serve again within ${roll.timeoutSeconds} s after its change; ` +
                `the next members were left untouched (check: journalctl -u zookeeper, /var/log/zookeeper on ${roll.host})`,
        ),
    );
    return ops;
}

/** What srvr reports on a serving member: leader or follower, or standalone for a single member. */
export function serveModes(memberCount: number): string {
    return memberCount === 1 ? "standalone" : "leader|follower";
}

/** Exits 0 when one of the members (over the network, on its client port) reports a serving mode. */
export function anyMemberServes(members: ZooMember[], clientPort: number, modes: string): string {
    return members.map((m) => `{ ${fourLetterWord("srvr", clientPort, m.ip)} | grep -Eq '^Mode: (${modes})$'; }`).join(" || ");
}

/** Shell that sets old, new (sorted `id=address` lines), kept, n_old and n_new. */
function compareMembership(cfg: string, members: ZooMember[]): string {
    const next = members.map((m) => `${m.id}=${m.ip}`).join(" ");
    return [
        `old=$(sed -n 's/^server\\.\\([0-9]*\\)=\\([^:]*\\):.*/\\1=\\2/p' ${q(cfg)} 2>/dev/null | LC_ALL=C sort)`,
        `new=$(printf '%s\\n' ${next} | LC_ALL=C sort)`,
        `kept=$(LC_ALL=C comm -12 <(printf '%s\\n' "$old") <(printf '%s\\n' "$new") | grep -c . || true)`,
        `n_old=$(printf '%s\\n' "$old" | grep -c . || true)`,
        `n_new=$(printf '%s\\n' "$new" | grep -c . || true)`,
    ].join("; ");
}

/**
 * Exits 0 when the change keeps the quorum: this host's zoo.cfg names no ensemble yet (a new
 * member) or a single member (no quorum to keep: any change of a lone server restarts it), or more
 * than half of the current members and more than half of the new ones keep their id and address.
 * Moving or removing two of three members at once fails; one at a time passes.
 */
export function quorumKeptCheck(cfg: string, members: ZooMember[]): string {
    return `${compareMembership(cfg, members)}; [ "$n_old" -le 1 ] || { [ $((2 * kept)) -gt "$n_old" ] && [ $((2 * kept)) -gt "$n_new" ]; }`;
}

/** The refusal on stderr: both memberships and what to do. */
export function quorumKeptReport(cfg: string, members: ZooMember[]): string {
    return [
        compareMembership(cfg, members),
        // eslint-disable-next-line max-len -- one rendered script line (a message to the operator), kept whole as it runs
        `echo "ZooKeeper: change refused before it touched this member: $kept of the $n_old current members (id=address) stay as they are, and a quorum needs more than half of the current ($n_old) and of the new ($n_new) ensemble. Move, add or remove fewer members per up." >&2`,
        `echo "  current (${cfg}): $(echo $old)" >&2`,
        `echo "  new: $(echo $new)" >&2`,
    ].join("; ");
}

/** A shell pipeline printing a member's answer to a four-letter word (no netcat needed). */
export function fourLetterWord(word: string, port: number, address: string): string {
    return `timeout 5 bash -c ${q(`exec 5<>/dev/tcp/${address}/${port} || exit 1; printf ${word} >&5; cat <&5`)}`;
}

/** The readiness step: `srvr` on this member's address (`ip`) reports a quorum role (standalone for a single member). */
export function readyOps(s: ZooSettings, memberCount: number, timeoutSeconds: number, ip: string): Op[] {
    const modes = serveModes(memberCount);
    return [
        waitFor(
            `srvr reports Mode ${modes}`,
            `${fourLetterWord("srvr", s.clientPort, ip)} | grep -Eq '^Mode: (${modes})$'`,
            timeoutSeconds,
            `ZooKeeper did not join a quorum (srvr on ${ip}:${s.clientPort}; check: journalctl -u zookeeper, /var/log/zookeeper)`,
        ),
    ];
}
