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
    if (result.success) {
        // Outputs given for `input()` fields come back checked when they resolve: say whose they are.
        const checks: pulumi.Output<unknown>[] = [];
        claimDeferredChecks(result.data, context, [], checks, new Set());
        if (checks.length && result.data && typeof result.data === "object") CHECKS.set(result.data, checks);
        return result.data;
    }
    const lines = result.error.issues.map((issue) => describeIssue(issue, value));
    throw new ValidationError(`${context}: invalid input\n  ${lines.join("\n  ")}`, result.error.issues);
}

export class ValidationError extends Error {
    constructor(
        message: string,
        readonly issues: readonly z.core.$ZodIssue[],
    ) {
        super(message);
        this.name = "ValidationError";
    }
}

function describeIssue(issue: z.core.$ZodIssue, root: unknown, hideValue = false): string {
    if (issue.code === "unrecognized_keys") {
        return issue.keys.map((k) => `${formatPath([...issue.path, k])}: unknown key (not expected here)`).join("\n  ");
    }
    const key = formatPath(issue.path);
    const got = valueAt(root, issue.path);
    // Never echo what may be a secret.
    const hidden = hideValue || issue.path.some((p) => /password|secret|privatekey|token/i.test(String(p)));
    const shown = hidden ? "(hidden)" : got === undefined ? "nothing" : JSON.stringify(got);
    return `${key || "(root)"}: ${issue.message}, got ${shown}`;
}

export function formatPath(path: readonly PropertyKey[]): string {
    return path.map((p, i) => (typeof p === "number" ? `[${p}]` : i === 0 ? String(p) : `.${String(p)}`)).join("");
}

function valueAt(root: unknown, path: readonly PropertyKey[]): unknown {
    let v: unknown = root;
    for (const p of path) {
        if (v === null || typeof v !== "object") return undefined;
        v = (v as Record<PropertyKey, unknown>)[p];
    }
    return v;
}

/**
 * A `pulumi.Input<T>` field. A plain value must match `schema` now. An Output (a secret, or a value
 * another resource makes) is checked when it resolves: validate() hands back, in its place, an
 * Output of the same value that fails with the component's ValidationError, e.g.
 *   DockerRegistry "registry": invalid input
 *     password: expected at least 12 characters, got (hidden)
 * (an Output's value is never echoed). A component must build its children from that checked Output
 * (`a.password`, not `args.password`) or gate them with whenValid(), so that no child is created
 * with a value that failed. Outputs nested in a plain value of an enclosing input() are left as given.
 */
export function input<S extends z.ZodType>(schema: S) {
    return z
        .custom<z.output<S> | pulumi.Output<z.output<S>>>()
        .superRefine((v, ctx) => {
            if (pulumi.Output.isInstance(v)) return;
            nestedInputs++;
            try {
                const r = schema.safeParse(v);
                if (!r.success) for (const issue of r.error.issues) ctx.addIssue({ ...issue, path: issue.path } as Parameters<typeof ctx.addIssue>[0]);
            } finally {
                nestedInputs--;
            }
        })
        .transform((v) => (pulumi.Output.isInstance(v) && nestedInputs === 0 ? checkedWhenKnown(v as pulumi.Output<z.output<S>>, schema) : v));
}

/** > 0 while an input() checks a plain value (whose nested Outputs it keeps as they are). */
let nestedInputs = 0;
const SITE = Symbol("microservice.validate.site");
/** The checked Outputs of each validate() result (for whenValid). */
const CHECKS = new WeakMap<object, pulumi.Output<unknown>[]>();

interface Site {
    context?: string;
    path?: PropertyKey[];
}

/** `value`, failing with a ValidationError (whose context validate() fills in) when it resolves to something `schema` refuses. */
function checkedWhenKnown<T>(value: pulumi.Output<T>, schema: z.ZodType): pulumi.Output<T> {
    const site: Site = {};
    const checked = value.apply((v) => {
        const r = schema.safeParse(v);
        if (r.success) return v;
        const issues = r.error.issues.map((i) => ({ ...i, path: [...(site.path ?? []), ...i.path] }) as z.core.$ZodIssue);
        const lines = issues.map((issue) => describeIssue(issue, undefined, true));
        throw new ValidationError(`${site.context ?? "input"}: invalid input\n  ${lines.join("\n  ")}`, issues);
    });
    Object.defineProperty(checked, SITE, { value: site });
    return checked;
}

/** Gives every checked Output in a validated value its component (context) and key; collects them. */
function claimDeferredChecks(v: unknown, context: string, path: PropertyKey[], checks: pulumi.Output<unknown>[], seen: Set<object>): void {
    if (pulumi.Output.isInstance(v)) {
        const site = (v as unknown as { [SITE]?: Site })[SITE];
        if (site && site.context === undefined) {
            site.context = context;
            site.path = path;
            checks.push(v);
        }
        return;
    }
    if (!v || typeof v !== "object" || seen.has(v)) return;
    const proto = Object.getPrototypeOf(v);
    if (!Array.isArray(v) && proto !== Object.prototype && proto !== null) return; // resources and other class instances
    seen.add(v);
    for (const [k, x] of Object.entries(v)) claimDeferredChecks(x, context, [...path, Array.isArray(v) ? Number(k) : k], checks, seen);
}

