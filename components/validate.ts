import * as pulumi from "@pulumi/pulumi";
import { z } from "zod";
import type { Host } from "./hosts/host";

/**
 * Validates component args or stack config before anything is created. The error names the key,
 * the value given and what is expected, e.g.
 *   MesosCluster "core": masters: expected an odd count (1, 3 or 5), got 2
 */
export function validate<S extends z.ZodType>(schema: S, value: unknown, context: string): z.output<S> {
    const result = schema.safeParse(value);
    if (result.success) return result.data;
    const lines = result.error.issues.map((issue) => describeIssue(issue, value));
    throw new ValidationError(`${context}: invalid input\n  ${lines.join("\n  ")}`, result.error.issues);
}

export class ValidationError extends Error {
    constructor(message: string, readonly issues: readonly z.core.$ZodIssue[]) {
        super(message);
        this.name = "ValidationError";
    }
}

function describeIssue(issue: z.core.$ZodIssue, root: unknown): string {
    if (issue.code === "unrecognized_keys") {
        return issue.keys.map((k) => `${formatPath([...issue.path, k])}: unknown key (not expected here)`).join("\n  ");
    }
    const key = formatPath(issue.path);
    const got = valueAt(root, issue.path);
    // Never echo what may be a secret.
    const hidden = issue.path.some((p) => /password|secret|privatekey|token/i.test(String(p)));
    const shown = hidden ? "(hidden)" : got === undefined ? "nothing" : JSON.stringify(got);
    return `${key || "(root)"}: ${issue.message}, got ${shown}`;
}

export function formatPath(path: readonly PropertyKey[]): string {
    return path
        .map((p, i) => (typeof p === "number" ? `[${p}]` : i === 0 ? String(p) : `.${String(p)}`))
        .join("");
}

function valueAt(root: unknown, path: readonly PropertyKey[]): unknown {
    let v: any = root;
    for (const p of path) {
        if (v === null || typeof v !== "object") return undefined;
        v = v[p as any];
    }
    return v;
}

/**
 * A `pulumi.Input<T>` field: an Output is accepted as is (it is checked when known), a plain value
 * must match `schema`.
 */
export function input<S extends z.ZodType>(schema: S) {
    return z.custom<z.output<S> | pulumi.Output<z.output<S>>>().superRefine((v, ctx) => {
        if (pulumi.Output.isInstance(v)) return;
        const r = schema.safeParse(v);
        if (!r.success) for (const issue of r.error.issues) ctx.addIssue({ ...(issue as any), path: issue.path });
    });
}

export const ipv4 = z.string().regex(/^(25[0-5]|2[0-4]\d|1?\d?\d)(\.(25[0-5]|2[0-4]\d|1?\d?\d)){3}$/, "expected an IPv4 address like 10.0.15.11");
export const cidr = z.string().regex(/^(25[0-5]|2[0-4]\d|1?\d?\d)(\.(25[0-5]|2[0-4]\d|1?\d?\d)){3}\/(3[0-2]|[12]?\d)$/, "expected an IPv4 CIDR like 10.0.15.0/24");
/** An image reference pinned by digest: name[:tag]@sha256:<64 hex>. */
export const pinnedImage = z.string().regex(/^[a-z0-9]+([._\/:-][a-z0-9]+)*(:[\w][\w.-]{0,127})?@sha256:[a-f0-9]{64}$/, "expected an image reference pinned by digest, like repo/name:tag@sha256:<64 hex>");
export const sha256Hex = z.string().regex(/^[a-f0-9]{64}$/, "expected a sha256 checksum (64 lowercase hex digits)");
export const hostName = z.string().regex(/^[a-z][a-z0-9-]{0,62}$/, "expected a host name of lowercase letters, digits and dashes, starting with a letter");

/** Hosts (from any target) that a component provisions: at least one, each name once (resources are keyed on it). */
export const uniqueHosts = z
    .array(z.custom<Host>((h) => !!h && typeof (h as Host).name === "string" && pulumi.Output.isInstance((h as Host).privateIp), "expected a Host"))
    .min(1, "expected at least one host")
    .superRefine((hosts, ctx) => {
        const seen = new Set<string>();
        hosts.forEach((h, i) => {
            if (seen.has(h.name)) ctx.addIssue({ code: "custom", path: [i, "name"], message: `host name "${h.name}" appears twice` });
            seen.add(h.name);
        });
    });

/** Per host name: resources after which Docker runs on that host. */
export const dockerReadySchema = z.record(z.string(), z.array(z.custom<pulumi.Resource>())).optional();
