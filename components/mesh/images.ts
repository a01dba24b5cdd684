/** `name[:tag]@sha256:<hex>` split into its parts (the reference is already validated as pinned). */
export function splitPinned(ref: string): { name: string; tag?: string; digest: string } {
    const at = ref.indexOf("@");
    const named = ref.slice(0, at);
    const digest = ref.slice(at + 1);
    const slash = named.lastIndexOf("/");
    const colon = named.indexOf(":", slash + 1);
    return colon < 0 ? { name: named, digest } : { name: named.slice(0, colon), tag: named.slice(colon + 1), digest };
}

/** The reference Docker pulls by: the digest alone decides the content, whatever the tag says. */
export function byDigest(ref: string): string {
    const p = splitPinned(ref);
    return `${p.name}@${p.digest}`;
}
