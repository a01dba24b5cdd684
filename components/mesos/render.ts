import { byDigest } from "./images";
import { CgroupMode } from "./settings";
import { hostProgram } from "../provision/host-program";

/**
 * Pure renderers of every file MesosCluster puts on a host. Each daemon runs as a host-network
 * container under systemd; its flags travel as MESOS_* / MARATHON_* variables in an env file
 * (never on argv; mode 0600: the zk:// URLs carry ZooKeeper's credentials), the Marathon password in a
 * separate 0600 env file, and the Mesos principals' secrets in 0600 credential files mounted read-only
 * into the containers.
 */

export const MESOS_ETC = "/etc/mesos";
export const MARATHON_ETC = "/etc/marathon";
export const MASTER_ENV = `${MESOS_ETC}/master.env`;
export const AGENT_ENV = `${MESOS_ETC}/agent.env`;
export const AGENT_CGROUPS_ENV = `${MESOS_ETC}/agent-cgroups.env`;
/** What the agent last ran with (hostname, attributes): decides whether it may keep its id. */
export const AGENT_IDENTITY = `${MESOS_ETC}/agent-identity`;
export const MARATHON_ENV = `${MARATHON_ETC}/marathon.env`;
export const MARATHON_CREDENTIALS_ENV = `${MARATHON_ETC}/credentials.env`;
/**
 * HTTPS (MarathonSettings.tls): the certificate from the stack CA and the CA itself (0644, public),
 * and the PKCS12 keystore Marathon reads, made on the host from the certificate and the key (0600:
 * it holds the key). Its password is in MARATHON_CREDENTIALS_ENV only.
 */
export const MARATHON_TLS_DIR = `${MARATHON_ETC}/tls`;
export const MARATHON_CERT = `${MARATHON_TLS_DIR}/cert.pem`;
/** The stack CA: what the readiness probe and the volume hook trust (curl --cacert). */
export const MARATHON_CA = `${MARATHON_TLS_DIR}/ca.pem`;
export const MARATHON_KEYSTORE = `${MARATHON_TLS_DIR}/keystore.p12`;
/** curl config with the Marathon credentials for the readiness probe (keeps them off argv). */
export const MARATHON_CURLRC = `${MARATHON_ETC}/probe.curlrc`;
/** Authentication (docs/mesos.md "Authentication"): every file holding a secret is 0600 root. */
export const MASTER_CREDENTIALS = `${MESOS_ETC}/credentials.json`;
export const MASTER_ACLS = `${MESOS_ETC}/acls.json`;
export const AGENT_CREDENTIAL = `${MESOS_ETC}/agent-credential.json`;
export const AGENT_HTTP_CREDENTIALS = `${MESOS_ETC}/agent-http-credentials.json`;
/** curl config with the operator's credentials for every probe of a Mesos endpoint (`curl -K`). */
export const MESOS_PROBE_CURLRC = `${MESOS_ETC}/probe.curlrc`;
/** Marathon's framework secret, exactly the secret's bytes (no newline: it is compared byte for byte). */
export const MARATHON_MESOS_SECRET = `${MARATHON_ETC}/mesos-secret`;
export const MASTER_WORK_DIR = "/var/lib/mesos/master";
export const AGENT_WORK_DIR = "/var/lib/mesos/agent";
/** Mesos' runtime dir (container pids, boot id): bind-mounted so it survives an agent container restart. */
export const AGENT_RUNTIME_DIR = "/var/run/mesos";
/**
 * The same directory by its canonical path (/var/run is a symlink to /run, a tmpfs that a reboot
 * empties, as Mesos expects of its runtime dir): systemd-tmpfiles re-creates it at every boot.
 */
export const AGENT_RUNTIME_DIR_CANONICAL = "/run/mesos";
/** The tmpfiles.d file that declares AGENT_RUNTIME_DIR_CANONICAL. */
export const AGENT_RUNTIME_TMPFILES = "/etc/tmpfiles.d/microservice-mesos-agent.conf";
/** The comment at the top of AGENT_RUNTIME_TMPFILES. */
export const AGENT_RUNTIME_TMPFILES_COMMENT =
    "Managed by the stack (MesosCluster): local changes are overwritten.\n" +
    `The Mesos agent's runtime dir (MESOS_RUNTIME_DIR=${AGENT_RUNTIME_DIR}), re-created empty at every boot.`;
export const MASTER_UNIT = "mesos-master.service";
export const AGENT_UNIT = "mesos-agent.service";
export const MARATHON_UNIT = "marathon.service";
export const DOCKER = "/usr/bin/docker";
const HEADER = "# Managed by the stack (MesosCluster): local changes are overwritten.";

