/**
 * Pure renderers of logging.protocol "journal" (docs/logging.md): every host runs a shipper
 * (host-programs/log-shipper.py) that sends its journal's container and scheduler lines to the log
 * server's receiver (host-programs/log-receiver.py). The receiver owns each host's journal cursor
 * and commits lines and cursor together, so each line is written once on the server, whatever
 * stopped when. The programs read these JSON files; the units keep them running.
 */

import { CA_PATH, CLIENT_CERT_PATH, RECEIVER, SERVER_CERT_PATH, SERVER_LOG_DIR, SHIPPER, TlsMode } from "./render";

const HEADER = "# Managed by microservice (RsyslogAggregator): changes here are overwritten.";

export interface ShipperSpec {
    /** This host's stack name: the server files its lines under it, and admits it by its address or certificate. */
    host: string;
    /** The log server's name (its certificate's), address and receiver port. */
    serverName: string;
    address: string;
    port: number;
    tls: TlsMode;
    /** tls "mutual": this host's client key (its certificate is CLIENT_CERT_PATH). */
    clientKeyPath?: string;
    /** journald identifiers forwarded besides the containers' (tag docker/...). */
    identifiers: readonly string[];
}

export function shipperConfig(s: ShipperSpec): string {
    if (s.tls === "mutual" && !s.clientKeyPath) throw new Error(`logging shipper: tls "mutual" needs this host's client key path`);
    const tls = s.tls === "off" ? {} : { ca: CA_PATH, ...(s.tls === "mutual" ? { cert: CLIENT_CERT_PATH, key: s.clientKeyPath } : {}) };
    const conf = {
        host: s.host,
        serverName: s.serverName,
        address: s.address,
        port: s.port,
        tls: s.tls,
        ...tls,
        identifiers: s.identifiers,
        startCursor: SHIPPER.startCursor,
    };
    return `${JSON.stringify(conf, null, 2)}\n`;
}

export interface ReceiverSpec {
    port: number;
    /** Every stack host's name and private address: a host ships only its own lines, from its address (tls "mutual": its certificate). */
    hosts: Record<string, string>;
    tls: TlsMode;
    /** TLS: the server's key (its certificate is SERVER_CERT_PATH). */
    keyPath?: string;
}

export function receiverConfig(r: ReceiverSpec): string {
    if (r.tls !== "off" && !r.keyPath) throw new Error("logging receiver: TLS needs the server's key path");
    const tls = r.tls === "off" ? {} : { ca: CA_PATH, cert: SERVER_CERT_PATH, key: r.keyPath };
    const hosts = Object.fromEntries(Object.entries(r.hosts).sort(([a], [b]) => a.localeCompare(b)));
    return `${JSON.stringify({ port: r.port, dir: SERVER_LOG_DIR, stateDir: RECEIVER.stateDir, hosts, tls: r.tls, ...tls }, null, 2)}\n`;
}

function serviceUnit(description: string, program: string, config: string): string {
    return `${HEADER}
[Unit]
Description=${description}
After=network-online.target systemd-journald.service
Wants=network-online.target

[Service]
ExecStart=/usr/bin/python3 ${program} ${config}
Restart=always
RestartSec=2

[Install]
WantedBy=multi-user.target
`;
}

/** Restarted by systemd whatever ends it; the journal holds the lines while it is down. */
export function shipperUnit(): string {
    return serviceUnit("Sends this host's container and scheduler journal lines to the log server, each once", SHIPPER.program, SHIPPER.config);
}

export function receiverUnit(): string {
    return serviceUnit("Writes the hosts' shipped journal lines under /var/log/remote, each once", RECEIVER.program, RECEIVER.config);
}
