import { LOGIN_DIR } from "../docker/ops";
import { directory, exec, file, Op, q } from "../provision";
import { hostProgram } from "../provision/host-program";

/**
 * Pure generators of the image step on mgmt: build the copied context, push it under its content
 * tag (skipped when the registry already has that tag), remember the order of tags, and prune the
 * repository's older tags through the registry API (their blobs go with the registry's GC timer).
 */

export const HELPER_DIR = "/usr/local/lib/microservice";
export const REGISTRY_API = `${HELPER_DIR}/registry-api`;
export const IMAGE_PRUNE = `${HELPER_DIR}/image-prune`;
export const BUILD_ROOT = "/var/lib/microservice/build";
export const HISTORY_DIR = "/var/lib/microservice/images";

export interface ImageSpec {
    /** Registry `host:port`. */
    address: string;
    username: string;
    /** https with the stack CA (false only in the registry's insecure mode). */
    secure: boolean;
    /** e.g. application/app/nodeapp */
    repository: string;
    tag: string;
    /** Where the context was copied on mgmt. */
    contextDir: string;
    buildArgs: Record<string, string>;
    /** How many tags (newest first, the current one included) stay in the registry. */
    keep: number;
}

export function imageRef(s: Pick<ImageSpec, "address" | "repository" | "tag">): string {
    return `${s.address}/${s.repository}:${s.tag}`;
}

export function historyFile(repository: string): string {
    return `${HISTORY_DIR}/${repository.replace(/\//g, "_")}.tags`;
}

/**
 * `registry-api ADDRESS USER SCHEME METHOD PATH [curl args]` (host-programs/registry-api.sh): the registry API
 * with the stack's credentials, the password on curl's stdin.
 */
export function registryApiScript(): string {
    return hostProgram("registry-api.sh", { LOGIN_DIR });
}

/** `image-prune ADDRESS USER SCHEME REPOSITORY HISTORY KEEP [--check]` (host-programs/image-prune.sh): deletes the repository's old content tags. */
export function imagePruneScript(): string {
    return hostProgram("image-prune.sh", { REGISTRY_API });
}

/** The directories and helpers every image step needs (same bytes for every app: written once). */
export function helperOps(): Op[] {
    return [
        directory(HELPER_DIR, { mode: "0755" }),
        directory(BUILD_ROOT, { mode: "0700" }),
        directory(HISTORY_DIR, { mode: "0755" }),
        file(REGISTRY_API, registryApiScript(), { mode: "0755" }),
        file(IMAGE_PRUNE, imagePruneScript(), { mode: "0755" }),
    ];
}

/** Parent directory the context of one repository is copied under (it must exist before the copy). */
export function contextParent(repository: string): string {
    return `${BUILD_ROOT}/${repository.replace(/\//g, "_")}`;
}

export function buildOps(s: ImageSpec): Op[] {
    const ref = imageRef(s);
    const scheme = s.secure ? "https" : "http";
    const api = `${REGISTRY_API} ${q(s.address)} ${q(s.username)} ${scheme}`;
    const args = Object.keys(s.buildArgs)
        .sort()
        .map((k) => `--build-arg ${q(`${k}=${s.buildArgs[k]}`)}`)
        .join(" ");
    const hist = historyFile(s.repository);
    const pruneArgs = `${q(s.address)} ${q(s.username)} ${scheme} ${q(s.repository)} ${q(hist)} ${s.keep}`;
    // The helpers and directories come first, in AppImage's "image-dirs" step (helperOps).
    return [
        exec(
            `image ${ref} in the registry`,
            `${api} HEAD ${q(`/v2/${s.repository}/manifests/${s.tag}`)} -I -o /dev/null -H 'Accept: application/vnd.docker.distribution.manifest.v2+json'`,
            `docker build ${args ? args + " " : ""}-t ${q(ref)} ${q(s.contextDir)} && docker push ${q(ref)}`,
            "image-pushed",
        ),
        exec(
            `${s.tag} is the newest tag of ${s.repository}`,
            `[ "$(tail -n1 ${q(hist)} 2>/dev/null)" = ${q(s.tag)} ]`,
            `{ grep -vxF ${q(s.tag)} ${q(hist)} 2>/dev/null || true; echo ${q(s.tag)}; } > ${q(hist)}.new && mv -f ${q(hist)}.new ${q(hist)}`,
            "image-history",
        ),
        exec(`older tags of ${s.repository} pruned (keep ${s.keep})`, `${IMAGE_PRUNE} ${pruneArgs} --check`, `${IMAGE_PRUNE} ${pruneArgs}`, "image-pruned"),
    ];
}
