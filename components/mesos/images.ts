import { MesosImages } from "./settings";

export type PinnedImages = MesosImages;

export interface MirroredImage {
    /** Upstream reference by digest (`name@sha256:...`). */
    source: string;
    /** Tagged destination in the stack's registry (`<registry>/mesos/<name>:<tag>`). */
    destination: string;
    /** What units run: the destination repository by the same digest. */
    pinned: string;
}

/** `name[:tag]@sha256:<hex>` split into its parts (the reference is already validated as pinned). */
export function splitPinned(ref: string): { name: string; tag?: string; digest: string } {
    const at = ref.indexOf("@");
    const named = ref.slice(0, at);
    const slash = named.lastIndexOf("/");
    const colon = named.indexOf(":", slash + 1);
    const digest = ref.slice(at + 1);
    return colon < 0 ? { name: named, digest } : { name: named.slice(0, colon), tag: named.slice(colon + 1), digest };
}

/** The reference Docker and skopeo pull by: the digest alone decides the content. */
export function byDigest(ref: string): string {
    const p = splitPinned(ref);
    return `${p.name}@${p.digest}`;
}

/**
 * Where each image lives in the stack's registry: `<registry>/mesos/<last name part>`, tagged with
 * the upstream tag for people, run by the same digest.
 */
export function mirrored(images: MesosImages, registry: string): { copies: MirroredImage[]; images: MesosImages } {
    const one = (ref: string): MirroredImage => {
        const p = splitPinned(ref);
        const repo = `${registry}/mesos/${p.name.slice(p.name.lastIndexOf("/") + 1)}`;
        return { source: byDigest(ref), destination: `${repo}:${p.tag ?? "pinned"}`, pinned: `${repo}@${p.digest}` };
    };
    const copies = { master: one(images.master), agent: one(images.agent), marathon: one(images.marathon) };
    // Master and agent may be one image: copy it once.
    const unique = [...new Map(Object.values(copies).map((c) => [c.destination + c.pinned, c])).values()];
    return { copies: unique, images: { master: copies.master.pinned, agent: copies.agent.pinned, marathon: copies.marathon.pinned } };
}