/**
 * Who authenticates to Mesos: Marathon registers its framework as `marathon`, agents register as
 * `agent`, and people and probes call the operator endpoints as `operator`.
 */
export const PRINCIPALS = { framework: "marathon", agent: "agent", operator: "operator" } as const;

/** The principals' secrets (Pulumi secrets upstream): only steps marked secret may hold them. */
export interface MesosSecrets {
    framework: string;
    agent: string;
    operator: string;
}

export interface MasterSpec {
    ip: string;
    port: number;
    clusterName: string;
    quorum: number;
    zk: string;
}

export function masterEnv(m: MasterSpec): string {
    return env([
        ["MESOS_CLUSTER", m.clusterName],
        ["MESOS_ZK", m.zk],
        ["MESOS_QUORUM", String(m.quorum)],
        ["MESOS_REGISTRY", "replicated_log"],
        ["MESOS_WORK_DIR", MASTER_WORK_DIR],
        ["MESOS_IP", m.ip],
        ["MESOS_ADVERTISE_IP", m.ip],
        ["MESOS_HOSTNAME", m.ip],
        ["MESOS_HOSTNAME_LOOKUP", "false"],
        ["MESOS_PORT", String(m.port)],
        // Frameworks and agents authenticate (CRAM-MD5) and every HTTP endpoint but /health needs a
        // principal, all from one credentials file; the ACLs say which principal may do what.
        ["MESOS_AUTHENTICATE_FRAMEWORKS", "true"],
        ["MESOS_AUTHENTICATE_AGENTS", "true"],
        ["MESOS_AUTHENTICATE_HTTP_READWRITE", "true"],
        ["MESOS_AUTHENTICATE_HTTP_READONLY", "true"],
        ["MESOS_CREDENTIALS", MASTER_CREDENTIALS],
        ["MESOS_ACLS", `file://${MASTER_ACLS}`],
        ["MESOS_LOGGING_LEVEL", "INFO"],
    ]);
}

/** Mode 0600: every principal the master accepts, for CRAM-MD5 and HTTP basic authentication alike. */
export function masterCredentials(s: MesosSecrets): string {
    const credentials = (Object.keys(PRINCIPALS) as (keyof MesosSecrets)[]).map((k) => ({ principal: PRINCIPALS[k], secret: s[k] }));
    return `${JSON.stringify({ credentials }, null, 2)}\n`;
}

/** An ACL that lets `principal` do it and every other principal nothing (ACLs match in order). */
function only(action: string, object: string, principal: string): [string, object[]] {
    return [
        action,
        [
            { principals: { values: [principal] }, [object]: { type: "ANY" } },
            { principals: { type: "ANY" }, [object]: { type: "NONE" } },
        ],
    ];
}

/**
 * The master's ACLs: only Marathon registers frameworks and runs tasks, only agents register as
 * agents, only the operator tears frameworks down and changes quotas, weights and maintenance. What
 * is not listed (viewing state) is left to any authenticated principal (`permissive`): only the
 * three principals of the credentials file can authenticate at all. Field names are Mesos 1.7's
 * acls.proto (an unknown field stops the master at start).
 */
export function masterAcls(): string {
    const p = PRINCIPALS;
    const acls = Object.fromEntries([
        ["permissive", true],
        only("register_frameworks", "roles", p.framework),
        only("run_tasks", "users", p.framework),
        only("register_agents", "agents", p.agent),
        only("teardown_frameworks", "framework_principals", p.operator),
        only("update_quotas", "roles", p.operator),
        only("update_weights", "roles", p.operator),
        only("update_maintenance_schedules", "machines", p.operator),
        only("start_maintenances", "machines", p.operator),
        only("stop_maintenances", "machines", p.operator),
    ]);
    return `${JSON.stringify(acls, null, 2)}\n`;
}

/** Mode 0600: the agent's own principal, with which it registers at the master. */
export function agentCredential(secret: string): string {
    return `${JSON.stringify({ principal: PRINCIPALS.agent, secret }, null, 2)}\n`;
}

/** Mode 0600: who may call the agent's HTTP endpoints (the operator only). */
export function agentHttpCredentials(operatorSecret: string): string {
    return `${JSON.stringify({ credentials: [{ principal: PRINCIPALS.operator, secret: operatorSecret }] }, null, 2)}\n`;
}

/** Mode 0600: the probes' operator credentials for `curl -K`. */
export function mesosProbeCurlrc(operatorSecret: string): string {
    return marathonCurlrc(PRINCIPALS.operator, operatorSecret);
}

