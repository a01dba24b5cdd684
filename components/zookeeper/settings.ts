import { z } from "zod";
import { dataDirectory } from "../validate";

/**
 * Stack config key `microservice:zookeeper`: the ensemble's settings (members are the hosts with
 * role `zookeeper` and a `zookeeperId`). Unset keys take ZooKeeperEnsembleArgs' defaults, which are
 * the original's values (tickTime 2000, initLimit 5, syncLimit 2, /var/lib/zookeeper, autopurge 24/3).
 */
export const zookeeperSettingsSchema = z
    .object({
        clientPort: z.number().int().min(1).max(65535).optional(),
        tickTime: z.number().int().min(100).max(60000).optional(),
        initLimit: z.number().int().min(1).max(1000).optional(),
        syncLimit: z.number().int().min(1).max(1000).optional(),
        /** A directory of its own (chowned to zookeeper): never /, a system directory or a path with `..`. */
        dataDir: dataDirectory("/var/lib/zookeeper").optional(),
        autopurgeIntervalHours: z.number().int().min(0).max(8760).optional(),
        autopurgeSnapRetainCount: z.number().int().min(3).optional(),
        /** Extra four-letter words (srvr, ruok, mntr are always allowed). */
        fourLetterWords: z.array(z.enum(["srvr", "ruok", "mntr", "stat", "conf", "isro", "envi", "cons", "wchs", "dirs"])).optional(),
        /** AdminServer port (default 8181, on 127.0.0.1), or false to disable it. Never 8080 (Marathon). */
        adminServerPort: z.union([z.number().int().min(1).max(65535), z.literal(false)]).optional(),
    })
    .strict()
    .superRefine((s, ctx) => {
        // ZooKeeperEnsemble refuses these too, but only once hosts and the platform exist: refused here first.
        const client = s.clientPort ?? ZOOKEEPER_DEFAULT_CLIENT_PORT;
        const others: [number, string][] = [
            [ZOOKEEPER_PEER_PORT, `ZooKeeper's peer port ${ZOOKEEPER_PEER_PORT}`],
            [ZOOKEEPER_ELECTION_PORT, `ZooKeeper's election port ${ZOOKEEPER_ELECTION_PORT}`],
        ];
        const clash = others.find(([p]) => p === client);
        if (clash) ctx.addIssue({ code: "custom", path: ["clientPort"], message: `expected a port other than ${clash[1]} (every member listens on it)` });
        const admin = s.adminServerPort ?? ZOOKEEPER_DEFAULT_ADMIN_PORT;
        if (admin === false) return;
        if (admin === 8080)
            ctx.addIssue({
                code: "custom",
                path: ["adminServerPort"],
                message: "expected a port other than 8080 (Marathon's port; ZooKeeper's AdminServer is moved off it), or false to disable it",
            });
        const adminClash = [...others, [client, `zookeeper.clientPort ${client}`] as [number, string]].find(([p]) => p === admin);
        if (adminClash) ctx.addIssue({ code: "custom", path: ["adminServerPort"], message: `expected a port other than ${adminClash[1]}` });
    });

/** ZooKeeperEnsemble's fixed ports and defaults: its args schema (ensemble.ts) defaults to these, and the section's checks above compare with them. */
export const ZOOKEEPER_DEFAULT_CLIENT_PORT = 2181;
export const ZOOKEEPER_PEER_PORT = 2888;
export const ZOOKEEPER_ELECTION_PORT = 3888;
export const ZOOKEEPER_DEFAULT_ADMIN_PORT = 8181;

export type ZookeeperSettings = z.output<typeof zookeeperSettingsSchema>;
export type ZookeeperSettingsInput = z.input<typeof zookeeperSettingsSchema>;

/**
 * The ZooKeeper digest password (top-level secret `microservice:zookeeperPassword`). It travels
 * inside `zk://microservice:<password>@...` URLs, which Mesos and Marathon split at `:`, `@` and `/`,
 * and in zkCli command files split at whitespace: letters, digits and `._~-` only.
 */
export const zookeeperPasswordSchema = z
    .string()
    .min(16, "expected at least 16 characters")
    .regex(/^[A-Za-z0-9._~-]+$/, "expected letters, digits and . _ ~ - only (it goes inside a zk:// URL)");
