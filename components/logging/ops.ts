import { assertThat, directory, exec, file, Op, packages, q, service, unit, waitFor } from "../provision";
import { hostProgram } from "../provision/host-program";
import {
    baseConf,
    CA_PATH,
    CLIENT_CERT_PATH,
    CLIENT_LOG_DIR,
    ClientSpec,
    dockerConf,
    FILES,
    journalConf,
    logrotateConf,
    RECEIVER,
    RETENTION_UNIT,
    retentionService,
    retentionTimer,
    SERVER_CERT_PATH,
    SERVER_LOG_DIR,
    SERVER_RETENTION_UNIT,
    serverConf,
    ServerSpec,
    SHIPPER,
    TLS_DIR,
} from "./render";
import { receiverConfig, receiverUnit, shipperConfig, shipperUnit } from "./shipping";

/** Pure generators of the logging steps (golden-tested). Tags: rsyslog restarts only on `rsyslog-config`. */

const CONFIG = "rsyslog-config";
/** protocol "journal": the shipper restarts on its program, settings or TLS files; the receiver on its own. */
const SHIPPING = "log-shipper";
const RECEIVING = "log-receiver";
/** protocol "journal", log server: its certificate serves rsyslog's input and the receiver, so both restart on it. */
const SERVER_TLS = "logging-tls";
/** The check that the whole rsyslog configuration parses, before rsyslog is (re)started with it. */
const VALID = "rsyslogd -N1 -f /etc/rsyslog.conf";

/** rsyslog's kernel input in a host that is a container reads the *machine's* ring buffer: off there only. */
export const IMKLOG_OFF_IN_CONTAINER = exec(
    "rsyslog: no kernel log input in a container (it would read the machine's kernel ring buffer)",
    `! systemd-detect-virt --container --quiet || ! grep -Eq '^[[:space:]]*module\\(load="imklog"' /etc/rsyslog.conf`,
    `sed -i -E 's/^([[:space:]]*module\\(load="imklog")/# off in a container (microservice): \\1/' /etc/rsyslog.conf`,
    CONFIG,
) as Extract<Op, { kind: "exec" }>;

const listening = (port: number, address?: string) => `ss -Hltn ${q(address ? `src ${address}:${port}` : `sport = :${port}`)} | grep -q .`;

export interface ClientStep extends ClientSpec {
    /** The log server's stack name (protocol journal: the shipper checks its certificate against it). */
    serverName: string;
    retentionDays: number;
    /** PEM of the stack CA (TLS only). */
    caPem?: string;
    /** tls "mutual": PEM of this host's client certificate (its key is at target.tls.clientKeyPath). */
    clientCertPem?: string;
}

/** What a forwarder's step installs: rsyslog and logrotate, with the RELP and TLS modules it uses (journal: python3 runs the shipper; rsyslog does no TLS). */
export function clientPackages(protocol: string, tls: boolean): string[] {
    if (protocol === "journal") return ["rsyslog", "logrotate", "python3"];
    return ["rsyslog", "logrotate", ...(protocol === "relp" ? ["rsyslog-relp"] : []), ...(tls ? ["rsyslog-gnutls"] : [])];
}

/** What the server's step adds to its host's client packages: RELP's module when it listens for RELP. */
export function serverPackages(relp: boolean): string[] {
    return relp ? ["rsyslog-relp"] : [];
}

/** Every host: local Docker input, per-app files, forwarding queue, journal forwarding, retention. */
export function clientOps(c: ClientStep): Op[] {
    const tls = c.target.tls !== undefined;
    const journal = c.target.protocol === "journal";
    // With the shipper, rsyslog uses no TLS file: they restart the shipper only.
    const tlsTag = journal ? SHIPPING : CONFIG;
    const ops: Op[] = [
        packages(...clientPackages(c.target.protocol, tls)),
        IMKLOG_OFF_IN_CONTAINER,
        directory(CLIENT_LOG_DIR, { mode: "0755", owner: "root", group: "adm" }),
    ];
    if (tls) {
        if (!c.caPem) throw new Error("logging client: TLS needs the stack CA certificate");
        ops.push(directory(TLS_DIR, { mode: "0755" }), file(CA_PATH, withNewline(c.caPem), { mode: "0644", tag: tlsTag }));
        if (c.target.tls!.clientKeyPath) {
            if (!c.clientCertPem) throw new Error(`logging client: tls "mutual" needs this host's client certificate`);
            ops.push(file(CLIENT_CERT_PATH, withNewline(c.clientCertPem), { mode: "0644", tag: tlsTag }));
        }
    }
    if (journal) ops.push(SHIPPER_STARTS_AT_THE_END_AFTER_RSYSLOG_FORWARDED);
    ops.push(
        file(FILES.base, baseConf(c), { tag: CONFIG }),
        file(FILES.docker, dockerConf(c), { tag: CONFIG }),
        file(FILES.journal, journalConf(c), { tag: CONFIG }),
        assertThat("the rsyslog configuration parses", VALID, `rsyslog rejects its configuration: run \`${VALID}\` on the host`),
        service("rsyslog", [CONFIG]),
        waitFor(
            `rsyslog takes Docker's lines on 127.0.0.1:${c.localPort}`,
            listening(c.localPort, "127.0.0.1"),
            60,
            `rsyslog does not listen on 127.0.0.1:${c.localPort}: see journalctl -u rsyslog`,
        ),
        ...(journal ? shipperOps(c) : []),
        file(FILES.logrotate, logrotateConf(c.retentionDays)),
        service("logrotate.timer"),
        unit(`${RETENTION_UNIT}.service`, retentionService(CLIENT_LOG_DIR, c.retentionDays, [`${CLIENT_LOG_DIR}/combined.log`])),
        unit(`${RETENTION_UNIT}.timer`, retentionTimer(CLIENT_LOG_DIR)),
        service(`${RETENTION_UNIT}.timer`),
    );
    return ops;
}

