import { Op, absent, assertThat, directory, exec, file, image, packages, q, remember, runtimeDirectory, service, unit, waitFor } from "../provision";
import { Role } from "../hosts/host";
import * as r from "./render";
import { byDigest, MirroredImage } from "./images";
import { CgroupMode, MesosImages } from "./settings";

/** Pure generators of MesosCluster's host steps (desired-state ops, see components/provision). */

const AGENT_TAG = "mesos-agent-config";
const MASTER_TAG = "mesos-master-config";
const MARATHON_TAG = "marathon-config";

/** Who a master step runs on and what it waits for after a restart (see masterOps). */
export interface MasterRoll {
    host: string;
    /** Every master's address (the leader is looked for among them). */
    masterIps: readonly string[];
    timeoutSeconds: number;
}

/** What a master's and an agent's step install: curl and jq for the readiness probes. */
export const PROBE_PACKAGES: readonly string[] = ["curl", "jq"];
/** What the mirror step on mgmt installs. */
export const MIRROR_PACKAGES: readonly string[] = ["skopeo"];

/** What a Marathon step installs: curl for its probes; with HTTPS, openssl for the keystore. */
export function marathonPackages(tls: boolean): string[] {
    return ["curl", ...(tls ? ["openssl"] : [])];
}

/** The roles that run a Mesos or Marathon daemon, each from its image in MesosImages. */
export const DAEMON_ROLES = ["master", "agent", "marathon"] as const;

/**
 * The images a host's daemons run (its roles master, agent, marathon), each once, by digest as the
 * units run them: pulled by their own step before the daemons' steps, so that the pulls overlap the
 * other layers' steps instead of starting with the units. Nothing for a host without those roles.
 */
export function imageOps(roles: readonly Role[], images: MesosImages): Op[] {
    const daemons = DAEMON_ROLES.filter((d) => roles.includes(d));
    return [...new Set(daemons.map((d) => byDigest(images[d])))].map((ref) => image(ref));
}

/**
 * A master's step, one master at a time (MesosCluster chains them). If a master led before this
 * step, it waits after a restart until this master answers /health and one leader is elected, so
 * the next master's step never takes a second one down. A new cluster had no leader: no wait (a
 * master alone may not reach the quorum).
 */
export function masterOps(m: r.MasterSpec, image: string, secrets: r.MesosSecrets, roll?: MasterRoll): Op[] {
    const ops: Op[] = [
        // curl and jq serve the readiness probes; the probes' credentials before the first probe.
        packages(...PROBE_PACKAGES),
        directory(r.MESOS_ETC, { mode: "0755" }),
        probeCurlrc(secrets.operator),
    ];
    if (roll) ops.push(remember("MS_MESOS_LED", "a Mesos master led before this step", oneLeader(roll.masterIps, m.port)));
    ops.push(
        directory(r.MASTER_WORK_DIR, { mode: "0750" }),
        containerRun(),
        file(r.MASTER_ENV, r.masterEnv(m), { mode: "0600", tag: MASTER_TAG }),
        file(r.MASTER_CREDENTIALS, r.masterCredentials(secrets), { mode: "0600", tag: MASTER_TAG }),
        file(r.MASTER_ACLS, r.masterAcls(), { mode: "0600", tag: MASTER_TAG }),
        unit(r.MASTER_UNIT, r.masterUnit(image)),
        service(r.MASTER_UNIT, [MASTER_TAG]),
    );
    if (roll) {
        ops.push(
            waitFor(
                `this master answers /health and one leader is elected before the next master changes`,
                `[ "\${MS_MESOS_LED:-0}" = 0 ] || { ${mesosCurl} -o /dev/null http://${m.ip}:${m.port}/health && ${oneLeader(roll.masterIps, m.port)}; }`,
                roll.timeoutSeconds,
                `the Mesos master on ${roll.host} (${m.ip}:${m.port}) did not answer /health with one elected leader ` +
                    `within ${roll.timeoutSeconds} s after its change; the next masters were left untouched (journalctl -u mesos-master on ${roll.host})`,
            ),
        );
    }
    return ops;
}

/** Exits 0 when exactly one of the masters reports master/elected (its /metrics/snapshot). */
export function oneLeader(masterIps: readonly string[], port: number): string {
    return `for m in ${masterIps.join(" ")}; do ${mesosCurl} http://$m:${port}/metrics/snapshot; done | jq -se 'map(."master/elected" // 0) | add == 1'`;
}

