import * as pulumi from "@pulumi/pulumi";
import { z } from "zod";
import { DockerParameter, HostReadiness, LogShipping } from "../contracts";
import { Host, singleHostWithRole } from "../hosts/host";
import { hostReadinessSchema, readinessOf, readinessOn } from "../hosts/readiness";
import { ServerCertificate, StackCa } from "../pki";
import { HostSteps, packageUnion } from "../provision";
import { PKI_PACKAGES } from "../pki/ops";
import { validate } from "../validate";
import { dockerTag, journaldDriverParameters } from "./render";
import { clientOps, clientPackages, senderCheckOps, serverOps, serverPackages } from "./ops";
import { LoggingSettings, LoggingSettingsInput, loggingSettingsSchema } from "./settings";

export interface RsyslogAggregatorArgs {
    /** Every host: its containers log through its own rsyslog, which forwards to the server. */
    hosts: Host[];
    /** The central server (default: the one host with role `logServer`). It forwards to itself too. */
    server?: Host;
    /** Stack config section `logging` (defaults: the original's ports, queue and retention). */
    settings?: LoggingSettingsInput;
    /** Signs the server's (and with tls "mutual" every forwarder's) certificate; trusted by both ends (required unless settings.tls is "off"). */
    ca?: StackCa;
    /** What each host's logging steps wait for (the stack passes nothing: rsyslog needs only the host). */
    hostReady?: HostReadiness;
}

/**
 * Group of rsyslog's TLS keys. rsyslog reads keys and certificates when it opens a TLS session,
 * after dropping privileges where the distribution makes it (Ubuntu: user syslog, a member of adm;
 * Debian's runs as root). Measured with rsyslogd 8.2302 here: a dropped rsyslog cannot read a root-only
 * key, and it keeps the user's supplementary groups. adm exists on both.
 */
export const RSYSLOG_KEY_GROUP = "adm";

/**
 * The Debian packages a RsyslogAggregator installs on a host: every host's forwarder; on the server
 * (`server`: its name) RELP's module and, with TLS, its certificate's key; with tls "mutual" every
 * host's own key too.
 */
export function rsyslogAggregatorPackages(host: Pick<Host, "name">, server: string, s: Pick<LoggingSettings, "protocol" | "tls">): string[] {
    const tls = s.tls !== "off";
    const isServer = host.name === server;
    return packageUnion(
        clientPackages(s.protocol, tls),
        isServer ? serverPackages(s.protocol === "relp") : [],
        (isServer && tls) || s.tls === "mutual" ? PKI_PACKAGES : [],
    );
}

const hostShape = z.custom<Host>((h) => !!h && typeof (h as Host).name === "string", "expected a Host");

const argsSchema = z
    .object({
        hosts: z
            .array(hostShape)
            .min(1, "expected at least one host")
            .refine((hs) => new Set(hs.map((h) => h.name)).size === hs.length, "expected unique host names"),
        server: hostShape.optional(),
        settings: loggingSettingsSchema.prefault({}),
        ca: z.custom<StackCa>((c) => c === undefined || c instanceof StackCa, "expected a StackCa").optional(),
        hostReady: hostReadinessSchema,
    })
    .superRefine((a, ctx) => {
        if (a.settings.tls !== "off" && !a.ca)
            ctx.addIssue({
                code: "custom",
                path: ["ca"],
                message: `required when settings.tls is "${a.settings.tls}": the stack CA (StackCa) that signs the certificates`,
            });
        if (a.server && !a.hosts.some((h) => h.name === a.server!.name)) {
            ctx.addIssue({ code: "custom", path: ["server"], message: `expected one of the hosts (${a.hosts.map((h) => h.name).join(", ")})` });
        }
    });

/**
 * Container log aggregation with rsyslog, as the original: every host's containers log through
 * Docker's journald driver into that host's journal, where its own rsyslog reads them (imjournal,
 * with a persisted cursor) into /var/log/docker/<app>/docker.log and forwards them through a
 * disk-assisted queue to one central server
 * (/var/log/remote/<host>/<YYYY>/<MM>/<DD>/docker/<app>/docker.log). Retention runs from systemd
 * timers. See docs/logging.md.
 */
export class RsyslogAggregator extends pulumi.ComponentResource implements LogShipping {
    readonly settings: LoggingSettings;
    readonly server: Host;
    /** `host:port` forwarders send to. */
    readonly serverAddress: pulumi.Output<string>;
    readonly certificate?: ServerCertificate;
    /** tls "mutual": per host name, the client certificate its forwarder presents. */
    readonly clientCertificates: Record<string, ServerCertificate> = {};
    /** Per host: after these its rsyslog takes Docker's lines. */
    readonly hostReady: HostReadiness;
    /** Per host name: the step that proves the log server accepts this host as a sender. */
    readonly senderAccepted: Record<string, pulumi.Resource> = {};
    readonly ready: pulumi.Resource[];

