import { Role } from "../hosts/host";

/** Who does what in a Mesos cluster, derived from host roles: pure, so it is unit-tested alone. */

export const MASTER_COUNTS = [1, 3, 5] as const;

/**
 * The replicated log's quorum: a strict majority of the masters, floor(n/2)+1 (the original's
 * template meant this but always wrote 1). Only odd counts make sense: an even count tolerates no
 * more failures than the odd count below it and is rejected.
 */
export function quorum(masters: number): number {
    if (!(MASTER_COUNTS as readonly number[]).includes(masters)) {
        throw new Error(`expected an odd count of masters (1, 3 or 5), got ${masters}`);
    }
    return Math.floor(masters / 2) + 1;
}

/** Roles that make an agent a "system" agent (the original's node1); every other agent is "app". */
const SYSTEM_ROLES: readonly Role[] = ["master", "marathon", "registry", "logServer", "mgmt"];

export function slavetype(roles: readonly Role[]): "system" | "app" {
    return roles.some((r) => SYSTEM_ROLES.includes(r)) ? "system" : "app";
}

/**
 * An agent's attributes: `slavetype` from its roles, then the cluster-wide ones, then the host's own
 * (a later source wins on the same name). Keys sorted, so equal attributes render equal bytes.
 */
export function agentAttributes(
    roles: readonly Role[],
    cluster: Readonly<Record<string, string>> = {},
    host: Readonly<Record<string, string>> = {},
): Record<string, string> {
    const merged: Record<string, string> = { slavetype: slavetype(roles), ...cluster, ...host };
    return Object.fromEntries(
        Object.keys(merged)
            .sort()
            .map((k) => [k, merged[k]]),
    );
}

/** Mesos' --attributes form: `name:value;name:value`. */
export function attributesFlag(attrs: Readonly<Record<string, string>>): string {
    return Object.keys(attrs)
        .sort()
        .map((k) => `${k}:${attrs[k]}`)
        .join(";");
}

/**
 * Whether an agent that ran with `before` may recover its identity with `after` under
 * `--reconfiguration_policy=additive`: every old attribute must still be there with its value and
 * the hostname must not change (the master rejects a new hostname for a known agent).
 */
export function isAdditiveChange(before: { hostname: string; attributes: string }, after: { hostname: string; attributes: string }): boolean {
    if (before.hostname !== after.hostname) return false;
    const now = new Set(after.attributes.split(";").filter(Boolean));
    return before.attributes
        .split(";")
        .filter(Boolean)
        .every((pair) => now.has(pair));
}
