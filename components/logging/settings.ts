import { z } from "zod";
import { networkCidr } from "../validate";

/**
 * What a stack chooses for log aggregation (stack config key `microservice:logging`), shared by the
 * stack schema and RsyslogAggregator. Defaults are the original's: TCP 514, 1 GB disk queue,
 * 7 days of logs on every host, 30 on the log server.
 */
export const JOURNAL_DEFAULTS = ["mesos-master", "mesos-slave", "mesos-agent", "marathon", "zookeeper"] as const;

const port = (what: string) =>
    z
        .number({ error: `expected a port number for ${what}` })
        .int()
        .min(1, "expected a port from 1 to 65535")
        .max(65535, "expected a port from 1 to 65535");

/** rsyslog program names (journald SyslogIdentifier), used verbatim in the rules: no quotes, no spaces. */
const programName = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/, "expected a program name (SyslogIdentifier) of letters, digits, _ . -");

export const TLS_MODES = ["off", "server", "mutual"] as const;
export type LoggingTlsMode = (typeof TLS_MODES)[number];

const tlsModeSchema = z.enum(TLS_MODES, {
    error: (iss) =>
        typeof iss.input === "boolean"
            ? `expected "off", "server" or "mutual" (a boolean is no longer taken: true was "server"; "mutual" adds client certificates)`
            : `expected "off", "server" or "mutual"`,
});

export const loggingSettingsSchema = z
    .object({
        /** Central server port: plain syslog over TCP (imtcp), TLS or not. Always open on the server. */
        port: port("the central server").default(514),
        /**
         * How forwarders send. "journal" (default): each host's shipper sends its journal's entries
         * to the log server's receiver, which owns each host's cursor and writes every line exactly
         * once across server stops and forwarder restarts (measured, docs/logging.md). "tcp" (the
         * original: rsyslog's omfwd; lines in flight when the server stops are lost) and "relp"
         * (acknowledged, yet measured here losing lines at a stop too, rsyslog#2610).
         */
        protocol: z.enum(["journal", "tcp", "relp"], { message: "expected journal, tcp or relp" }).default("journal"),
        /** The log server's receiver for protocol journal (HTTP, or HTTPS with tls server/mutual). */
        journalPort: port("the journal receiver").default(19532),
        /** Server's RELP port (only with protocol relp). */
        relpPort: port("the RELP input").default(2514),
        /** Loopback-only port where each host's rsyslog takes the former syslog-driver flags (containers started before the journald driver). */
        localPort: port("the local Docker input").default(10514),
        /**
         * TLS between hosts and the server, certificates from the stack CA: "off"; "server" (the
         * forwarders check the server's certificate and name); "mutual" (also every forwarder
         * presents its own client certificate, and the server takes only the stack's hosts' names).
         */
        tls: tlsModeSchema.default("off"),
        retentionDays: z
            .object({
                /** /var/log/docker on every host (per-app files rotated daily, this many kept). */
                client: z.number().int().min(1, "expected at least 1 day").max(3650).default(7),
                /** /var/log/remote on the log server. */
                server: z.number().int().min(1, "expected at least 1 day").max(3650).default(30),
            })
            .strict()
            .prefault({}),
        /** Programs (journald identifiers) whose lines are also forwarded; they stay in journald and out of /var/log/syslog. */
        forwardJournal: z
            .array(programName)
            .default([...JOURNAL_DEFAULTS])
            .refine((l) => new Set(l).size === l.length, "expected no duplicates"),
        /** Disk limit of each host's forwarding queue (rsyslog size: 512m, 1g, ...). */
        queueMaxDiskSpace: z
            .string()
            .regex(/^[1-9][0-9]*[kmg]$/, "expected a size like 512m or 1g")
            .default("1g"),
        /** Extra networks allowed to send to the server (every stack host and 127.0.0.1 always are). */
        allowedSenders: z.array(networkCidr()).default([]),
    })
    .strict()
    .superRefine((l, ctx) => {
        // The log server host runs every listener at once.
        const serverPorts = [l.port, ...(l.protocol === "relp" ? [l.relpPort] : []), ...(l.protocol === "journal" ? [l.journalPort] : [])];
        if (serverPorts.includes(l.localPort)) {
            ctx.addIssue({
                code: "custom",
                path: ["localPort"],
                message: `expected a port other than the server's (${serverPorts.join(", ")}): the log server host listens on all of them`,
            });
        }
        if (l.protocol === "journal" && l.journalPort === l.port) {
            ctx.addIssue({ code: "custom", path: ["journalPort"], message: `expected a port other than port (${l.port}): the server listens on both` });
        }
        if (l.protocol === "relp" && l.tls === "server") {
            ctx.addIssue({
                code: "custom",
                path: ["tls"],
                message: `expected "mutual" or "off" with protocol relp (librelp's TLS authenticates both ends: every host needs its client certificate)`,
            });
        }
        if (l.tls === "mutual" && l.allowedSenders.length > 0) {
            ctx.addIssue({
                code: "custom",
                path: ["allowedSenders"],
                message:
                    `expected none with tls "mutual": the server takes only the stack's hosts, by their certificates ` +
                    "(a sender outside the stack has none)",
            });
        }
        if (l.protocol === "relp" && l.relpPort === l.port) {
            ctx.addIssue({ code: "custom", path: ["relpPort"], message: `expected a port other than port (${l.port}): the server listens on both` });
        }
    });

export type LoggingSettings = z.output<typeof loggingSettingsSchema>;
export type LoggingSettingsInput = z.input<typeof loggingSettingsSchema>;
