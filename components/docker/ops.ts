import { assertThat, directory, exec, file, Op, packages, q, service, unit, waitFor } from "../provision";

/** Pure generators of the Docker engine and registry steps (golden-tested). */

export interface DaemonSpec {
    logDriver: string;
    logOpts: Record<string, string>;
    /** Address/mask of docker0, e.g. 172.31.0.1/24 (unset: Docker's default). */
    bip?: string;
    /** Registries reached over plain HTTP (only in the registry's explicit insecure mode). */
    insecureRegistries: string[];
    /** Extra daemon.json keys other layers need. */
    extra: Record<string, unknown>;
}

/** daemon.json with sorted keys, so that equal settings always give equal bytes (and no restart). */
export function daemonJson(d: DaemonSpec): string {
    const config: Record<string, unknown> = { ...d.extra, "log-driver": d.logDriver, "log-opts": d.logOpts };
    if (d.bip) config.bip = d.bip;
    if (d.insecureRegistries.length > 0) config["insecure-registries"] = [...d.insecureRegistries].sort();
    return JSON.stringify(sortKeys(config), null, 2) + "\n";
}

function sortKeys(v: unknown): unknown {
    if (Array.isArray(v)) return v.map(sortKeys);
    if (v && typeof v === "object")
        return Object.fromEntries(
            Object.keys(v)
                .sort()
                .map((k) => [k, sortKeys((v as Record<string, unknown>)[k])]),
        );
    return v;
}

export const DAEMON_JSON = "/etc/docker/daemon.json";
export const JOURNAL_DROP_IN = "/etc/systemd/system/docker.service.d/microservice-journal.conf";

/**
 * dockerd writes the lines of every container that logs with the journald driver, and journald
 * limits each unit (default 10,000 lines in 30 s): a burst would lose lines. Off for docker.service
 * only (systemd >= 240; Debian bookworm has 252). systemd passes it to journald when the service
 * starts, so the engine step restarts Docker once when this file changes.
 */
export const JOURNAL_RATE_LIMIT = `# Managed by microservice (DockerEngine).
[Service]
LogRateLimitIntervalSec=0
`;

/** What the engine step installs on every host. */
export const ENGINE_PACKAGES: readonly string[] = ["docker.io"];
/** What DockerRegistry installs on its host (its TLS key step adds PKI_PACKAGES). */
export const REGISTRY_PACKAGES: readonly string[] = ["docker-registry", "apache2-utils", "curl"];

/** The engine step: Debian's docker.io, our daemon.json, restarted only when daemon.json or its drop-in changed. */
export function engineOps(d: DaemonSpec, readySeconds: number): Op[] {
    return [
        packages(...ENGINE_PACKAGES),
        file(DAEMON_JSON, daemonJson(d), { mode: "0644", tag: "docker-daemon" }),
        // A unit tag: daemon-reload, then the restart below.
        file(JOURNAL_DROP_IN, JOURNAL_RATE_LIMIT, { mode: "0644", tag: "unit:docker.service" }),
        service("docker", ["docker-daemon"]),
        waitFor("docker answers", "docker info >/dev/null", readySeconds, "the Docker daemon did not answer `docker info`"),
    ];
}

export interface LoginSpec {
    address: string;
    username: string;
    password: string;
    /** PEM of the CA that signed the registry's certificate; "" for an insecure registry. */
    caCert: string;
}

/** Where a host keeps what it needs to log in again (0600 root). */
export const LOGIN_DIR = "/etc/microservice/registry-login";

/**
 * The registry step of each engine: trust the stack CA for this registry (certs.d is read per
 * request: no restart) and log in, so that the daemon (and Mesos agents, through
 * /root/.docker/config.json) can pull. The password reaches docker on stdin, from a 0600 file.
 */
export function registryLoginOps(l: LoginSpec): Op[] {
    const pw = `${LOGIN_DIR}/${l.address}.password`;
    const marker = `${LOGIN_DIR}/${l.address}.login`;
    const fingerprint = `{ printf '%s\\n' ${q(`${l.address} ${l.username}`)}; cat ${q(pw)}; } | sha256sum`;
    const [user, registry] = [q(l.username), q(l.address)];
    const ops: Op[] = [];
    if (l.caCert) ops.push(file(`/etc/docker/certs.d/${l.address}/ca.crt`, withNewline(l.caCert), { mode: "0644", tag: "registry-trust" }));
    ops.push(
        directory(LOGIN_DIR, { mode: "0700" }),
        file(pw, `${l.password}\n`, { mode: "0600", tag: "registry-password" }),
        exec(
            `docker login ${l.address}`,
            `grep -qF ${q(`"${l.address}"`)} /root/.docker/config.json && [ "$(cat ${q(marker)})" = "$(${fingerprint})" ]`,
            `DOCKER_CONFIG=/root/.docker docker login --username ${user} --password-stdin ${registry} <${q(pw)} >/dev/null && ${fingerprint} >${q(marker)}`,
            "registry-login",
        ),
    );
    return ops;
}

export interface RegistrySpec {
    port: number;
    address: string;
    username: string;
    password: string;
    storageDir: string;
    logLevel: string;
    /** TLS (cert PEM + key path) or plain HTTP (insecure mode). */
    tls?: { certPem: string; keyPath: string; caPem: string };
    gcSchedule: string;
    readySeconds: number;
}

export const REGISTRY_DIR = "/etc/docker/registry";
const CONFIG = `${REGISTRY_DIR}/config.yml`;
const HTPASSWD = `${REGISTRY_DIR}/htpasswd`;
const PASSWORD = `${REGISTRY_DIR}/password`;
const CERT = `${REGISTRY_DIR}/tls/cert.pem`;
const CA = `${REGISTRY_DIR}/tls/ca.pem`;

