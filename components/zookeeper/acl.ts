import { createHash } from "crypto";
import { directory, exec, file, Op, q } from "../provision";

/**
 * ZooKeeper digest authentication (pure generators). After the ensemble serves, one step sets the
 * ACL of /, /mesos and /marathon (created when missing) to `digest:microservice:<hash>:cdrwa`: only
 * a client that authenticated with the stack's password may read, create, change or delete there.
 * zkCli reads its commands (the password among them) from 0600 root files on stdin, never argv.
 */

/** The digest user Mesos and Marathon authenticate as (`zk://microservice:<password>@...`). */
export const ZK_USER = "microservice";
/** The znodes whose ACL the step sets: the root (no one else creates beside them) and the two trees. */
export const PROTECTED_ZNODES = ["/", "/mesos", "/marathon"] as const;
/** Debian's ZooKeeper client (package zookeeper, a dependency of zookeeperd). */
export const ZKCLI = "/usr/share/zookeeper/bin/zkCli.sh";
export const ACL_DIR = "/etc/zookeeper/acl";

/** The step's files (each 0600 root, in a 0700 directory). */
export function aclFiles(dir = ACL_DIR) {
    return {
        dir,
        /** `addauth` with the stack's password: what the step authenticates with. */
        auth: `${dir}/auth.zkcli`,
        /** `addauth` with the password last applied: kept so that a rotation can still change ACLs set with the old one. */
        applied: `${dir}/applied.zkcli`,
        set: `${dir}/set.zkcli`,
        get: `${dir}/get.zkcli`,
        /** What `getAcl` prints for each protected znode once the ACLs are in place. */
        expected: `${dir}/expected`,
    };
}

/** ZooKeeper's digest of `user:password` (DigestAuthenticationProvider): base64 of its SHA-1. */
export function zkDigest(user: string, password: string): string {
    return createHash("sha1").update(`${user}:${password}`, "utf8").digest("base64");
}

/** The ACL every protected znode gets. */
export function zkAcl(password: string): string {
    return `digest:${ZK_USER}:${zkDigest(ZK_USER, password)}:cdrwa`;
}

/** `zk://microservice:<password>@servers/path`: Mesos and Marathon add the digest auth from the URL. */
export function zkUrlWithCredentials(servers: string, path: string, password: string): string {
    return `zk://${ZK_USER}:${password}@${servers}${path}`;
}

/** zkCli commands that authenticate (one file, mode 0600). */
export function authCommands(password: string): string {
    return `addauth digest ${ZK_USER}:${password}\n`;
}

/**
 * zkCli commands that create /mesos and /marathon if missing and set the ACLs: on / alone (its
 * /zookeeper tree keeps ZooKeeper's own), recursively on the two trees (so that znodes Mesos and
 * Marathon created under an older password follow a rotation). A `create` of an existing znode only
 * prints an error; zkCli goes on with the next line.
 */
export function setCommands(password: string): string {
    const acl = zkAcl(password);
    const trees = PROTECTED_ZNODES.filter((p) => p !== "/");
    return [...trees.map((p) => `create ${p}`), `setAcl / ${acl}`, ...trees.map((p) => `setAcl -R ${p} ${acl}`), ""].join("\n");
}

export function getCommands(): string {
    return [...PROTECTED_ZNODES.map((p) => `getAcl ${p}`), ""].join("\n");
}

/** `getAcl`'s answer for every protected znode when only the stack's digest has cdrwa. */
export function expectedAcls(password: string): string {
    return PROTECTED_ZNODES.map(() => `'digest,'${ZK_USER}:${zkDigest(ZK_USER, password)}\n: cdrwa\n`).join("");
}

export interface AclOptions {
    /** `ip1:2181,ip2:2181,...`: any serving member answers. */
    servers: string;
    /** Bound on each zkCli run (it retries a lost connection on its own). */
    timeoutSeconds?: number;
    /** The client; Debian's by default (tests point it elsewhere). */
    zkCli?: string;
    /** Where the step keeps its files (ACL_DIR by default). */
    dir?: string;
}

/**
 * Shell that exits 0 when each protected znode's ACL is exactly the stack's digest with cdrwa, as
 * seen by a client authenticated with the auth file (getAcl needs READ or ADMIN since ZooKeeper 3.5).
 * Only file names reach the command line.
 */
export function aclInPlaceCheck(o: AclOptions): string {
    const f = aclFiles(o.dir);
    return `cat ${q(f.auth)} ${q(f.get)} | ${zkCli(o)} 2>/dev/null | grep -E "^('|: )" | cmp -s - ${q(f.expected)}`;
}

function zkCli(o: AclOptions): string {
    return `timeout ${o.timeoutSeconds ?? 120} ${q(o.zkCli ?? ZKCLI)} -server ${q(o.servers)}`;
}

/**
 * The ACL step's ops (holds the password: run only in a secret step). Idempotent: when getAcl
 * already shows the stack's digest on every protected znode and this host recorded the password
 * as applied, nothing is written to ZooKeeper.
 * Otherwise it authenticates with the password last applied (if any) and the current one, sets the
 * ACLs, checks them again and only then records the current password as applied.
 */
export function aclOps(password: string, o: AclOptions): Op[] {
    const f = aclFiles(o.dir);
    const secretFile = (path: string, content: string) => file(path, content, { mode: "0600" });
    const check = aclInPlaceCheck(o);
    return [
        directory(f.dir, { mode: "0700" }),
        secretFile(f.auth, authCommands(password)),
        secretFile(f.set, setCommands(password)),
        secretFile(f.get, getCommands()),
        secretFile(f.expected, expectedAcls(password)),
        exec(
            `only digest ${ZK_USER} has cdrwa on ${PROTECTED_ZNODES.join(", ")}`,
            // The password in force is recorded too (a rotation needs it): set again when it is not.
            `cmp -s ${q(f.auth)} ${q(f.applied)} && ${check}`,
            [
                `{ [ ! -f ${q(f.applied)} ] || cat ${q(f.applied)}; cat ${q(f.auth)} ${q(f.set)}; } | ${zkCli(o)} >/dev/null 2>&1`,
                // FAILED lines are what a secret step's failure still shows.
                // eslint-disable-next-line max-len -- one rendered script line (the failure a secret step still shows), kept whole as it runs
                `${check} || { echo "FAILED ZooKeeper (${o.servers}): the ACLs of ${PROTECTED_ZNODES.join(", ")} are not digest:${ZK_USER} with cdrwa after setting them. Set before with a password this host no longer has (${f.applied})? See docs/platform.md, ZooKeeper authentication" >&2; exit 1; }`,
                `install -m 0600 ${q(f.auth)} ${q(f.applied)}`,
            ].join("\n"),
        ),
    ];
}
