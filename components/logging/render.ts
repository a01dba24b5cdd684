/**
 * Pure renderers of every file RsyslogAggregator writes (rsyslog drop-ins, logrotate, systemd
 * retention units). Golden-tested; the lab runs them on real rsyslog 8.2302 (Debian bookworm).
 *
 * Message path: container stdout -> dockerd's journald driver -> this host's journal (it keeps every
 * line while rsyslog restarts) -> rsyslog's imjournal (cursor persisted in IMJOURNAL_STATE) ->
 * ruleset microservice_docker (per-app file + combined file) -> ruleset microservice_forward (one
 * omfwd action with a disk-assisted queue) -> log server :<port> -> ruleset microservice_remote.
 */

import { DockerParameter } from "../contracts";

/** Tag prefix every container's syslog tag carries (`tag=docker/<app>`): the rules match on it. */
export const TAG_PREFIX = "docker/";
export const CLIENT_LOG_DIR = "/var/log/docker";
export const SERVER_LOG_DIR = "/var/log/remote";
export const SPOOL_DIR = "/var/spool/rsyslog";
/**
 * imjournal's cursor: the journal entry after which rsyslog goes on reading after a restart. In
 * rsyslog's work directory, which rsyslog can write on Debian (root) and Ubuntu (user syslog) alike.
 */
export const IMJOURNAL_STATE = `${SPOOL_DIR}/microservice-imjournal.state`;
export const TLS_DIR = "/etc/microservice/logging";
export const CA_PATH = `${TLS_DIR}/ca.pem`;
export const SERVER_CERT_PATH = `${TLS_DIR}/server.pem`;
/** A forwarder's own certificate (tls "mutual"); its key stays where ClientCertificate made it. */
export const CLIENT_CERT_PATH = `${TLS_DIR}/client.pem`;

/** protocol "journal": each host's shipper (host-programs/log-shipper.py) and its settings. */
export const SHIPPER = {
    program: "/usr/local/sbin/microservice-log-shipper",
    config: `${TLS_DIR}/shipper.json`,
    unit: "microservice-log-shipper",
    stateDir: "/var/lib/microservice-log-shipper",
    /** Where a host that forwarded with rsyslog before starts (log-shipper.py reads it when the server has no cursor for it). */
    startCursor: "/var/lib/microservice-log-shipper/start.cursor",
} as const;
/** protocol "journal": the log server's receiver (host-programs/log-receiver.py); it keeps each host's cursor in stateDir. */
export const RECEIVER = {
    program: "/usr/local/sbin/microservice-log-receiver",
    config: `${TLS_DIR}/receiver.json`,
    unit: "microservice-log-receiver",
    stateDir: "/var/lib/microservice-log-receiver",
} as const;

/** logging.tls: "server" authenticates the server to the forwarders, "mutual" each end to the other. */
export type TlsMode = "off" | "server" | "mutual";

/** The drop-ins, named so that they sort in the order they depend on each other. */
export const FILES = {
    base: "/etc/rsyslog.d/10-microservice-base.conf",
    server: "/etc/rsyslog.d/20-microservice-server.conf",
    docker: "/etc/rsyslog.d/30-microservice-docker.conf",
    journal: "/etc/rsyslog.d/40-microservice-journal.conf",
    logrotate: "/etc/logrotate.d/microservice-docker",
} as const;

export const RETENTION_UNIT = "microservice-log-retention";
export const SERVER_RETENTION_UNIT = "microservice-log-retention-remote";

/** The app name as it appears in the tag and in paths: Marathon ids lose their slashes (`/a/b` -> `a.b`). */
export function appLogName(app: string): string {
    const name = app.replace(/^\/+|\/+$/g, "").replace(/\/+/g, ".");
    if (!/^[A-Za-z0-9][A-Za-z0-9_.-]{0,99}$/.test(name) || name.includes("..")) {
        throw new Error(`log app name: expected an app id of letters, digits, _ . - and / (at most 100 characters), got ${JSON.stringify(app)}`);
    }
    return name;
}