/**
 * Exits 0 when the host has a cgroup v1 hierarchy with the `cpu` controller: released Mesos'
 * Docker containerizer refuses to start without one (src/docker/docker.cpp, Docker::create).
 */
export function cgroupV1CpuProbe(mounts = "/proc/self/mounts"): string {
    return `awk '$3 == "cgroup" && ("," $4 ",") ~ /,cpu,/ { found = 1 } END { exit !found }' ${mounts}`;
}

export const cgroupV2Message = (host: string) =>
    `${host} has no cgroup v1 'cpu' hierarchy (cgroup v2 only: stat -fc %T /sys/fs/cgroup says cgroup2fs). ` +
    `Released Mesos agents exit there with "Failed to find a mounted cgroups hierarchy for the 'cpu' subsystem". ` +
    `Boot the host with systemd.unified_cgroup_hierarchy=0 (docs/mesos.md, cgroups), or set mesos.cgroups to v2 ` +
    `if your agent image was built with cgroup v2 support`;

/** The cgroup-dependent flags: fixed (v1, v2) or chosen per host at run time (auto). */
export function cgroupOps(host: string, mode: CgroupMode, mounts?: string): Op[] {
    if (mode === "v2") return [file(r.AGENT_CGROUPS_ENV, r.agentCgroupsEnv("v2"), { mode: "0644", tag: AGENT_TAG })];
    if (mode === "v1") {
        return [
            // A check, not a wait: a host's cgroup mode only changes with a reboot.
            assertThat("cgroup v1 'cpu' hierarchy", cgroupV1CpuProbe(mounts), cgroupV2Message(host)),
            file(r.AGENT_CGROUPS_ENV, r.agentCgroupsEnv("v1"), { mode: "0644", tag: AGENT_TAG }),
        ];
    }
    const v1 = `${r.MESOS_ETC}/agent-cgroups-v1.env`;
    const v2 = `${r.MESOS_ETC}/agent-cgroups-v2.env`;
    const choose = `if ${cgroupV1CpuProbe(mounts)}; then f=${v1}; else f=${v2}; fi`;
    return [
        file(v1, r.agentCgroupsEnv("v1"), { mode: "0644" }),
        file(v2, r.agentCgroupsEnv("v2"), { mode: "0644" }),
        exec(
            "cgroup flags for this host's hierarchy",
            `${choose}; cmp -s "$f" ${r.AGENT_CGROUPS_ENV}`,
            `${choose}; install -m 0644 "$f" ${r.AGENT_CGROUPS_ENV}; echo "mesos agent: cgroup flags from $f" >&2`,
            AGENT_TAG,
        ),
    ];
}

/**
 * Exits 0 when the identity the agent last ran with (`identityFile`) allows it to keep its id with
 * `ip` and `attributes` under --reconfiguration_policy=additive: same hostname, every old
 * attribute still there with its value (topology.ts isAdditiveChange is the same rule).
 */
export function additiveCheck(identityFile: string, ip: string, attributes: string): string {
    return [
        `old_host=$(sed -n 's/^hostname=//p' ${identityFile})`,
        `old_attrs=$(sed -n 's/^attributes=//p' ${identityFile})`,
        `[ "$old_host" = ${q(ip)} ] || exit 1`,
        `IFS=';' read -ra pairs <<< "$old_attrs"`,
        `for p in "\${pairs[@]}"; do [ -z "$p" ] || [[ ${q(`;${attributes};`)} == *";$p;"* ]] || exit 1; done`,
    ].join("\n");
}

