import { directory, exec, file, Op, packages, q, service, unit, waitFor } from "../provision";
import {
    baseConf, CA_PATH, CLIENT_LOG_DIR, ClientSpec, dockerConf, FILES, journalConf, logrotateConf, RETENTION_UNIT,
    retentionService, retentionTimer, SERVER_CERT_PATH, SERVER_LOG_DIR, SERVER_RETENTION_UNIT, serverConf, ServerSpec, TLS_DIR,
} from "./render";

/** Pure generators of the logging steps (golden-tested). Tags: rsyslog restarts only on `rsyslog-config`. */

const CONFIG = "rsyslog-config";
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
    retentionDays: number;
    /** PEM of the stack CA (TLS only). */
    caPem?: string;
}

/** Every host: local Docker input, per-app files, forwarding queue, journal forwarding, retention. */
export function clientOps(c: ClientStep): Op[] {
    const tls = c.target.tls !== undefined;
    const ops: Op[] = [
        packages("rsyslog", "logrotate", ...(c.target.protocol === "relp" ? ["rsyslog-relp"] : []), ...(tls ? ["rsyslog-gnutls"] : [])),
        IMKLOG_OFF_IN_CONTAINER,
        directory(CLIENT_LOG_DIR, { mode: "0755", owner: "root", group: "adm" }),
    ];
    if (tls) {
        if (!c.caPem) throw new Error("logging client: TLS needs the stack CA certificate");
        ops.push(directory(TLS_DIR, { mode: "0755" }), file(CA_PATH, withNewline(c.caPem), { mode: "0644", tag: CONFIG }));
    }
    ops.push(
        file(FILES.base, baseConf(c), { tag: CONFIG }),
        file(FILES.docker, dockerConf(c), { tag: CONFIG }),
        file(FILES.journal, journalConf(c), { tag: CONFIG }),
        waitFor("the rsyslog configuration parses", VALID, 0, `rsyslog rejects its configuration: run \`${VALID}\` on the host`),
        service("rsyslog", [CONFIG]),
        waitFor(`rsyslog takes Docker's lines on 127.0.0.1:${c.localPort}`, listening(c.localPort, "127.0.0.1"), 60, `rsyslog does not listen on 127.0.0.1:${c.localPort}: see journalctl -u rsyslog`),
        file(FILES.logrotate, logrotateConf(c.retentionDays)),
        service("logrotate.timer"),
        unit(`${RETENTION_UNIT}.service`, retentionService(CLIENT_LOG_DIR, c.retentionDays, [`${CLIENT_LOG_DIR}/combined.log`])),
        unit(`${RETENTION_UNIT}.timer`, retentionTimer(CLIENT_LOG_DIR)),
        service(`${RETENTION_UNIT}.timer`),
    );
    return ops;
}

export interface ServerStep extends ServerSpec {
    retentionDays: number;
    /** TLS only: PEM of the server certificate and of the stack CA. */
    certPem?: string;
    caPem?: string;
}

/** The log server: TCP input, per-host/date tree under /var/log/remote, its own retention. */
export function serverOps(s: ServerStep): Op[] {
    const ops: Op[] = [directory(SERVER_LOG_DIR, { mode: "0755", owner: "root", group: "adm" })];
    // The client step on this host installed rsyslog (and gnutls with TLS); RELP needs its module here too.
    if (s.relpPort !== undefined) ops.unshift(packages("rsyslog-relp"));
    if (s.tls) {
        if (!s.certPem || !s.caPem || !s.keyPath) throw new Error("logging server: TLS needs the server certificate, its key path and the stack CA");
        ops.push(
            directory(TLS_DIR, { mode: "0755" }),
            file(CA_PATH, withNewline(s.caPem), { mode: "0644", tag: CONFIG }),
            file(SERVER_CERT_PATH, withNewline(s.certPem), { mode: "0644", tag: CONFIG }),
        );
    }
    ops.push(
        file(FILES.server, serverConf(s), { tag: CONFIG }),
        waitFor("the rsyslog configuration parses", VALID, 0, `rsyslog rejects its configuration: run \`${VALID}\` on the host`),
        service("rsyslog", [CONFIG]),
        ...[s.port, ...(s.relpPort === undefined ? [] : [s.relpPort])].map((p) =>
            waitFor(`the log server listens on ${p}`, listening(p), 60, `rsyslog does not listen on port ${p}: see journalctl -u rsyslog`),
        ),
        unit(`${SERVER_RETENTION_UNIT}.service`, retentionService(SERVER_LOG_DIR, s.retentionDays)),
        unit(`${SERVER_RETENTION_UNIT}.timer`, retentionTimer(SERVER_LOG_DIR)),
        service(`${SERVER_RETENTION_UNIT}.timer`),
    );
    return ops;
}

function withNewline(s: string): string {
    return s.endsWith("\n") ? s : `${s}\n`;
}