/** The syslog tag a container logs with; the rules read the app back from it (see APP_FROM_TAG). */
export function dockerTag(app: string): string {
    return `${TAG_PREFIX}${appLogName(app)}`;
}

/**
 * The RainerScript expression that reads the app from a tag such as `docker/nginx[1234]:` (Docker
 * >= 1.12 sends the tag verbatim; 1.11 prefixed it with `docker/` itself, which gives the same form).
 * Anything else goes to `no_tag`.
 */
export const APP_FROM_TAG = `re_extract($syslogtag, "^${TAG_PREFIX}([A-Za-z0-9_.-]+)", 0, 1, "no_tag")`;

/** The same parse in TypeScript (tests check both agree on the tags Docker sends). */
export function appFromTag(syslogTag: string): string {
    const m = new RegExp(`^${TAG_PREFIX}([A-Za-z0-9_.-]+)`).exec(syslogTag);
    return m ? m[1] : "no_tag";
}

export type ForwardProtocol = "journal" | "relp" | "tcp";

/**
 * Docker's journald-driver flags for one tag: dockerd writes each line to this host's journal with
 * SYSLOG_IDENTIFIER (and CONTAINER_TAG) = the tag, and CONTAINER_NAME; rsyslog reads it back with
 * imjournal. The journal holds the lines while rsyslog restarts (the syslog driver's connection to
 * rsyslog lost the line written into it then), and a container starts whether or not any rsyslog
 * is up. Docker's default blocking mode: a line is written or the app's write waits.
 */
export function journaldDriverParameters(tag: string): DockerParameter[] {
    return [
        { key: "log-driver", value: "journald" },
        { key: "log-opt", value: `tag=${tag}` },
    ];
}

export interface ForwardTarget {
    /**
     * journal: this host's shipper (SHIPPER) sends its journal's entries to the server's receiver,
     * which commits lines and this host's cursor together: exactly once (docs/logging.md); rsyslog
     * forwards nothing then. relp: every message is acknowledged by the server and re-sent until it is (measured: exactly
     * once across outages and restarts). tcp: plain syslog over TCP, as the original; a message
     * written into a connection the server just closed is lost (measured, see docs/logging.md).
     */
    protocol: ForwardProtocol;
    /** Address of the log server (its private IP). */
    address: string;
    port: number;
    /**
     * Verify the server's certificate (stack CA) and that it was issued to `peerName`. With
     * `clientKeyPath` (tls "mutual") the forwarder also presents its own certificate
     * (CLIENT_CERT_PATH, clientAuth) with that key; RELP needs it.
     */
    tls?: { peerName: string; clientKeyPath?: string };
}

export interface ClientSpec {
    /** Logical host name (config name): the server files this host's lines under it. */
    host: string;
    localPort: number;
    target: ForwardTarget;
    queueMaxDiskSpace: string;
    forwardJournal: readonly string[];
}

/** librelp's TLS authenticates both ends: RELP takes tls "mutual" (a client certificate on every forwarder) or none. */
export const RELP_TLS = `not supported: tls "server" with protocol relp (librelp's TLS needs a client certificate on every host); use tls "mutual"`;

const HEADER = "# Managed by microservice (RsyslogAggregator): changes here are overwritten.\n";