    constructor(name: string, args: RsyslogAggregatorArgs, opts?: pulumi.ComponentResourceOptions) {
        const a = validate(
            argsSchema,
            { hosts: args.hosts, server: args.server, settings: args.settings, ca: args.ca, hostReady: args.hostReady },
            `RsyslogAggregator "${name}"`,
        );
        super("microservice:index:RsyslogAggregator", name, {}, opts);
        const s = a.settings;
        this.settings = s;
        const server = args.server ?? singleHostWithRole(args.hosts, "logServer");
        this.server = server;
        const protocol = s.protocol;
        const journal = protocol === "journal";
        const forwardPort = journal ? s.journalPort : protocol === "relp" ? s.relpPort : s.port;
        this.serverAddress = server.privateIp.apply((ip) => `${ip}:${forwardPort}`);

        const steps = Object.fromEntries(args.hosts.map((h) => [h.name, new HostSteps(this, name, h, readinessOn(args.hostReady, h))]));
        const tls = s.tls !== "off";
        const caPem = a.ca ? a.ca.caCert : pulumi.output(undefined);

        const clientReady: Record<string, pulumi.Resource> = {};
        for (const host of args.hosts) {
            // "mutual": the forwarder's own key (made on its host) and certificate (clientAuth, named after the host).
            const own = s.tls === "mutual" ? this.clientCertificate(name, a.ca!, host, readinessOn(args.hostReady, host)) : undefined;
            if (own) this.clientCertificates[host.name] = own;
            const ownPem = own ? own.certPem : pulumi.output(undefined);
            const ops = pulumi.all([server.privateIp, caPem, ownPem]).apply(([address, ca, clientPem]) =>
                clientOps({
                    host: host.name,
                    serverName: server.name,
                    localPort: s.localPort,
                    target: { protocol, address, port: forwardPort, tls: tls ? { peerName: server.name, clientKeyPath: own?.keyPath } : undefined },
                    queueMaxDiskSpace: s.queueMaxDiskSpace,
                    forwardJournal: s.forwardJournal,
                    retentionDays: s.retentionDays.client,
                    caPem: tls ? ca : undefined,
                    clientCertPem: clientPem,
                }),
            );
            // A forwarder follows the server to a new address only once that address answers.
            clientReady[host.name] = steps[host.name].add("logging-client", ops, { dependsOn: [server.ready] });
        }

        let cert: pulumi.Output<{ certPem: string; keyPath: string } | undefined> = pulumi.output(undefined);
        if (tls) {
            this.certificate = a.ca!.issue(
                `${name}-tls`,
                {
                    host: server,
                    commonName: server.name,
                    ips: [server.privateIp],
                    dnsNames: [server.name],
                    keyGroup: RSYSLOG_KEY_GROUP,
                    after: [clientReady[server.name]],
                },
                { parent: this },
            );
            const c = this.certificate;
            cert = c.certPem.apply((certPem) => ({ certPem, keyPath: c.keyPath }));
        }
        const senders = pulumi.all(args.hosts.map((h) => h.privateIp));
        const serverStep = steps[server.name].add(
            "logging-server",
            pulumi.all([senders, cert, caPem]).apply(([ips, c, ca]) =>
                serverOps({
                    journal: journal ? { port: s.journalPort, hosts: Object.fromEntries(args.hosts.map((h, i) => [h.name, ips[i]])) } : undefined,
                    port: s.port,
                    relpPort: protocol === "relp" ? s.relpPort : undefined,
                    allowedSenders: [...new Set([...ips, ...s.allowedSenders])],
                    tls: s.tls,
                    keyPath: c?.keyPath,
                    certPem: c?.certPem,
                    caPem: tls ? ca : undefined,
                    permittedPeers: s.tls === "mutual" ? args.hosts.map((h) => h.name) : undefined,
                    retentionDays: s.retentionDays.server,
                }),
            ),
            // The allow-list changes only after every sender's host answered: a host moved to an
            // address where no machine answers stops the change, instead of refusing the host's lines.
            { dependsOn: args.hosts.map((h) => h.ready) },
        );
        for (const host of args.hosts) {
            const ops = pulumi
                .all([host.privateIp, server.privateIp])
                .apply(([ip, address]) => senderCheckOps({ host: host.name, ip, server: server.name, address, port: forwardPort, journal }));
            this.senderAccepted[host.name] = steps[host.name].add("logging-sender", ops, { dependsOn: [serverStep] });
        }
        this.hostReady = readinessOf(clientReady);
        this.ready = [...Object.values(clientReady), serverStep, ...Object.values(this.senderAccepted)];
        this.registerOutputs({ serverAddress: this.serverAddress });
    }

    private clientCertificate(name: string, ca: StackCa, host: Host, after: pulumi.Resource[]): ServerCertificate {
        return ca.issue(
            `${name}-client-${host.name}`,
            { host, usage: "client", commonName: host.name, ips: [host.privateIp], dnsNames: [host.name], keyGroup: RSYSLOG_KEY_GROUP, after },
            { parent: this },
        );
    }

    /**
     * The `docker run` flags (Marathon `container.docker.parameters`) that send an app's output to
     * this host's journal under tag `docker/<app>`, where its rsyslog reads it (see journaldDriverParameters).
     */
    dockerParameters(app: string): DockerParameter[] {
        return journaldDriverParameters(dockerTag(app));
    }

    /** The same flags for a tag given as is (e.g. a placeholder in docs and outputs). */
    parametersForTag(tag: string): DockerParameter[] {
        return journaldDriverParameters(tag);
    }
}
