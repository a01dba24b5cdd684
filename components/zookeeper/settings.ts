import { z } from "zod";
import { dataDirectory } from "../validate";

/** ZooKeeper's fixed peer and election ports (every member listens on them; components/ports.ts lists them as fixed). */
export const ZOOKEEPER_PEER_PORT = 2888;
export const ZOOKEEPER_ELECTION_PORT = 3888;
/** The defaults of `clientPort` and `adminServerPort` below (components/ports.ts reads them for unset keys). */
export const ZOOKEEPER_DEFAULT_CLIENT_PORT = 2181;
export const ZOOKEEPER_DEFAULT_ADMIN_PORT = 8181;

const port = z.number().int().min(1).max(65535);

/** Four-letter words that may be allowed besides srvr, ruok and mntr (always allowed). */
export const FOUR_LETTER_WORDS = ["srvr", "ruok", "mntr", "stat", "conf", "isro", "envi", "cons", "wchs", "dirs"] as const;

/**
 * What a stack chooses for ZooKeeper (stack config key `microservice:zookeeper`): the one schema of
 * ZooKeeperEnsemble's `settings`, which the stack schema composes, and the owner of every default
 * (the original's values: tickTime 2000, initLimit 5, syncLimit 2, /var/lib/zookeeper, autopurge 24/3).
 * The members are the hosts with role `zookeeper` and a `zookeeperId`.
 */
export const zookeeperSettingsSchema = z
    .object({
        clientPort: port.default(ZOOKEEPER_DEFAULT_CLIENT_PORT),
        tickTime: z.number().int().min(100).max(60000).default(2000),
        initLimit: z.number().int().min(1).max(1000).default(5),
        syncLimit: z.number().int().min(1).max(1000).default(2),
        /** A directory of its own (chowned to zookeeper): never /, a system directory or a path with `..`. */
        dataDir: dataDirectory("/var/lib/zookeeper").default("/var/lib/zookeeper"),
        autopurgeIntervalHours: z.number().int().min(0).max(8760).default(24),
        autopurgeSnapRetainCount: z.number().int().min(3, "expected at least 3 (ZooKeeper's minimum)").default(3),
        /** Four-letter words allowed on the client port besides srvr, ruok and mntr (always allowed). */
        fourLetterWords: z.array(z.enum(FOUR_LETTER_WORDS)).default([]),
        /** AdminServer port (default 8181, on ZooKeeperEnsemble's `adminServerAddress`), or false to disable it. Never 8080 (Marathon). */
        adminServerPort: z.union([port, z.literal(false)]).default(ZOOKEEPER_DEFAULT_ADMIN_PORT),
    })
    .strict()
    .superRefine((s, ctx) => {
        // Refinements run even when a key failed its own check: compare only valid ports.
        const client = typeof s.clientPort === "number" ? s.clientPort : ZOOKEEPER_DEFAULT_CLIENT_PORT;
        const others: [number, string][] = [
            [ZOOKEEPER_PEER_PORT, `ZooKeeper's peer port ${ZOOKEEPER_PEER_PORT}`],
            [ZOOKEEPER_ELECTION_PORT, `ZooKeeper's election port ${ZOOKEEPER_ELECTION_PORT}`],
        ];
        const clash = others.find(([p]) => p === client);
        if (clash) ctx.addIssue({ code: "custom", path: ["clientPort"], message: `expected a port other than ${clash[1]} (every member listens on it)` });
        const admin = s.adminServerPort;
        if (typeof admin !== "number") return;
        if (admin === 8080)
            ctx.addIssue({
                code: "custom",
                path: ["adminServerPort"],
                message: "expected a port other than 8080 (Marathon's port; ZooKeeper's AdminServer is moved off it), or false to disable it",
            });
        const adminClash = [...others, [client, `zookeeper.clientPort ${client}`] as [number, string]].find(([p]) => p === admin);
        if (adminClash) ctx.addIssue({ code: "custom", path: ["adminServerPort"], message: `expected a port other than ${adminClash[1]}` });
    });

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