/** Modules, line formats and the one forwarding queue that the later files call. */
export function baseConf(c: ClientSpec): string {
    const t = c.target;
    const relp = t.protocol === "relp";
    if (t.tls && relp && !t.tls.clientKeyPath) throw new Error(RELP_TLS);
    const mutual = t.tls?.clientKeyPath;
    const output = relp
        ? `type="omrelp" name="microservice_forward" target="${t.address}" port="${t.port}"` +
          (t.tls && mutual
              ? `\n         tls="on" tls.authMode="name" tls.permittedPeer=["${t.tls.peerName}"]` +
                `\n         tls.caCert="${CA_PATH}" tls.myCert="${CLIENT_CERT_PATH}" tls.myPrivKey="${mutual}"`
              : "")
        : `type="omfwd" name="microservice_forward" target="${t.address}" port="${t.port}" protocol="tcp" TCP_Framing="octet-counted"` +
          (t.tls
              ? `\n         StreamDriver="gtls" StreamDriverMode="1" StreamDriverAuthMode="x509/name"` +
                `\n         StreamDriverPermittedPeers="${t.tls.peerName}" streamDriver.CAFile="${CA_PATH}"` +
                (mutual
                    ? `\n         streamDriver.CertFile="${CLIENT_CERT_PATH}" streamDriver.KeyFile="${mutual}" streamDriver.CheckExtendedKeyPurpose="on"`
                    : "")
              : "");
    const forward =
        t.protocol === "journal"
            ? `# Nothing is forwarded by rsyslog: ${SHIPPER.unit} sends this host's journal lines to the log
# server's receiver, which writes each exactly once.
`
            : `# To the log server: the stack's name for this host (not the machine's hostname), so the server's
# tree is /var/log/remote/<host as in the stack config>/...
template(name="MicroserviceForward" type="string"
         string="<%PRI%>%TIMESTAMP:::date-rfc3339% ${c.host} %syslogtag%%msg:::sp-if-no-1st-sp%%msg:::drop-last-lf%")

# One queue for everything forwarded. Disk-assisted (queue.filename), kept across restarts
# (saveOnShutdown) and retried forever (resumeRetryCount -1): nothing is lost while the server is
# down, up to queue.maxDiskSpace.
ruleset(name="microservice_forward") {
  action(${output}
         template="MicroserviceForward"
         queue.type="LinkedList" queue.filename="microservice_forward" queue.spoolDirectory="${SPOOL_DIR}"
         queue.size="50000" queue.maxDiskSpace="${c.queueMaxDiskSpace}" queue.saveOnShutdown="on"
         action.resumeRetryCount="-1" action.resumeInterval="5" action.reportSuspension="on")
}
`;
    return `${HEADER}# Loaded once here for every listener (local Docker input, and the log server's input).
module(load="imtcp")${relp ? `\nmodule(load="omrelp")` : ""}

# Local files: RFC 3339 time, host, tag, message.
template(name="MicroserviceFile" type="string"
         string="%TIMESTAMP:::date-rfc3339% %HOSTNAME% %syslogtag%%msg:::sp-if-no-1st-sp%%msg:::drop-last-lf%\\n")

${forward}`;
}

/**
 * Docker's journald driver -> the journal -> imjournal -> per-app file, combined file, forwarding
 * queue. Never /var/log/syslog. Exactly one copy of each line: imjournal's (journald's copy on the
 * syslog socket is dropped).
 */
export function dockerConf(c: ClientSpec): string {
    return `${HEADER}# Containers log with Docker's journald driver (dockerParameters: tag=${TAG_PREFIX}<app>, which becomes
# SYSLOG_IDENTIFIER) and imjournal reads them from the journal. Its cursor (StateFile) is saved on
# shutdown and every 10 lines: after a restart rsyslog reads on from the last line it took, and the
# journal kept what came meanwhile. IgnorePreviousMessages off: without a state file (first start)
# it reads the journal from its start instead of skipping lines. No rate limit (its default drops
# lines after 20,000 in 10 minutes).
module(load="imjournal" StateFile="${IMJOURNAL_STATE}" IgnorePreviousMessages="off"
       Ratelimit.Interval="0" PersistStateInterval="10")

template(name="MicroserviceDockerApp" type="list") {
  constant(value="${CLIENT_LOG_DIR}/") property(name="$.app" securepath="replace") constant(value="/docker.log")
}

ruleset(name="microservice_docker") {
  set $.app = ${APP_FROM_TAG};
  action(type="omfile" dynaFile="MicroserviceDockerApp" template="MicroserviceFile"
         dirCreateMode="0755" fileCreateMode="0640")
  action(type="omfile" file="${CLIENT_LOG_DIR}/combined.log" template="MicroserviceFile" fileCreateMode="0640")${
      c.target.protocol === "journal" ? "" : "\n  call microservice_forward"
  }
}

# imjournal (rsyslog 8.2302) cannot be bound to a ruleset: its lines come to the default one, ahead
# of /etc/rsyslog.conf's rules. It takes the containers' lines only; the rest of the journal still
# reaches rsyslog through imuxsock (journald's ForwardToSyslog), as before. journald's socket copy
# of a container line is dropped, so each line is written and forwarded once.
if $inputname == "imjournal" then {
  if re_match($syslogtag, "^${TAG_PREFIX}") then {
    call microservice_docker
  }
  stop
}
if $inputname == "imuxsock" and re_match($syslogtag, "^${TAG_PREFIX}") then stop

# Containers started with the former syslog-driver flags send here until they are deployed again.
input(type="imtcp" address="127.0.0.1" port="${c.localPort}" ruleset="microservice_docker")
`;
}