/** Holds the agent's and the operator's secrets: run only in a secret step. */
export function agentOps(host: string, a: r.AgentSpec, secrets: Pick<r.MesosSecrets, "agent" | "operator">, cgroups: CgroupMode, mounts?: string): Op[] {
    const latest = `${r.AGENT_WORK_DIR}/meta/slaves/latest`;
    return [
        packages(...PROBE_PACKAGES),
        directory(r.MESOS_ETC, { mode: "0755" }),
        probeCurlrc(secrets.operator),
        file(r.AGENT_CREDENTIAL, r.agentCredential(secrets.agent), { mode: "0600", tag: AGENT_TAG }),
        file(r.AGENT_HTTP_CREDENTIALS, r.agentHttpCredentials(secrets.operator), { mode: "0600", tag: AGENT_TAG }),
        directory(r.AGENT_WORK_DIR, { mode: "0755" }),
        // Under /run (a tmpfs): the host re-creates it at boot, so a reboot is no change for this step.
        ...runtimeDirectory(r.AGENT_RUNTIME_DIR_CANONICAL, { conf: r.AGENT_RUNTIME_TMPFILES, mode: "0755", comment: r.AGENT_RUNTIME_TMPFILES_COMMENT }),
        containerRun(),
        ...cgroupOps(host, cgroups, mounts),
        file(r.AGENT_ENV, r.agentEnv(a), { mode: "0600", tag: AGENT_TAG }),
        // A removed or changed attribute (or a new hostname) would leave the agent unable to
        // recover ("Incompatible agent info"): it starts under a new id instead, and the tasks it
        // ran are killed and rescheduled by Marathon (docs/mesos.md).
        exec(
            "agent forgets its id after a non-additive change of hostname or attributes",
            `[ ! -e ${latest} ] || [ ! -f ${r.AGENT_IDENTITY} ] || ( ${additiveCheck(r.AGENT_IDENTITY, a.ip, a.attributes)} )`,
            `rm -f ${latest}; echo "mesos agent on ${host}: attributes or hostname changed in a non-additive way: it registers under a new id" >&2`,
            AGENT_TAG,
        ),
        file(r.AGENT_IDENTITY, r.agentIdentity(a.ip, a.attributes), { mode: "0644" }),
        unit(
            r.AGENT_UNIT,
            r.agentUnit({ image: a.image, dockerSocket: a.dockerSocket, dockerCli: a.dockerCli, dockerConfig: a.dockerConfig, privileges: a.privileges }),
        ),
        service(r.AGENT_UNIT, [AGENT_TAG]),
    ];
}

/** Marathon over HTTPS: its certificate (PEM, from the stack CA), the CA, the key's path on this host, the keystore's password (a secret). */
export interface MarathonTls {
    certPem: string;
    caPem: string;
    keyPath: string;
    keystorePassword: string;
}

/** Holds the password, the framework secret and the keystore's password: run only in a secret step. */
export function marathonOps(m: r.MarathonSpec, image: string, username: string, password: string, frameworkSecret: string, tls?: MarathonTls): Op[] {
    if ((m.httpsPort === undefined) !== (tls === undefined))
        throw new Error("marathonOps: httpsPort and tls go together (HTTPS needs the certificate, the key and the keystore's password)");
    const pem = (s: string) => (s.endsWith("\n") ? s : `${s}\n`);
    return [
        packages(...marathonPackages(tls !== undefined)),
        directory(r.MARATHON_ETC, { mode: "0755" }),
        containerRun(),
        file(r.MARATHON_ENV, r.marathonEnv(m), { mode: "0600", tag: MARATHON_TAG }),
        file(r.MARATHON_CREDENTIALS_ENV, r.marathonCredentialsEnv(username, password, tls?.keystorePassword), { mode: "0600", tag: MARATHON_TAG }),
        file(r.MARATHON_CURLRC, r.marathonCurlrc(username, password), { mode: "0600" }),
        file(r.MARATHON_MESOS_SECRET, frameworkSecret, { mode: "0600", tag: MARATHON_TAG }),
        ...(tls
            ? [
                  directory(r.MARATHON_TLS_DIR, { mode: "0755" }),
                  file(r.MARATHON_CERT, pem(tls.certPem), { mode: "0644" }),
                  file(r.MARATHON_CA, pem(tls.caPem), { mode: "0644" }),
                  ...keystoreOps(
                      { cert: r.MARATHON_CERT, key: tls.keyPath, ca: r.MARATHON_CA, keystore: r.MARATHON_KEYSTORE, passwordEnv: r.MARATHON_CREDENTIALS_ENV },
                      MARATHON_TAG,
                  ),
              ]
            : // Back to plain HTTP: the keystore (it holds the key) and its certificates go.
              [absent(r.MARATHON_KEYSTORE), absent(r.MARATHON_CERT), absent(r.MARATHON_CA)]),
        unit(r.MARATHON_UNIT, r.marathonUnit(image, tls !== undefined)),
        service(r.MARATHON_UNIT, [MARATHON_TAG]),
    ];
}

