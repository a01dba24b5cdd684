import { z } from "zod";

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
        dataDir: z.string().regex(/^\/[A-Za-z0-9._/-]+$/, "expected an absolute path").optional(),
        autopurgeIntervalHours: z.number().int().min(0).max(8760).optional(),
        autopurgeSnapRetainCount: z.number().int().min(3).optional(),
        /** Extra four-letter words (srvr, ruok, mntr are always allowed). */
        fourLetterWords: z.array(z.enum(["srvr", "ruok", "mntr", "stat", "conf", "isro", "envi", "cons", "wchs", "dirs"])).optional(),
        /** AdminServer port (default 8181, on 127.0.0.1), or false to disable it. Never 8080 (Marathon). */
        adminServerPort: z.union([z.number().int().min(1).max(65535), z.literal(false)]).optional(),
    })
    .strict();

export type ZookeeperSettings = z.output<typeof zookeeperSettingsSchema>;