export interface AgentSpec {
    ip: string;
    port: number;
    zk: string;
    attributes: string;
    executorRegistrationTimeout: string;
    /** Docker endpoint as the agent sees it (the host path is mounted at the same path). */
    dockerSocket: string;
    /** Host path of a Docker CLI to mount (undefined: the image's own). */
    dockerCli?: string;
    /** Docker config (registry login) handed to `docker pull`, or undefined. */
    dockerConfig?: string;
    /** The agent's own image reference: executors then run in containers of it and survive agent restarts. */
    image: string;
    /** How the agent container gets its privileges (MesosSettings.agentPrivileges; default privileged). */
    privileges?: "privileged" | "capabilities";
}

const MOUNTED_CLI = "/usr/local/bin/docker";

export function agentEnv(a: AgentSpec): string {
    return env([
        ["MESOS_MASTER", a.zk],
        ["MESOS_WORK_DIR", AGENT_WORK_DIR],
        ["MESOS_RUNTIME_DIR", AGENT_RUNTIME_DIR],
        ["MESOS_IP", a.ip],
        ["MESOS_ADVERTISE_IP", a.ip],
        ["MESOS_HOSTNAME", a.ip],
        ["MESOS_HOSTNAME_LOOKUP", "false"],
        ["MESOS_PORT", String(a.port)],
        ["MESOS_ATTRIBUTES", a.attributes],
        // Attributes may be added without losing the agent's id; other changes are handled by the step.
        ["MESOS_RECONFIGURATION_POLICY", "additive"],
        ["MESOS_EXECUTOR_REGISTRATION_TIMEOUT", a.executorRegistrationTimeout],
        ["MESOS_DOCKER_SOCKET", a.dockerSocket],
        ["MESOS_DOCKER", a.dockerCli ? MOUNTED_CLI : "docker"],
        // Executors in containers of the agent's image need a CLI inside that image.
        ...(a.dockerCli ? [] : ([["MESOS_DOCKER_MESOS_IMAGE", byDigest(a.image)]] as [string, string][])),
        ...(a.dockerConfig ? ([["MESOS_DOCKER_CONFIG", a.dockerConfig]] as [string, string][]) : []),
        // The agent is a container, not a systemd-managed process: no executor life-time extension via systemd.
        ["MESOS_SYSTEMD_ENABLE_SUPPORT", "false"],
        // Tasks run as root in their containers (docs/mesos.md, "Authentication": what is not done).
        ["MESOS_SWITCH_USER", "false"],
        // Registers as principal `agent`; its own HTTP endpoints need the operator's credentials.
        ["MESOS_CREDENTIAL", AGENT_CREDENTIAL],
        ["MESOS_AUTHENTICATE_HTTP_READWRITE", "true"],
        ["MESOS_AUTHENTICATE_HTTP_READONLY", "true"],
        ["MESOS_HTTP_CREDENTIALS", AGENT_HTTP_CREDENTIALS],
        ["MESOS_LOGGING_LEVEL", "INFO"],
    ]);
}

/** The flags that depend on the host's cgroup hierarchy (see settings.ts CGROUP_MODES). */
export function agentCgroupsEnv(mode: Exclude<CgroupMode, "auto">): string {
    return mode === "v1"
        ? env(
              [
                  ["MESOS_CONTAINERIZERS", "docker,mesos"],
                  ["MESOS_LAUNCHER", "linux"],
                  ["MESOS_ISOLATION", "cgroups/cpu,cgroups/mem"],
                  ["MESOS_CGROUPS_HIERARCHY", "/sys/fs/cgroup"],
              ],
              "cgroup v1: Docker and Mesos containerizers, cgroups isolation",
          )
        : env(
              [
                  ["MESOS_CONTAINERIZERS", "docker"],
                  ["MESOS_LAUNCHER", "posix"],
                  ["MESOS_ISOLATION", "posix/cpu,posix/mem"],
              ],
              "cgroup v2: Docker containerizer only (Docker applies the limits), posix launcher; needs an agent built with cgroup v2 support",
          );
}

/** `hostname=` and `attributes=` lines: compared with the next run's to decide whether the agent may keep its id. */
export function agentIdentity(ip: string, attributes: string): string {
    return `hostname=${ip}\nattributes=${attributes}\n`;
}

export interface MarathonSpec {
    ip: string;
    httpPort: number;
    /** HTTPS only, on this port, with the keystore at MARATHON_KEYSTORE (undefined: plain HTTP on httpPort). */
    httpsPort?: number;
    masterZk: string;
    zk: string;
    taskLaunchTimeoutMs: number;
    features: readonly string[];
}

