import * as pulumi from "@pulumi/pulumi";
import { validate } from "../components/validate";
import { SECRET_KEYS, StackConfig, platformConfigSchema, stackConfigWarnings } from "./schema";

export const PROJECT = "microservice";

// Exported by the SDK's runtime but missing from its typings.
// eslint-disable-next-line @typescript-eslint/no-require-imports -- typed by hand here: an import would not know the function
const { isConfigSecret } = require("@pulumi/pulumi/runtime/config") as { isConfigSecret(key: string): boolean };

/** Raw stack config of this project: `{ key: parsed value }` (JSON values parsed). */
export function rawStackConfig(): Record<string, unknown> {
    const all = pulumi.runtime.allConfig();
    const out: Record<string, unknown> = {};
    for (const [fullKey, value] of Object.entries(all)) {
        const [ns, key] = splitKey(fullKey);
        if (ns !== PROJECT) continue;
        out[key] = parse(value);
    }
    return out;
}

/**
 * Reads and validates the whole stack config once. Bad config fails here, before any resource is
 * created, with the key, the value given and what is expected. Secrets must be set as secrets.
 * Settings that are legal but risky are handed to `warn` (the Pulumi log by default).
 */
export function loadStackConfig(warn: (message: string) => void = (m) => pulumi.log.warn(m)): StackConfig {
    const raw = rawStackConfig();
    for (const key of SECRET_KEYS) {
        if (raw[key] !== undefined && !isConfigSecret(`${PROJECT}:${key}`)) {
            throw new Error(`stack config "${PROJECT}:${key}" must be a secret: set it with \`pulumi config set --secret ${key} ...\``);
        }
    }
    const cfg = validate(platformConfigSchema, raw, "stack config");
    // Legal but probably not meant (an admin network wider than /24, a password nothing uses).
    for (const w of stackConfigWarnings(cfg)) warn(`stack config: ${w}`);
    // From here on a secret only travels as a Pulumi secret.
    for (const key of SECRET_KEYS) {
        const v = (cfg as Record<string, unknown>)[key];
        if (v !== undefined) (cfg as Record<string, unknown>)[key] = pulumi.secret(v);
    }
    return cfg;
}

function splitKey(k: string): [string, string] {
    const i = k.indexOf(":");
    return i < 0 ? ["", k] : [k.slice(0, i), k.slice(i + 1)];
}

function parse(v: string): unknown {
    try {
        return JSON.parse(v);
    } catch {
        return v;
    }
}