/**
 * Scheduler lines (journald forwards them to rsyslog): forwarded first, then kept out of
 * /var/log/syslog. They stay in journald either way (journalctl -u <unit>). The original discarded
 * them in 00-ignore-log.conf before any rule could write them.
 */
export function journalConf(c: ClientSpec): string {
    if (c.forwardJournal.length === 0) return `${HEADER}# No journald program is forwarded (logging.forwardJournal is empty).\n`;
    const names = c.forwardJournal.map((n) => `"${n}"`).join(", ");
    if (c.target.protocol === "journal")
        return `${HEADER}# These programs log to journald (journalctl -u <unit>), where ${SHIPPER.unit} reads them for the
# log server; they stay out of /var/log/syslog.
if $programname == [${names}] then stop
`;
    return `${HEADER}# These programs log to journald (journalctl -u <unit>); a copy goes to the log server.
if $programname == [${names}] then {
  call microservice_forward
  stop
}
`;
}

export interface ServerSpec {
    /** Plain syslog over TCP (the original's interface; any syslog sender of the stack's hosts). */
    port: number;
    /** RELP input for the stack's forwarders (when they use RELP). */
    relpPort?: number;
    /** Addresses or CIDRs allowed to send (every stack host; 127.0.0.1 is always added). */
    allowedSenders: readonly string[];
    tls: TlsMode;
    /** Path of the server's private key (made on the server by ServerCertificate). */
    keyPath?: string;
    /** tls "mutual": the names a forwarder's certificate may carry (the stack's host names). */
    permittedPeers?: readonly string[];
}