/** Marathon's start script turns each MARATHON_X=v into `--x v`; LIBPROCESS_IP is read by libmesos. */
export function marathonEnv(m: MarathonSpec): string {
    return env([
        ["MARATHON_MASTER", m.masterZk],
        ["MARATHON_ZK", m.zk],
        ["MARATHON_HOSTNAME", m.ip],
        ...((m.httpsPort === undefined
            ? [["MARATHON_HTTP_PORT", String(m.httpPort)]]
            : [
                  // The keystore's password is not here: Marathon reads MESOSPHERE_KEYSTORE_PASS from
                  // credentials.env itself (a MARATHON_* variable would become a JVM argument).
                  ["MARATHON_HTTPS_PORT", String(m.httpsPort)],
                  ["MARATHON_SSL_KEYSTORE_PATH", MARATHON_KEYSTORE],
                  ["MARATHON_DISABLE_HTTP", ""],
              ]) as [string, string][]),
        ["MARATHON_TASK_LAUNCH_TIMEOUT", String(m.taskLaunchTimeoutMs)],
        ...(m.features.length ? ([["MARATHON_ENABLE_FEATURES", m.features.join(",")]] as [string, string][]) : []),
        // The framework authenticates to the master; an empty value is a bare switch (--mesos_authentication).
        ["MARATHON_MESOS_AUTHENTICATION", ""],
        ["MARATHON_MESOS_AUTHENTICATION_PRINCIPAL", PRINCIPALS.framework],
        ["MARATHON_MESOS_AUTHENTICATION_SECRET_FILE", MARATHON_MESOS_SECRET],
        ["LIBPROCESS_IP", m.ip],
    ]);
}

/**
 * Mode 0600. Marathon reads MESOSPHERE_HTTP_CREDENTIALS and MESOSPHERE_KEYSTORE_PASS (the keystore's
 * password, with HTTPS) itself, so neither reaches argv; the keystore step reads the latter from here too.
 */
export function marathonCredentialsEnv(username: string, password: string, keystorePassword?: string): string {
    return `MESOSPHERE_HTTP_CREDENTIALS=${username}:${password}\n${keystorePassword === undefined ? "" : `${KEYSTORE_PASS_VAR}=${keystorePassword}\n`}`;
}

/** Marathon's own variable for --ssl_keystore_password (its flag docs: "May also be specified with ..."). */
export const KEYSTORE_PASS_VAR = "MESOSPHERE_KEYSTORE_PASS";

/** Mode 0600: `curl -K` reads the credentials from here instead of its command line. */
export function marathonCurlrc(username: string, password: string): string {
    return `user = ${curlConfigString(`${username}:${password}`)}\n`;
}

/**
 * A double-quoted curl config value: inside quotes curl reads `\\` and `\"` (and `\t`, `\n`, ...) as
 * escapes, so backslashes and quotes are escaped and the value arrives unchanged. A line break
 * cannot be written (curl's config is line-based).
 */
export function curlConfigString(value: string): string {
    if (/[\r\n]/.test(value)) throw new Error("a curl config value cannot contain a line break");
    return `"${value.replace(/[\\"]/g, "\\$&")}"`;
}

/** The Docker endpoint is mounted at the same path; a socket in its own directory (Weave's) by directory, so it survives its daemon's restart. */
export function socketMount(socket: string): string {
    const dir = socket.slice(0, socket.lastIndexOf("/")) || "/";
    return dir === "/var/run" || dir === "/run" ? `${socket}:${socket}` : `${dir}:${dir}`;
}

interface ContainerUnit {
    unit: string;
    container: string;
    description: string;
    image: string;
    runFlags: string[];
    envFiles: string[];
    args?: string[];
}

/**
 * Starts a daemon's container once its image is there: pulls it (retrying every 10 s, each attempt
 * logged) while the unit stays active, so a slow or impossible pull shows in the journal as such
 * and never as a crash loop; then execs `docker run` with the given arguments.
 */
export const CONTAINER_RUN = "/usr/local/lib/microservice/container-run";

export function containerRunScript(): string {
    return hostProgram("container-run.sh", { DOCKER });
}