/** Where the keystore step reads and writes (absolute paths; the unit tests use a temporary directory). */
export interface KeystorePaths {
    cert: string;
    key: string;
    ca: string;
    keystore: string;
    /** The 0600 env file with the keystore's password as `MESOSPHERE_KEYSTORE_PASS=...`. */
    passwordEnv: string;
}

/**
 * Marathon's PKCS12 keystore, made on the host from the PEM certificate (with the CA as its chain)
 * and the key, mode 0600. Rebuilt only when it no longer opens with the password, or holds another
 * certificate or key than the PEM files (a renewed certificate, a new password, a hand edit); a
 * second run changes nothing. The password reaches openssl on a file descriptor read from the env
 * file (`-passin/-passout fd:3`), never on argv. 3DES and a SHA-1 MAC: what Java 8 (Marathon 1.7's
 * JVM, whose JKS type also reads PKCS12) and Node (the lab's double) both read; OpenSSL 3's
 * default AES/PBKDF2 needs Java 8u301 or later.
 */
export function keystoreOps(k: KeystorePaths, tag?: string): Op[] {
    const pw = `3< <(sed -n ${q(`s/^${r.KEYSTORE_PASS_VAR}=//p`)} ${q(k.passwordEnv)})`;
    const fromKeystore = (what: string) => `openssl pkcs12 -in ${q(k.keystore)} -passin fd:3 ${what} 2>/dev/null ${pw}`;
    const same = (a: string, b: string) => `[ -n "$(${a})" ] && [ "$(${a})" = "$(${b})" ]`;
    return [
        exec(
            "Marathon's keystore from its certificate and key",
            [
                `test -s ${q(k.keystore)}`,
                `[ "$(stat -c '%a %U' ${q(k.keystore)})" = '600 root' ]`,
                same(
                    `${fromKeystore("-nokeys -clcerts")} | openssl x509 -noout -fingerprint -sha256`,
                    `openssl x509 -in ${q(k.cert)} -noout -fingerprint -sha256`,
                ),
                same(`${fromKeystore("-nocerts -nodes")} | openssl pkey -pubout`, `openssl pkey -in ${q(k.key)} -pubout`),
            ].join(" && "),
            [
                "umask 077",
                // eslint-disable-next-line max-len -- one rendered command, kept whole as it runs
                `openssl pkcs12 -export -name marathon -in ${q(k.cert)} -inkey ${q(k.key)} -certfile ${q(k.ca)} -keypbe PBE-SHA1-3DES -certpbe PBE-SHA1-3DES -macalg sha1 -passout fd:3 -out ${q(k.keystore + ".new")} ${pw}`,
                `chown root:root ${q(k.keystore + ".new")}`,
                `chmod 0600 ${q(k.keystore + ".new")}`,
                `mv -f ${q(k.keystore + ".new")} ${q(k.keystore)}`,
            ].join(" && "),
            tag,
        ),
    ];
}

/** Shared by the daemons of a host; a new version takes effect at their next start. */
const containerRun = () => file(r.CONTAINER_RUN, r.containerRunScript(), { mode: "0755" });

const curl = "curl -fsS --max-time 5";
/**
 * Every call of a Mesos endpoint: as the operator, credentials from a 0600 curl config (never argv).
 * Redirects to the leading master keep them (--location-trusted) where a probe follows one.
 */
const mesosCurl = `${curl} -K ${r.MESOS_PROBE_CURLRC}`;

/** Written by the master and the agent steps (same content where both run). */
const probeCurlrc = (operatorSecret: string) => file(r.MESOS_PROBE_CURLRC, r.mesosProbeCurlrc(operatorSecret), { mode: "0600" });

/** Master readiness: its own /health, then exactly one elected leader among all masters (metrics master/elected). */
export function masterReadyOps(host: string, ip: string, port: number, masterIps: readonly string[], image: string, timeoutSeconds: number): Op[] {
    return [
        waitFor(
            `mesos master ${ip}:${port} /health`,
            `${mesosCurl} -o /dev/null http://${ip}:${port}/health`,
            timeoutSeconds,
            `the Mesos master on ${host} (${ip}:${port}) did not answer /health within ${timeoutSeconds} s: ` +
                `see journalctl -u mesos-master on ${host} (can the image ${image} be pulled? is ZooKeeper up?)`,
        ),
        waitFor(
            "one elected leader among the masters",
            oneLeader(masterIps, port),
            timeoutSeconds,
            `no Mesos master was elected leader within ${timeoutSeconds} s (masters ${masterIps.join(", ")}): ` +
                "check that a quorum of masters runs and reaches ZooKeeper",
        ),
    ];
}

