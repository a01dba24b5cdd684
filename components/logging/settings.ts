import { z } from "zod";
import { networkCidr } from "../validate";

/**
 * What a stack chooses for log aggregation (stack config key `microservice:logging`), shared by the
 * stack schema and RsyslogAggregator. Defaults are the original's: TCP 514, 1 GB disk queue,
 * 7 days of logs on every host, 30 on the log server.
 */
export const JOURNAL_DEFAULTS = ["mesos-master", "mesos-slave", "mesos-agent", "marathon", "zookeeper"] as const;

const port = (what: string) => z.number({ error: `expected a port number for ${what}` }).int().min(1, "expected a port from 1 to 65535").max(65535, "expected a port from 1 to 65535");

/** rsyslog program names (journald SyslogIdentifier), used verbatim in the rules: no quotes, no spaces. */
const programName = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/, "expected a program name (SyslogIdentifier) of letters, digits, _ . -");

export const loggingSettingsSchema = z
    .object({
        /** Central server port: plain syslog over TCP (imtcp), TLS or not. Always open on the server. */
        port: port("the central server").default(514),
        /**
         * How forwarders send: "tcp" (the original; measured exactly once across a server outage) or
         * "relp" (acknowledged: nothing lost when a connection dies mid-stream, but duplicates seen
         * after an outage). See docs/logging.md for the measurements.
         */
        protocol: z.enum(["tcp", "relp"], { message: "expected tcp or relp" }).default("tcp"),
        /** Server's RELP port (only with protocol relp). */
        relpPort: port("the RELP input").default(2514),
        /** Loopback-only port where each host's rsyslog takes Docker's syslog driver. */
        localPort: port("the local Docker input").default(10514),
        /** TLS between hosts and the server (gtls, certificate from the stack CA). */
        tls: z.boolean().default(false),
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
        forwardJournal: z.array(programName).default([...JOURNAL_DEFAULTS]).refine((l) => new Set(l).size === l.length, "expected no duplicates"),
        /** Disk limit of each host's forwarding queue (rsyslog size: 512m, 1g, ...). */
        queueMaxDiskSpace: z.string().regex(/^[1-9][0-9]*[kmg]$/, "expected a size like 512m or 1g").default("1g"),
        /** Extra networks allowed to send to the server (every stack host and 127.0.0.1 always are). */
        allowedSenders: z.array(networkCidr()).default([]),
    })
    .strict()
    .superRefine((l, ctx) => {
        // The log server host runs every listener at once.
        if (l.localPort === l.port || (l.protocol === "relp" && l.localPort === l.relpPort)) {
            ctx.addIssue({ code: "custom", path: ["localPort"], message: `expected a port other than the server's (${l.port}${l.protocol === "relp" ? `, ${l.relpPort}` : ""}): the log server host listens on all of them` });
        }
        if (l.protocol === "relp" && l.tls) {
            ctx.addIssue({ code: "custom", path: ["tls"], message: "not supported with protocol relp (librelp's TLS needs a client certificate on every host): use protocol tcp with tls" });
        }
        if (l.protocol === "relp" && l.relpPort === l.port) {
            ctx.addIssue({ code: "custom", path: ["relpPort"], message: `expected a port other than port (${l.port}): the server listens on both` });
        }
    });

export type LoggingSettings = z.output<typeof loggingSettingsSchema>;
export type LoggingSettingsInput = z.input<typeof loggingSettingsSchema>;