function containerUnit(c: ContainerUnit): string {
    // By digest alone: the digest decides the content, whatever the tag says.
    const image = byDigest(c.image);
    const run = [
        `${CONTAINER_RUN} ${image} --rm --name ${c.container} --net=host`,
        ...c.runFlags,
        ...c.envFiles.map((f) => `--env-file ${f}`),
        image,
        ...(c.args ?? []),
    ].join(" \\\n  ");
    return `# Image: ${c.image}
[Unit]
Description=${c.description}
After=docker.service network-online.target
Requires=docker.service
Wants=network-online.target
# Keep retrying: ZooKeeper may still be electing, the masters may still be starting.
StartLimitIntervalSec=0

[Service]
ExecStartPre=-${DOCKER} rm -f ${c.container}
ExecStart=${run}
ExecStop=${DOCKER} stop -t 30 ${c.container}
# \`docker run\` exits 143 when \`docker stop\` ends the container: a stop, not a failure (else every
# shutdown or Docker restart leaves the unit failed and the host "degraded"; seen in the engine lab).
SuccessExitStatus=143
Restart=always
RestartSec=10
TimeoutStartSec=0

[Install]
WantedBy=multi-user.target
`;
}

export function masterUnit(image: string): string {
    return containerUnit({
        unit: MASTER_UNIT,
        container: "mesos-master",
        description: "Mesos master (container; flags in /etc/mesos/master.env)",
        image,
        runFlags: [`-v ${MASTER_WORK_DIR}:${MASTER_WORK_DIR}`, readOnly(MASTER_CREDENTIALS), readOnly(MASTER_ACLS)],
        envFiles: [MASTER_ENV],
        // Overrides the image's default CMD (--registry=in_memory in Mesosphere's images): the
        // registry must be the replicated log, or --quorum means nothing and state dies with the container.
        args: ["--registry=replicated_log"],
    });
}

export interface AgentUnitSpec {
    image: string;
    dockerSocket: string;
    dockerCli?: string;
    dockerConfig?: string;
    /** How the container gets its privileges (MesosSettings.agentPrivileges). */
    privileges?: "privileged" | "capabilities";
}

/** The flags that stand for --privileged where it cannot work (the local target's own run flags, less the host's mounts). */
const AGENT_CAPABILITIES =
    "--cap-add=ALL --cap-drop=SYS_RESOURCE --security-opt seccomp=unconfined --security-opt apparmor=unconfined --security-opt systempaths=unconfined";

export function agentUnit(a: AgentUnitSpec): string {
    const configDir = a.dockerConfig ? a.dockerConfig.slice(0, a.dockerConfig.lastIndexOf("/")) : undefined;
    return containerUnit({
        unit: AGENT_UNIT,
        container: "mesos-agent",
        description: "Mesos agent (container; flags in /etc/mesos/agent.env and agent-cgroups.env)",
        image: a.image,
        runFlags: [
            // Tasks' processes and cgroups are the host's: the agent must see both.
            `--pid=host ${a.privileges === "capabilities" ? AGENT_CAPABILITIES : "--privileged"} --cgroupns=host`,
            "-v /sys/fs/cgroup:/sys/fs/cgroup",
            // Sandboxes are bind-mounted into task containers by the host's daemon: same path inside and out.
            `-v ${AGENT_WORK_DIR}:${AGENT_WORK_DIR}`,
            `-v ${AGENT_RUNTIME_DIR}:${AGENT_RUNTIME_DIR}`,
            `-v ${socketMount(a.dockerSocket)}`,
            ...(configDir ? [`-v ${configDir}:${configDir}:ro`] : []),
            ...(a.dockerCli ? [`-v ${a.dockerCli}:${MOUNTED_CLI}:ro`] : []),
            readOnly(AGENT_CREDENTIAL),
            readOnly(AGENT_HTTP_CREDENTIALS),
        ],
        envFiles: [AGENT_ENV, AGENT_CGROUPS_ENV],
    });
}

export function marathonUnit(image: string, tls = false): string {
    return containerUnit({
        unit: MARATHON_UNIT,
        container: "marathon",
        description: "Marathon (container; flags in /etc/marathon/marathon.env, credentials in credentials.env)",
        image,
        runFlags: [readOnly(MARATHON_MESOS_SECRET), ...(tls ? [readOnly(MARATHON_KEYSTORE)] : [])],
        envFiles: [MARATHON_ENV, MARATHON_CREDENTIALS_ENV],
    });
}

/** A host file at the same path in the container, read-only (a change restarts the unit, which mounts it anew). */
const readOnly = (path: string) => `-v ${path}:${path}:ro`;

function env(vars: [string, string][], comment?: string): string {
    return [HEADER, ...(comment ? [`# ${comment}`] : []), ...vars.map(([k, v]) => `${k}=${v}`), ""].join("\n");
}