/**
 * `value`, once every Output that validate() checks in `validated` (its result) has passed. A child
 * that takes it (e.g. a host whose connection is gated so) is not created when an input failed: the
 * component fails by name first.
 */
export function whenValid<T>(validated: unknown, value: pulumi.Output<T>): pulumi.Output<T> {
    const checks = validated && typeof validated === "object" ? CHECKS.get(validated) : undefined;
    if (!checks?.length) return value;
    return pulumi.all([pulumi.unsecret(pulumi.all(checks)), value]).apply(([, v]) => v as T);
}

/** Why `s` is not a plain dotted-quad IPv4 address (undefined when it is one). */
function ipv4Problem(s: string): string | undefined {
    if (!/^\d{1,3}(\.\d{1,3}){3}$/.test(s) || s.split(".").some((o) => Number(o) > 255)) return "expected an IPv4 address like 10.0.15.11";
    // 10.00.15.12 would be a second spelling of 10.0.15.12 (and 010 is octal to some tools).
    if (s.split(".").some((o) => o.length > 1 && o.startsWith("0")))
        return `expected an IPv4 address without leading zeros, like ${s.split(".").map(Number).join(".")}`;
    return undefined;
}

/** An IPv4 address in its one canonical spelling (no leading zeros). */
export const ipv4 = z.string().superRefine((s, ctx) => {
    const why = ipv4Problem(s);
    if (why) ctx.addIssue({ code: "custom", message: why });
});

function cidrProblem(s: string): string | undefined {
    const m = /^([^/]*)\/(3[0-2]|[12]?\d)$/.exec(s);
    if (!m || ipv4Problem(m[1]) === "expected an IPv4 address like 10.0.15.11") return "expected an IPv4 CIDR like 10.0.15.0/24";
    const zeros = ipv4Problem(m[1]);
    return zeros ? `expected an IPv4 CIDR without leading zeros, like ${m[1].split(".").map(Number).join(".")}/${m[2]}` : undefined;
}

/** address/prefix (the address may have host bits set: docker's bip is docker0's own address and mask). */
export const cidr = z.string().superRefine((s, ctx) => {
    const why = cidrProblem(s);
    if (why) ctx.addIssue({ code: "custom", message: why });
});

/** The network of an address/prefix, e.g. 10.0.15.0/24 for 10.0.15.5/24. */
export function networkOf(range: string): string {
    const [addr, bits] = range.split("/");
    const n = addr.split(".").reduce((a, o) => a * 256 + Number(o), 0);
    const size = 2 ** (32 - Number(bits));
    const start = Math.floor(n / size) * size;
    return `${[24, 16, 8, 0].map((sh) => Math.floor(start / 2 ** sh) % 256).join(".")}/${bits}`;
}

/**
 * A network (no host bits set: 10.0.15.5/24 is refused, naming 10.0.15.0/24), with a prefix from
 * `min` to `max` when given (`why` says what the bounds come from).
 */
export function networkCidr(bounds?: { min: number; max: number; why: string }) {
    return z.string().superRefine((s, ctx) => {
        const why = cidrProblem(s);
        if (why) return void ctx.addIssue({ code: "custom", message: why });
        if (networkOf(s) !== s) return void ctx.addIssue({ code: "custom", message: `expected a network address with no host bits set, like ${networkOf(s)}` });
        const p = Number(s.split("/")[1]);
        if (bounds && (p < bounds.min || p > bounds.max))
            ctx.addIssue({ code: "custom", message: `expected a network from /${bounds.min} to /${bounds.max} (${bounds.why})` });
    });
}

const PATH_CHARS = /^\/[A-Za-z0-9._/-]*$/;

/** Why `s` is not a plain, normalised absolute path (undefined when it is one). */
function pathProblem(s: string, example: string): string | undefined {
    if (!PATH_CHARS.test(s) || s === "/" || s.endsWith("/")) return `expected an absolute path like ${example} (letters, digits, . _ - /; no trailing slash)`;
    if (s.split("/").some((seg, i) => i > 0 && (seg === "" || seg === "." || seg === "..")))
        return "expected a normalised path (no //, . or .. segments: a path must name the directory it means)";
    return undefined;
}

/** A plain absolute path: letters, digits, . _ - /, no `.`/`..` segments, no `//`, no trailing slash. */
export function absolutePath(example: string) {
    return z.string().superRefine((s, ctx) => {
        const why = pathProblem(s, example);
        if (why) ctx.addIssue({ code: "custom", message: why });
    });
}

/** System directories a data directory may neither be nor lie under (whole trees), and ones it may only lie under. */
const SYSTEM_TREES = [
    "/etc",
    "/proc",
    "/sys",
    "/dev",
    "/boot",
    "/bin",
    "/sbin",
    "/lib",
    "/lib32",
    "/lib64",
    "/libx32",
    "/usr",
    "/run",
    "/var/run",
    "/var/lock",
];
const SYSTEM_DIRS = [
    "/var",
    "/var/lib",
    "/var/log",
    "/var/cache",
    "/var/spool",
    "/var/tmp",
    "/tmp",
    "/home",
    "/root",
    "/opt",
    "/srv",
    "/mnt",
    "/media",
    "/data",
];

