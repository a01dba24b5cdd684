/**
 * What the engine lab asks of the hosts themselves (never the engine's word): each check runs in a
 * host container of the stack (`docker exec`), polls with a bound, and returns what it saw.
 */
import { execFile } from "child_process";
import { aclFiles, ZKCLI } from "../../../components/zookeeper/acl";
import { MESOS_PROBE_CURLRC } from "../../../components/mesos/render";

export interface HostShell {
    /** Runs `cmd` with bash on `host`; rejects with the output when it exits non-zero. */
    (host: string, cmd: string, timeoutMs?: number): Promise<string>;
}

/** A shell on the stack's host containers `<prefix>-<host>`. */
export function hostShell(prefix: string): HostShell {
    return (host, cmd, timeoutMs = 120_000) =>
        new Promise((resolve, reject) =>
            execFile("docker", ["exec", `${prefix}-${host}`, "bash", "-c", cmd], { timeout: timeoutMs, maxBuffer: 16 << 20 }, (err, stdout, stderr) =>
                err ? reject(new Error(`${host}: ${cmd.split("\n")[0]}: ${err.message}\n${stdout}${stderr}`)) : resolve(stdout),
            ),
        );
}

/** `attempt()` until it returns a value, at most `seconds` (every 500 ms). */
export async function poll<T>(what: string, seconds: number, attempt: () => Promise<T | undefined>): Promise<T> {
    const deadline = Date.now() + seconds * 1000;
    let last: unknown;
    for (;;) {
        try {
            const v = await attempt();
            if (v !== undefined) return v;
        } catch (e) {
            last = e;
        }
        if (Date.now() > deadline) throw new Error(`timed out after ${seconds} s waiting for ${what}${last ? `: ${last}` : ""}`);
        await new Promise((r) => setTimeout(r, 500));
    }
}

/** A ZooKeeper member: its host and the private address its client port listens on (clientPortAddress). */
export interface ZkMember {
    name: string;
    ip: string;
}

/** ZooKeeper's `srvr` mode of each member, asked on its host at its address ("leader", "follower", or "" when it does not serve). */
export async function zookeeperModes(sh: HostShell, members: ZkMember[], port = 2181): Promise<string[]> {
    return Promise.all(
        members.map((h) =>
            sh(h.name, `timeout 5 bash -c 'exec 5<>/dev/tcp/${h.ip}/${port} || exit 0; printf srvr >&5; cat <&5' | sed -n 's/^Mode: //p'`).then(
                (s) => s.trim(),
                () => "",
            ),
        ),
    );
}

/** One leader and the rest followers, within `seconds`. */
export function quorumServes(sh: HostShell, members: ZkMember[], seconds = 120): Promise<string[]> {
    return poll("a ZooKeeper quorum (srvr on every member)", seconds, async () => {
        const m = await zookeeperModes(sh, members);
        return m.filter((x) => x === "leader").length === 1 && m.filter((x) => x === "follower").length === members.length - 1 ? m : undefined;
    });
}

/**
 * What zkCli prints when `on` runs `command` against `server` (host:port) without authenticating:
 * ZooKeeper 3.8 answers a refused write with "Insufficient permission : <path>".
 */
export async function zkCliUnauthenticated(sh: HostShell, on: string, server: string, command: string): Promise<string> {
    return sh(on, `timeout 60 ${ZKCLI} -server ${server} ${command} 2>&1 || true`);
}

/**
 * The same with the stack's credentials: the commands reach zkCli on stdin after the ACL step's
 * `addauth` file (on `on`, the first member), so the password never shows on a command line.
 */
export async function zkCliAuthenticated(sh: HostShell, on: string, server: string, commands: string[]): Promise<string> {
    return sh(on, `{ cat ${aclFiles().auth}; printf '%s\n' ${commands.map((c) => `'${c}'`).join(" ")}; } | timeout 60 ${ZKCLI} -server ${server} 2>&1 || true`);
}

/** A tiny image made on `from`, pushed with the stack's login; its digest as `from` saw it. */
export async function pushTiny(sh: HostShell, from: string, registry: string, tag: string): Promise<string> {
    const image = `${registry}/lab/tiny:${tag}`;
    const out = await sh(
        from,
        `set -e; d=$(mktemp -d); echo engine-lab >$d/hello; tar -C $d -c . | docker import - ${image} >/dev/null; rm -rf $d
         docker push ${image} >/dev/null; docker image inspect --format '{{index .RepoDigests 0}}' ${image}`,
    );
    return out.trim().split("@")[1];
}

/** The digest `on` pulls for `<registry>/lab/tiny:<tag>` with the stack's login. */
export async function pullTiny(sh: HostShell, on: string, registry: string, tag: string): Promise<string> {
    const image = `${registry}/lab/tiny:${tag}`;
    const out = await sh(
        on,
        `docker pull ${image} >/dev/null && docker image inspect --format '{{index .RepoDigests 0}}' ${image} && docker rmi ${image} >/dev/null`,
    );
    return out.trim().split("@")[1];
}

/** HTTP status of an anonymous pull of the registry's catalogue over TLS with the stack CA, from `on`. */
export async function anonymousRegistryStatus(sh: HostShell, on: string, registry: string): Promise<string> {
    return (await sh(on, `curl -s -o /dev/null -w '%{http_code}' --cacert /etc/docker/certs.d/${registry}/ca.crt https://${registry}/v2/_catalog`)).trim();
}

/** A syslog line sent on `from` (journald -> rsyslog -> the log server); the file it landed in on `server`. */
export async function logLineReaches(sh: HostShell, from: string, server: string, marker: string, seconds = 60): Promise<string> {
    await sh(from, `systemd-run --quiet --unit=engine-lab-${marker} -p SyslogIdentifier=marathon /bin/echo ${marker}`);
    return poll(`${marker} from ${from} on ${server}`, seconds, async () => {
        const f = (await sh(server, `grep -rl ${marker} /var/log/remote/${from}/ 2>/dev/null || true`)).trim();
        return f || undefined;
    });
}

/** The swarm's nodes as the manager sees them: `<hostname> <status>` lines. */
export async function swarmNodes(sh: HostShell, manager: string): Promise<string[]> {
    return (await sh(manager, "docker node ls --format '{{.Hostname}} {{.Status}}'")).trim().split("\n").sort();
}

/** The hosts the Mesos master (the lab's double) has as active agents (asked as the operator, as the probes do). */
export async function activeAgents(sh: HostShell, master: string, ip: string, port = 5050): Promise<string[]> {
    const out = await sh(master, `curl -fsS -K ${MESOS_PROBE_CURLRC} http://${ip}:${port}/master/slaves`);
    return (JSON.parse(out).slaves as { hostname: string; active: boolean }[])
        .filter((s) => s.active)
        .map((s) => s.hostname)
        .sort();
}

/** systemd's view of a unit on a host: main PID, this run's InvocationID (new on every start), restarts. */
export async function unitState(sh: HostShell, host: string, unit: string): Promise<{ pid: string; invocation: string; restarts: string; active: string }> {
    const out = await sh(host, `systemctl show -p MainPID -p InvocationID -p NRestarts -p ActiveState ${unit}`);
    const p = Object.fromEntries(
        out
            .trim()
            .split("\n")
            .map((l) => [l.slice(0, l.indexOf("=")), l.slice(l.indexOf("=") + 1)]),
    );
    return { pid: p.MainPID, invocation: p.InvocationID, restarts: p.NRestarts, active: p.ActiveState };
}
