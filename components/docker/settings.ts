import { z } from "zod";
import { cidr, dataDirectory, networkOf, systemdCalendar } from "../validate";

/**
 * What a stack chooses for Docker and its registry (stack config keys `microservice:docker`,
 * `microservice:registry`, secret `microservice:registryPassword`): the one schema of
 * DockerEngine's and DockerRegistry's `settings`, which the stack schema composes, and the owner
 * of every default.
 */
export const dockerSettingsSchema = z
    .object({
        /** Default log driver of every daemon (Marathon apps set theirs per container, see the logging layer). */
        logDriver: z
            .string()
            .regex(/^[a-z0-9_-]+$/, "expected a Docker log driver name like json-file, local, journald, syslog")
            .default("json-file"),
        /** The log driver's options (all of them: a record given replaces the default whole). */
        logOpts: z.record(z.string().regex(/^[a-z0-9_.-]+$/, "expected a log option name"), z.string()).default({ "max-size": "10m", "max-file": "3" }),
        /**
         * docker0 address/mask, e.g. 172.31.0.1/24 (when Docker's default 172.17.0.0/16 would clash).
         * Its network must not hold a host address nor overlap the hosts' or the mesh's network (stack schema).
         */
        bip: z
            .string()
            .superRefine((b, ctx) => {
                const r = cidr.safeParse(b);
                if (!r.success) return void ctx.addIssue({ code: "custom", message: r.error.issues[0].message });
                if (/\/3[12]$/.test(b) || networkOf(b).split("/")[0] === b.split("/")[0] || isBroadcast(b)) {
                    ctx.addIssue({
                        code: "custom",
                        message: "expected docker0's own address with its prefix, like 172.31.0.1/24 (not the network or broadcast address)",
                    });
                }
            })
            .optional(),
        /**
         * Other registries every daemon reaches over plain HTTP, as host:port (e.g. an internal mirror
         * the Mesos images come from). Empty by default; the stack's own registry is set by `registry.insecure`.
         */
        insecureRegistries: z.array(z.string().regex(/^[A-Za-z0-9.-]+:\d{1,5}$/, "expected a registry as host:port")).default([]),
    })
    .strict();

export const registrySettingsSchema = z
    .object({
        port: z.number().int().min(1).max(65535).default(5000),
        /**
         * Plain HTTP and `insecure-registries` on every daemon: only where explicitly wanted. Its one
         * owner: DockerRegistry exposes it (`insecure`) for DockerEngine's `registryInsecure`.
         */
        insecure: z.boolean().default(false),
        username: z
            .string()
            .regex(/^[a-z0-9][a-z0-9._-]{0,63}$/, "expected a user name of lowercase letters, digits, . _ -")
            .default("microservice"),
        /** systemd OnCalendar expression of the garbage collection; the registry is stopped while it collects. */
        gcSchedule: systemdCalendar.default("Sun *-*-* 03:00:00"),
        /** Extra DNS names in the registry's certificate (its IP and host name are always in it). */
        dnsNames: z.array(z.string().regex(/^[A-Za-z0-9]([A-Za-z0-9.-]*[A-Za-z0-9])?$/, "expected a DNS name")).default([]),
        /** A directory of its own (chowned to docker-registry): never /, a system directory or a path with `..`. */
        storageDir: dataDirectory("/var/lib/docker-registry").default("/var/lib/docker-registry"),
    })
    .strict();

function isBroadcast(b: string): boolean {
    const [addr, bits] = b.split("/");
    const n = addr.split(".").reduce((a, o) => a * 256 + Number(o), 0);
    const size = 2 ** (32 - Number(bits));
    return n % size === size - 1;
}

/**
 * Secret. When unset the stack generates one (kept in state as a secret). Any other character is
 * fine, quotes and backslashes included: every writer escapes it for its format (curl config, files).
 */
export const registryPasswordSchema = z.string().regex(/^[^\s:]{12,}$/, "expected at least 12 characters, no whitespace and no colon");

export type DockerSettings = z.output<typeof dockerSettingsSchema>;
export type DockerSettingsInput = z.input<typeof dockerSettingsSchema>;
export type RegistrySettings = z.output<typeof registrySettingsSchema>;
export type RegistrySettingsInput = z.input<typeof registrySettingsSchema>;
