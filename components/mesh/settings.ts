import { z } from "zod";
import { hostName, httpsUrl, networkCidr, pinnedImage, sha256Hex } from "../validate";

/**
 * What a stack chooses for its container network (stack config key `microservice:mesh`), shared by
 * the stack schema and the components. Weave is the original's choice; overlay is Docker's own
 * swarm-mode overlay, for machines where Weave's script and images cannot be fetched.
 */
export const MESH_IMPLEMENTATIONS = ["weave", "overlay"] as const;
export type MeshImplementation = (typeof MESH_IMPLEMENTATIONS)[number];

export const WEAVE_DEFAULT_VERSION = "2.8.1";
/** The release asset of the last upstream release (Weaveworks closed in 2024; see docs/mesh.md for the fork). */
export const WEAVE_DEFAULT_SCRIPT_URL = "https://github.com/weaveworks/weave/releases/download/v2.8.1/weave";

// Neither the script's sha256 nor the images' digests could be verified from where this library was
// written (no access to GitHub or Docker Hub), so they have no defaults: a wrong pin is worse than none.
const requiredPin = (what: string) =>
    z.string({ error: (i) => (i.input === undefined ? `required: ${what} (no default: pin what you verified yourself)` : "expected a string") });

const dnsDomain = z
    .string()
    .regex(/^([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)*[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/, "expected a DNS domain like weave.local (no trailing dot)");

/** The images the weave script runs, each pinned by digest; tagged locally as the script expects. */
export const weaveImagesSchema = z
    .object({
        weave: requiredPin("the weave router image, e.g. weaveworks/weave:2.8.1@sha256:<digest>").pipe(pinnedImage),
        weaveexec: requiredPin("the weaveexec image, e.g. weaveworks/weaveexec:2.8.1@sha256:<digest>").pipe(pinnedImage),
        weavedb: requiredPin("the weavedb data image, e.g. weaveworks/weavedb:latest@sha256:<digest>").pipe(pinnedImage),
    })
    .strict();

export const scopeSettingsSchema = z
    .object({
        /** Off by default: Scope's UI can exec into containers and has no authentication. */
        enabled: z.boolean().default(false),
        image: pinnedImage.optional(),
        port: z.number().int().min(1).max(65535).default(4040),
    })
    .strict()
    .refine((s) => !s.enabled || s.image !== undefined, {
        message: "required when scope is enabled: the Scope image pinned by digest, e.g. weaveworks/scope:1.13.2@sha256:<digest>",
        path: ["image"],
    });

export const weaveSettingsSchema = z
    .object({
        version: z
            .string()
            .regex(/^\d+\.\d+\.\d+$/, "expected a release version like 2.8.1")
            .default(WEAVE_DEFAULT_VERSION),
        /** Where the script is downloaded from (https, a host and a plain path: it reaches a root shell on every host, quoted). */
        scriptUrl: httpsUrl("the weave script", WEAVE_DEFAULT_SCRIPT_URL).default(WEAVE_DEFAULT_SCRIPT_URL),
        scriptSha256: requiredPin("the sha256 of the weave script at scriptUrl (`curl -fsSL <url> | sha256sum`)").pipe(sha256Hex),
        /** The image namespace the script composes names from (`<user>/weave:<version>`); mirrors keep it. */
        dockerhubUser: z
            .string()
            .regex(/^[a-z0-9]+([._-][a-z0-9]+)*$/, "expected an image namespace like weaveworks")
            .default("weaveworks"),
        images: weaveImagesSchema,
        ipRange: networkCidr({ min: 8, max: 28, why: "the containers' address space" }).default("10.2.0.0/16"),
        dnsDomain: dnsDomain.default("weave.local"),
        scope: scopeSettingsSchema.default({ enabled: false, port: 4040 }),
    })
    .strict();

export const overlaySettingsSchema = z
    .object({
        /** Docker network name; containers are also found as `<app>.<name>`. */
        name: z
            .string()
            .regex(/^[a-z][a-z0-9_-]{0,62}$/, "expected a Docker network name of lowercase letters, digits, _ and -")
            .default("mesh"),
        /** The original's Weave range, so apps keep their addresses' shape. */
        subnet: networkCidr({ min: 8, max: 28, why: "the containers' address space" }).default("10.2.0.0/16"),
        /** Host that runs `docker swarm init` (default: the first master, else the first host). */
        manager: hostName.optional(),
    })
    .strict();

/** The section's shape (the stack schema checks the cross-key rule with the other layers' rules). */
export const meshSettingsObject = z
    .object({
        implementation: z.enum(MESH_IMPLEMENTATIONS, { message: `expected one of ${MESH_IMPLEMENTATIONS.join(", ")}` }).default("weave"),
        weave: weaveSettingsSchema.optional(),
        overlay: overlaySettingsSchema.default({ name: "mesh", subnet: "10.2.0.0/16" }),
    })
    .strict();

/** Weave needs its pins; `[path, message]` pairs. */
export function meshSettingsIssues(m: Pick<MeshSettings, "implementation" | "weave">): [(string | number)[], string][] {
    if (m.implementation !== "weave" || m.weave !== undefined) return [];
    return [[["weave"], 'required when implementation is "weave": at least scriptSha256 and images pinned by digest (or choose implementation "overlay")']];
}

export const meshSettingsSchema = meshSettingsObject.superRefine((m, ctx) => {
    for (const [path, message] of meshSettingsIssues(m)) ctx.addIssue({ code: "custom", path, message });
});

/**
 * The Weave password (top-level secret `microservice:weavePassword`). It travels in a systemd
 * EnvironmentFile, so it is limited to characters that file format keeps literally.
 */
export const weavePasswordSchema = z
    .string()
    .min(16, "expected at least 16 characters (Weave needs at least 50 bits of entropy)")
    .regex(/^[A-Za-z0-9+/=._~!@#%^&*()[\]{},:;?<>|-]+$/, "expected printable characters without spaces, quotes, backslashes, $ or `");

export type WeaveSettings = z.output<typeof weaveSettingsSchema>;
export type WeaveSettingsInput = z.input<typeof weaveSettingsSchema>;
export type OverlaySettings = z.output<typeof overlaySettingsSchema>;
export type OverlaySettingsInput = z.input<typeof overlaySettingsSchema>;
export type MeshSettings = z.output<typeof meshSettingsObject>;
export type MeshSettingsInput = z.input<typeof meshSettingsObject>;

function ipToInt(ip: string): number {
    return ip.split(".").reduce((n, part) => n * 256 + Number(part), 0);
}

/** Whether an IPv4 address lies in a CIDR range. */
export function cidrContains(range: string, ip: string): boolean {
    const [base, bits] = range.split("/");
    const size = 2 ** (32 - Number(bits));
    const start = Math.floor(ipToInt(base) / size) * size;
    const n = ipToInt(ip);
    return n >= start && n < start + size;
}

/**
 * The container range must not contain a host's own address: containers would shadow the host
 * network (Weave warns and carries on; Docker routes the range into the overlay). Returns
 * `[path, message]` pairs for the stack schema.
 */
export function meshRangeIssues(mesh: MeshSettings, hosts: readonly { name: string; ip: string }[]): [(string | number)[], string][] {
    const [range, path] =
        mesh.implementation === "weave" && mesh.weave ? [mesh.weave.ipRange, ["weave", "ipRange"]] : [mesh.overlay.subnet, ["overlay", "subnet"]];
    return hosts
        .filter((h) => cidrContains(range, h.ip))
        .map((h) => [path, `expected a range that contains no host address, got ${JSON.stringify(range)}, which contains ${h.name} (${h.ip})`]);
}

/** The overlay's swarm manager, when named, must be one of the hosts (OverlayMesh would refuse it after the hosts exist). */
export function meshManagerIssues(mesh: MeshSettings, hosts: readonly { name: string }[]): [(string | number)[], string][] {
    const m = mesh.overlay.manager;
    if (mesh.implementation !== "overlay" || m === undefined || hosts.some((h) => h.name === m)) return [];
    return [[["overlay", "manager"], `expected the name of one of the hosts (${hosts.map((h) => h.name).join(", ")})`]];
}

/** Every rule of the mesh section that needs more than its own keys (for the stack schema). */
export function meshConfigIssues(mesh: MeshSettings, hosts: readonly { name: string; ip: string }[]): [(string | number)[], string][] {
    return [...meshSettingsIssues(mesh), ...meshRangeIssues(mesh, hosts), ...meshManagerIssues(mesh, hosts)];
}