/** Agent readiness: the master it follows lists it (by hostname = its IP) as active in /master/slaves. */
export function agentReadyOps(host: string, ip: string, agentPort: number, masterPort: number, timeoutSeconds: number): Op[] {
    const listsItActive = `jq -e --arg h ${ip} 'any(.slaves[]; .hostname == $h and .active == true)'`;
    const check = [
        // jq -e exits 0 on empty input: without pipefail a refused or failed curl would pass.
        "set -o pipefail",
        `m=$(${mesosCurl} http://${ip}:${agentPort}/state | jq -r '.master_hostname // empty')`,
        `[ -n "$m" ] && ${mesosCurl} --location-trusted "http://$m:${masterPort}/master/slaves" | ${listsItActive}`,
    ].join("; ");
    return [
        waitFor(
            `agent ${ip} registered and active at the leading master`,
            check,
            timeoutSeconds,
            `the Mesos agent on ${host} (${ip}:${agentPort}) is not registered and active at the leading master within ${timeoutSeconds} s: ` +
                `see journalctl -u mesos-agent on ${host}`,
        ),
    ];
}

/** Marathon answers /ping: over HTTPS, trusting the stack CA only (MARATHON_CA, written by the Marathon step), when `tls`. */
export function marathonReadyOps(host: string, ip: string, port: number, timeoutSeconds: number, tls = false): Op[] {
    const url = `${tls ? "https" : "http"}://${ip}:${port}/ping`;
    return [
        waitFor(
            `marathon ${ip}:${port} /ping`,
            `${curl} -K ${r.MARATHON_CURLRC}${tls ? ` --cacert ${r.MARATHON_CA}` : ""} -o /dev/null ${url}`,
            timeoutSeconds,
            `Marathon on ${host} (${ip}:${port}) did not answer /ping${tls ? " over HTTPS (certificate from the stack CA)" : ""} ` +
                `within ${timeoutSeconds} s: see journalctl -u marathon on ${host}`,
        ),
    ];
}

export interface MirrorTarget {
    /** Registry `host:port`. */
    address: string;
    /** Plain HTTP registry (no certificate to check). */
    insecure: boolean;
    /** Docker config with the registry login (DockerEngine's `docker login` wrote it). */
    authfile: string;
}

/**
 * Copies each pinned image into the stack's registry with skopeo: every platform and the manifest
 * byte for byte (--preserve-digests fails rather than change the digest), so units pin the same
 * digest. A `docker pull/tag/push` could recompress layers and change it. Idempotent: an image
 * already in the registry by that digest is not copied again.
 */
export function mirrorOps(images: readonly MirroredImage[], t: MirrorTarget): Op[] {
    const tls = t.insecure ? "--tls-verify=false" : `--cert-dir /etc/docker/certs.d/${t.address}`;
    const destTls = t.insecure ? "--dest-tls-verify=false" : `--dest-cert-dir /etc/docker/certs.d/${t.address}`;
    return [
        packages(...MIRROR_PACKAGES),
        ...images.map((i) => {
            const [from, to] = [q(`docker://${i.source}`), q(`docker://${i.destination}`)];
            return exec(
                `mirror ${i.source} to ${i.pinned}`,
                `skopeo inspect --raw --authfile ${t.authfile} ${tls} ${q(`docker://${i.pinned}`)} >/dev/null`,
                `skopeo copy --all --preserve-digests --retry-times 3 --dest-authfile ${t.authfile} ${destTls} ${from} ${to}`,
                "mesos-mirror",
            );
        }),
    ];
}

/** Runs when a host leaves a role (or the stack is destroyed): the daemon stops for good; its data stays. */
export function removalScript(unitName: string, container: string, extra: string[] = []): string {
    return [
        `systemctl disable --now ${unitName} >/dev/null 2>&1 || true`,
        `${r.DOCKER} rm -f ${container} >/dev/null 2>&1 || true`,
        ...extra,
        `rm -f /etc/systemd/system/${unitName}`,
        `systemctl daemon-reload`,
        `echo "${unitName} removed"`,
    ].join("\n");
}
