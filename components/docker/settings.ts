import { z } from "zod";
import { cidr } from "../validate";

/**
 * What a stack chooses for Docker and its registry (stack config keys `microservice:docker`,
 * `microservice:registry`, secret `microservice:registryPassword`). Unset keys take the
 * components' defaults (DockerEngineArgs, DockerRegistryArgs).
 */
export const dockerSettingsSchema = z
    .object({
        /** Default log driver of every daemon (Marathon apps set syslog per container). Default json-file. */
        logDriver: z.string().regex(/^[a-z0-9_-]+$/, "expected a Docker log driver name like json-file, local, journald").optional(),
        /** Default { "max-size": "10m", "max-file": "3" }. */
        logOpts: z.record(z.string().regex(/^[a-z0-9_.-]+$/, "expected a log option name"), z.string()).optional(),
        /** docker0 address/mask, e.g. 172.31.0.1/24 (when Docker's default 172.17.0.0/16 would clash). */
        bip: cidr.optional(),
    })
    .strict();

export const registrySettingsSchema = z
    .object({
        port: z.number().int().min(1).max(65535).default(5000),
        /** Plain HTTP and `insecure-registries` on every daemon: only where explicitly wanted. */
        insecure: z.boolean().default(false),
        username: z.string().regex(/^[a-z0-9][a-z0-9._-]{0,63}$/, "expected a user name of lowercase letters, digits, . _ -").default("microservice"),
        /** systemd OnCalendar expression; the registry is stopped while it collects. Default "Sun *-*-* 03:00:00". */
        gcSchedule: z.string().regex(/^[A-Za-z0-9*:,./~ -]{1,64}$/, "expected a systemd OnCalendar expression like \"Sun *-*-* 03:00:00\"").optional(),
        /** Extra DNS names in the registry's certificate (its IP and host name are always in it). */
        dnsNames: z.array(z.string().regex(/^[A-Za-z0-9]([A-Za-z0-9.-]*[A-Za-z0-9])?$/, "expected a DNS name")).optional(),
        storageDir: z.string().regex(/^\/[A-Za-z0-9._/-]+$/, "expected an absolute path").optional(),
    })
    .strict();

/** Secret. When unset the stack generates one (kept in state as a secret). */
export const registryPasswordSchema = z.string().regex(/^[^\s:]{12,}$/, "expected at least 12 characters, no whitespace and no colon");

export type DockerSettings = z.output<typeof dockerSettingsSchema>;
export type RegistrySettings = z.output<typeof registrySettingsSchema>;