/**
 * A host whose rsyslog forwarded (protocol tcp or relp) until now has sent what its journal holds:
 * its shipper starts at the journal's end instead of its start (SHIPPER.startCursor), read before
 * the forwarding configuration is replaced. A new host ships its journal from the start.
 */
const SHIPPER_STARTS_AT_THE_END_AFTER_RSYSLOG_FORWARDED = exec(
    "a host that forwarded with rsyslog until now: the shipper starts at the journal's end",
    `[ -e ${SHIPPER.startCursor} ] || ! grep -qs 'name="microservice_forward"' ${FILES.base}`,
    `mkdir -p ${q(SHIPPER.stateDir)} && journalctl -n 0 --show-cursor --no-pager | sed -n 's/^-- cursor: //p' > ${SHIPPER.startCursor}`,
    SHIPPING,
) as Extract<Op, { kind: "exec" }>;

function shipperOps(c: ClientStep): Op[] {
    const config = shipperConfig({
        host: c.host,
        serverName: c.serverName,
        address: c.target.address,
        port: c.target.port,
        tls: c.target.tls ? (c.target.tls.clientKeyPath ? "mutual" : "server") : "off",
        clientKeyPath: c.target.tls?.clientKeyPath,
        identifiers: c.forwardJournal,
    });
    return [
        file(SHIPPER.program, hostProgram("log-shipper.py"), { mode: "0755", tag: SHIPPING }),
        file(SHIPPER.config, config, { mode: "0644", tag: SHIPPING }),
        unit(`${SHIPPER.unit}.service`, shipperUnit()),
        service(SHIPPER.unit, [SHIPPING]),
    ];
}

export interface ServerStep extends ServerSpec {
    retentionDays: number;
    /** protocol journal: the receiver's port and every stack host's name and address (a host ships only from its own). */
    journal?: { port: number; hosts: Record<string, string> };
    /** TLS only: PEM of the server certificate and of the stack CA. */
    certPem?: string;
    caPem?: string;
}

/** The log server: TCP input, per-host/date tree under /var/log/remote, its own retention. */
export function serverOps(s: ServerStep): Op[] {
    const ops: Op[] = [directory(SERVER_LOG_DIR, { mode: "0755", owner: "root", group: "adm" })];
    // The client step on this host installed rsyslog (and gnutls with TLS); RELP needs its module here too.
    if (s.relpPort !== undefined) ops.unshift(packages(...serverPackages(true)));
    const tlsTag = s.journal ? SERVER_TLS : CONFIG;
    if (s.tls !== "off") {
        if (!s.certPem || !s.caPem || !s.keyPath) throw new Error("logging server: TLS needs the server certificate, its key path and the stack CA");
        ops.push(
            directory(TLS_DIR, { mode: "0755" }),
            file(CA_PATH, withNewline(s.caPem), { mode: "0644", tag: tlsTag }),
            file(SERVER_CERT_PATH, withNewline(s.certPem), { mode: "0644", tag: tlsTag }),
        );
    }
    ops.push(
        file(FILES.server, serverConf(s), { tag: CONFIG }),
        assertThat("the rsyslog configuration parses", VALID, `rsyslog rejects its configuration: run \`${VALID}\` on the host`),
        service("rsyslog", s.journal ? [CONFIG, SERVER_TLS] : [CONFIG]),
        ...(s.journal ? receiverOps(s, s.journal) : []),
        ...[s.port, ...(s.relpPort === undefined ? [] : [s.relpPort])].map((p) =>
            waitFor(`the log server listens on ${p}`, listening(p), 60, `rsyslog does not listen on port ${p}: see journalctl -u rsyslog`),
        ),
        unit(`${SERVER_RETENTION_UNIT}.service`, retentionService(SERVER_LOG_DIR, s.retentionDays)),
        unit(`${SERVER_RETENTION_UNIT}.timer`, retentionTimer(SERVER_LOG_DIR)),
        service(`${SERVER_RETENTION_UNIT}.timer`),
    );
    return ops;
}