/** Why `dir` cannot be a directory the stack owns (chowns, chmods, fills, deletes in). */
export function systemDirectoryProblem(dir: string): string | undefined {
    if (dir === "/") return "expected a directory of its own, not / (the stack sets its owner and mode)";
    const tree = SYSTEM_TREES.find((t) => dir === t || dir.startsWith(`${t}/`));
    if (tree) return `expected a directory of its own, not in the system tree ${tree} (the stack sets its owner and mode)`;
    if (SYSTEM_DIRS.includes(dir))
        return `expected a directory of its own, like ${dir}/<name>, not the shared directory ${dir} itself (the stack sets its owner and mode)`;
    return undefined;
}

/** A directory the stack owns (data, storage, mount root): a plain absolute path that is no system directory. */
export function dataDirectory(example: string) {
    return z.string().superRefine((s, ctx) => {
        const why = (s === "/" ? systemDirectoryProblem(s) : undefined) ?? pathProblem(s, example) ?? systemDirectoryProblem(s);
        if (why) ctx.addIssue({ code: "custom", message: why });
    });
}

/**
 * An https URL of a file to download: a host name, an optional port and a path of letters, digits
 * and . _ ~ % + - / (no query, no credentials, no shell or glob characters).
 */
export function httpsUrl(what: string, example: string) {
    return z.string().superRefine((s, ctx) => {
        const m = /^https:\/\/([A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?(\.[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?)*)(:\d{1,5})?(\/[A-Za-z0-9._~%+/-]*)?$/.exec(s);
        if (!m)
            return void ctx.addIssue({
                code: "custom",
                message: `expected an https URL of ${what} like ${example} (host and path of letters, digits and . _ ~ % + - /)`,
            });
        if ((m[6] ?? "").split("/").some((seg) => seg === "." || seg === ".."))
            ctx.addIssue({ code: "custom", message: `expected an https URL of ${what} without . or .. path segments` });
    });
}

const WEEKDAYS = "(mon(day)?|tue(sday)?|wed(nesday)?|thu(rsday)?|fri(day)?|sat(urday)?|sun(day)?)";
const CAL_SHORTHANDS = ["minutely", "hourly", "daily", "monthly", "weekly", "yearly", "annually", "quarterly", "semiannually"];

/**
 * The shape of a systemd calendar event (OnCalendar=, systemd.time(7)): a shorthand such as
 * `weekly`, or `[weekdays] [date] [time] [timezone]` where weekdays are names, lists and ranges
 * (`Mon,Wed`, `Mon..Fri`), the date `Y-M-D` / `M-D` and the time `h:m[:s]` take `*`, numbers,
 * lists, ranges (`..`) and repetitions (`/`). Checked here so that a bad schedule fails before any
 * resource exists; the host checks it again with `systemd-analyze calendar`.
 */
export function calendarProblem(s: string): string | undefined {
    const expected = 'expected a systemd OnCalendar expression like "Sun *-*-* 03:00:00", "Mon..Fri 02:30" or "weekly"';
    const t = s.trim().toLowerCase();
    if (!t || t.length > 64 || s !== s.trim() || /\s{2,}/.test(s)) return expected;
    if (CAL_SHORTHANDS.includes(t)) return undefined;
    const num = "(\\*|\\d{1,4})";
    const item = `${num}(\\.\\.\\d{1,4})?(\\/\\d{1,4})?`;
    const list = `${item}(,${item})*`;
    const day = `${WEEKDAYS}(\\.\\.${WEEKDAYS})?`;
    const parts = t.split(" ");
    let i = 0;
    if (new RegExp(`^${day}(,${day})*$`).test(parts[i] ?? "")) i++;
    if (new RegExp(`^(${list}-)?${list}-${list}$`).test(parts[i] ?? "")) i++;
    if (new RegExp(`^${list}:${list}(:${list}(\\.\\d+)?)?$`).test(parts[i] ?? "")) i++;
    // A time zone (UTC, Area/City): without "_", which DockerRegistry's own check refuses.
    if (i > 0 && parts[i] !== undefined && /^(utc|[a-z]+(\/[a-z-]+){1,2})$/.test(parts[i])) i++;
    return i > 0 && i === parts.length ? undefined : expected;
}

/** A systemd OnCalendar expression (its shape; see calendarProblem). */
export const systemdCalendar = z.string().superRefine((s, ctx) => {
    const why = calendarProblem(s);
    if (why) ctx.addIssue({ code: "custom", message: why });
});

/** An image reference pinned by digest: name[:tag]@sha256:<64 hex>. */
export const pinnedImage = z
    .string()
    .regex(
        /^[a-z0-9]+([._/:-][a-z0-9]+)*(:[\w][\w.-]{0,127})?@sha256:[a-f0-9]{64}$/,
        "expected an image reference pinned by digest, like repo/name:tag@sha256:<64 hex>",
    );
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