/** The whole config.yml (Debian's default one enables htpasswd at a directory: replaced, not patched). */
export function registryConfigYaml(r: Pick<RegistrySpec, "port" | "storageDir" | "logLevel" | "tls">): string {
    const lines = [
        "# Managed by the stack (DockerRegistry): local changes are overwritten.",
        "version: 0.1",
        "log:",
        `  level: ${r.logLevel}`,
        "  fields:",
        "    service: registry",
        "storage:",
        "  filesystem:",
        `    rootdirectory: ${r.storageDir}`,
        "  delete:",
        "    enabled: true",
        "  cache:",
        "    blobdescriptor: inmemory",
        "http:",
        `  addr: :${r.port}`,
        "  headers:",
        "    X-Content-Type-Options: [nosniff]",
    ];
    if (r.tls) lines.push("  tls:", `    certificate: ${CERT}`, `    key: ${r.tls.keyPath}`);
    lines.push(
        "auth:",
        "  htpasswd:",
        "    realm: microservice-registry",
        `    path: ${HTPASSWD}`,
        "health:",
        "  storagedriver:",
        "    enabled: true",
        "    interval: 10s",
        "    threshold: 3",
        "",
    );
    return lines.join("\n");
}

/**
 * The registry step: config, certificate, htpasswd (bcrypt, made from the 0600 password file,
 * rewritten only when the password no longer verifies), restart only on those, then wait until
 * /v2/ answers 401 (serving, and asking for credentials).
 */
export function registryOps(r: RegistrySpec): Op[] {
    // Checked here too: a secret password is only known now. Never echo it.
    if (!/^[^\s:]{12,}$/.test(r.password)) throw new Error("DockerRegistry: password must have at least 12 characters, no whitespace and no colon");
    const ops: Op[] = [
        directory(r.storageDir, { mode: "0750", owner: "docker-registry", group: "docker-registry" }),
        file(CONFIG, registryConfigYaml(r), { mode: "0644", tag: "registry-config" }),
    ];
    if (r.tls) {
        ops.push(file(CERT, withNewline(r.tls.certPem), { mode: "0644", tag: "registry-tls" }), file(CA, withNewline(r.tls.caPem), { mode: "0644" }));
    }
    const [user, onlyUser, htpasswdNew] = [q(r.username), q(`${r.username} `), `${HTPASSWD}.new`];
    ops.push(
        file(PASSWORD, `${r.password}\n`, { mode: "0600" }),
        exec(
            `htpasswd for ${r.username}`,
            `test -s ${HTPASSWD} && htpasswd -vi ${HTPASSWD} ${user} <${PASSWORD} && [ "$(cut -d: -f1 ${HTPASSWD} | sort | tr '\\n' ' ')" = ${onlyUser} ]`,
            [
                `htpasswd -iBc ${htpasswdNew} ${user} <${PASSWORD}`,
                `chown root:docker-registry ${htpasswdNew}`,
                `chmod 0640 ${htpasswdNew}`,
                `mv -f ${htpasswdNew} ${HTPASSWD}`,
            ].join(" && "),
            "registry-htpasswd",
        ),
        service("docker-registry", ["registry-config", "registry-tls", "registry-htpasswd"]),
    );
    const url = r.tls ? `https://${r.address}/v2/` : `http://127.0.0.1:${r.port}/v2/`;
    const cacert = r.tls ? ` --cacert ${CA}` : "";
    ops.push(
        waitFor(
            "the registry answers /v2/ with 401",
            `[ "$(curl -s -o /dev/null -w '%{http_code}' --max-time 5${cacert} ${q(url)})" = 401 ]`,
            r.readySeconds,
            `the registry did not answer ${url} with 401 (check: journalctl -u docker-registry)`,
        ),
    );
    return ops;
}

/** Garbage collection: a timer runs a oneshot that stops the registry, collects, and starts it again. */
export function gcOps(schedule: string): Op[] {
    return [
        assertThat(
            "gcSchedule is a systemd calendar expression",
            `systemd-analyze calendar ${q(schedule)}`,
            `registry gcSchedule ${JSON.stringify(schedule)} is not a systemd OnCalendar expression`,
        ),
        unit("docker-registry-gc.service", gcServiceUnit()),
        unit("docker-registry-gc.timer", gcTimerUnit(schedule)),
        service("docker-registry-gc.timer"),
    ];
}

export function gcServiceUnit(): string {
    return [
        "[Unit]",
        "Description=Garbage-collect unreferenced blobs of the Docker registry",
        "After=docker-registry.service",
        "[Service]",
        "Type=oneshot",
        "User=docker-registry",
        // The registry must not write while blobs are swept: stopped first, started again in any case.
        "ExecStartPre=+/bin/systemctl stop docker-registry.service",
        `ExecStart=/usr/bin/docker-registry garbage-collect ${CONFIG}`,
        "ExecStopPost=+/bin/systemctl start docker-registry.service",
        "",
    ].join("\n");
}

export function gcTimerUnit(schedule: string): string {
    return [
        "[Unit]",
        "Description=Scheduled garbage collection of the Docker registry",
        "[Timer]",
        `OnCalendar=${schedule}`,
        "Persistent=true",
        "[Install]",
        "WantedBy=timers.target",
        "",
    ].join("\n");
}

function withNewline(s: string): string {
    return s.endsWith("\n") ? s : `${s}\n`;
}