/** protocol journal: the receiver that writes the hosts' shipped lines under SERVER_LOG_DIR, each once. */
function receiverOps(s: ServerStep, j: { port: number; hosts: Record<string, string> }): Op[] {
    return [
        directory(RECEIVER.stateDir, { mode: "0700" }),
        file(RECEIVER.program, hostProgram("log-receiver.py"), { mode: "0755", tag: RECEIVING }),
        file(RECEIVER.config, receiverConfig({ port: j.port, hosts: j.hosts, tls: s.tls, keyPath: s.keyPath }), { mode: "0644", tag: RECEIVING }),
        unit(`${RECEIVER.unit}.service`, receiverUnit()),
        service(RECEIVER.unit, [RECEIVING, SERVER_TLS]),
        waitFor(
            `the log receiver listens on ${j.port}`,
            listening(j.port),
            60,
            `${RECEIVER.unit} does not listen on port ${j.port}: see journalctl -u ${RECEIVER.unit}`,
        ),
    ];
}

function withNewline(s: string): string {
    return s.endsWith("\n") ? s : `${s}\n`;
}

export interface SenderCheck {
    /** This host's name (config name) and address as the stack knows it. */
    host: string;
    ip: string;
    /** The log server's name and the address and TCP port its allow-list guards. */
    server: string;
    address: string;
    port: number;
    /** protocol journal: ask the receiver (the shipper's probe) instead of opening rsyslog's TCP input. */
    journal?: boolean;
}

/**
 * Exits 0 when the log server keeps a TCP connection from this host open: a sender missing from
 * its allow-list ($AllowedSender) is accepted and closed at once (rsyslog then drops every line it
 * forwards, and its disk-assisted queue never holds them), so an immediate end of file means refused.
 */
export function acceptedProbe(address: string, port: number): string {
    return `timeout 10 bash -c ${q(`exec 5<>/dev/tcp/${address}/${port} || exit 2; read -r -t 2 -u 5 _; [ $? -gt 128 ]`)}`;
}

/**
 * Every host, after the server step: the log server accepts this host as a sender. A refusal fails
 * the step with the host's name and the address it sends from, instead of lines dropped unseen.
 */
export function senderCheckOps(c: SenderCheck): Op[] {
    if (c.journal) {
        const probe = `python3 ${SHIPPER.program} --probe ${SHIPPER.config}`;
        return [
            exec(
                `the log server ${c.server} (${c.address}:${c.port}) takes ${c.host}'s journal lines`,
                `for i in 1 2 3 4 5; do ${probe} 2>/dev/null && exit 0; sleep 1; done; exit 1`,
                // eslint-disable-next-line max-len -- one rendered script line (a message to the operator), kept whole as it runs
                `${probe}; echo "  ${c.host}'s lines wait in its journal until the server takes them; the server's list of hosts is ${RECEIVER.config} on ${c.server}." >&2; exit 1`,
            ),
        ];
    }
    const probe = acceptedProbe(c.address, c.port);
    const src = `$(ip -4 route get ${c.address} 2>/dev/null | sed -n 's/.* src \\([0-9.]*\\).*/\\1/p')`;
    return [
        exec(
            `the log server ${c.server} (${c.address}:${c.port}) accepts ${c.host} as a sender`,
            `for i in 1 2 3 4 5; do ${probe} && exit 0; sleep 1; done; exit 1`,
            [
                `s=${src}`,
                // eslint-disable-next-line max-len -- one rendered script line (a message to the operator), kept whole as it runs
                `echo "${c.host} (${c.ip}, sending from \${s:-an address ip route does not tell}): refused by the log server ${c.server} (${c.address}:${c.port}): it closes the connection at once, so every line ${c.host} forwards would be dropped." >&2`,
                // eslint-disable-next-line max-len -- one rendered script line (a message to the operator), kept whole as it runs
                `echo "  The server's allow-list (\\$AllowedSender in ${FILES.server} on ${c.server}) lacks the address this host sends from; journalctl -u rsyslog on ${c.server} names it (disallowed sender)." >&2`,
                "exit 1",
            ].join("; "),
        ),
    ];
}