/** The central server: TCP <port> into ruleset microservice_remote, one tree per host and day. */
export function serverConf(s: ServerSpec): string {
    if (s.tls === "server" && s.relpPort !== undefined) throw new Error(RELP_TLS);
    const peers = s.tls === "mutual" ? (s.permittedPeers ?? []) : [];
    if (s.tls === "mutual" && peers.length === 0) throw new Error(`logging server: tls "mutual" needs the forwarders' names (permittedPeers)`);
    const peerList = `[${peers.map((p) => `"${p}"`).join(", ")}]`;
    const senders = ["127.0.0.1", ...s.allowedSenders.filter((a) => a !== "127.0.0.1")];
    const day = (name: string) =>
        `constant(value="${SERVER_LOG_DIR}/") property(name="hostname" securepath="replace")\n` +
        `  constant(value="/") property(name="timereported" dateFormat="year")\n` +
        `  constant(value="/") property(name="timereported" dateFormat="month")\n` +
        `  constant(value="/") property(name="timereported" dateFormat="day")\n  ${name}`;
    // "server": any client may connect (anon); "mutual": only a certificate from the stack CA,
    // issued for clients (clientAuth), naming one of the stack's hosts.
    const tls =
        s.tls === "off"
            ? ""
            : (s.tls === "server"
                  ? `\n      streamDriver.name="gtls" streamDriver.mode="1" streamDriver.authMode="anon"`
                  : `\n      streamDriver.name="gtls" streamDriver.mode="1" streamDriver.authMode="x509/name"` +
                    `\n      permittedPeer=${peerList} streamDriver.CheckExtendedKeyPurpose="on"`) +
              `\n      streamDriver.CAFile="${CA_PATH}" streamDriver.CertFile="${SERVER_CERT_PATH}" streamDriver.KeyFile="${s.keyPath}"`;
    const relpTls =
        s.tls === "mutual"
            ? `\n      tls="on" tls.authMode="name" tls.permittedPeer=${peerList}` +
              `\n      tls.caCert="${CA_PATH}" tls.myCert="${SERVER_CERT_PATH}" tls.myPrivKey="${s.keyPath}"`
            : "";
    const relpAdmission =
        s.tls === "mutual"
            ? "imrelp has no sender allow-list: a forwarder's certificate is its admission."
            : "(imrelp has no sender allow-list: restrict it by network.)";
    const relp =
        s.relpPort === undefined
            ? ""
            : `\n# RELP: every message is acknowledged, so a forwarder re-sends exactly what did not arrive.
# ${relpAdmission}
module(load="imrelp")
input(type="imrelp" port="${s.relpPort}" ruleset="microservice_remote"${relpTls})
`;
    return `${HEADER}# Only the stack's hosts may send (applies to every TCP listener of this rsyslog).
$AllowedSender TCP, ${senders.join(", ")}

template(name="MicroserviceRemoteDockerApp" type="list") {
  ${day(`constant(value="/docker/") property(name="$.app" securepath="replace") constant(value="/docker.log")`)}
}
template(name="MicroserviceRemoteDockerCombined" type="list") {
  ${day(`constant(value="/docker/combined.log")`)}
}
template(name="MicroserviceRemoteProgram" type="list") {
  ${day(`constant(value="/") property(name="programname" securepath="replace") constant(value=".log")`)}
}

# Remote lines never reach this host's own /var/log/syslog: they have their own ruleset.
ruleset(name="microservice_remote") {
  if re_match($syslogtag, "^${TAG_PREFIX}") then {
    set $.app = ${APP_FROM_TAG};
    action(type="omfile" dynaFile="MicroserviceRemoteDockerApp" template="MicroserviceFile"
           dirCreateMode="0755" fileCreateMode="0640")
    action(type="omfile" dynaFile="MicroserviceRemoteDockerCombined" template="MicroserviceFile"
           dirCreateMode="0755" fileCreateMode="0640")
  } else {
    action(type="omfile" dynaFile="MicroserviceRemoteProgram" template="MicroserviceFile"
           dirCreateMode="0755" fileCreateMode="0640")
  }
}

input(type="imtcp" port="${s.port}" ruleset="microservice_remote"${tls})
${relp}`;
}

/**
 * Per-app files rotate daily and `days` are kept; rsyslog reopens its files on HUP (Debian's
 * rsyslog-rotate), so no line is lost to copytruncate.
 */
export function logrotateConf(days: number): string {
    return `# Managed by microservice (RsyslogAggregator).
${CLIENT_LOG_DIR}/*/docker.log ${CLIENT_LOG_DIR}/combined.log {
  daily
  rotate ${days}
  maxage ${days}
  missingok
  notifempty
  compress
  delaycompress
  sharedscripts
  postrotate
    /usr/lib/rsyslog/rsyslog-rotate
  endscript
}
`;
}

/**
 * A oneshot that deletes what is older than `days` under `dir` (and the directories it empties),
 * run daily by its timer. `keep` are live files rsyslog holds open (rotated by logrotate instead).
 */
export function retentionService(dir: string, days: number, keep: readonly string[] = []): string {
    const minutes = days * 24 * 60;
    const skip = keep.map((k) => ` ! -path ${k}`).join("");
    return `# Managed by microservice (RsyslogAggregator).
[Unit]
Description=Delete logs older than ${days} days under ${dir}

[Service]
Type=oneshot
ExecStart=/usr/bin/find ${dir} -mindepth 1 -type f${skip} -mmin +${minutes} -delete
ExecStart=/usr/bin/find ${dir} -mindepth 1 -type d -empty -delete
`;
}

export function retentionTimer(dir: string): string {
    return `# Managed by microservice (RsyslogAggregator).
[Unit]
Description=Daily log retention under ${dir}

[Timer]
OnCalendar=daily
RandomizedDelaySec=30min
Persistent=true

[Install]
WantedBy=timers.target
`;
}
