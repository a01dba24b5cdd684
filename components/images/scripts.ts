import { LOGIN_DIR } from "../docker/scripts";
import { directory, exec, file, Op, q } from "../provision";

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
 * `registry-api ADDRESS USER SCHEME METHOD PATH [curl args]`: the registry API with the stack's
 * credentials. The password is read from the 0600 file DockerEngine's login step keeps and reaches
 * curl on stdin (`-K -`): never on a command line. It is escaped for curl's config syntax (`\\`, `\"`),
 * so a password with quotes or backslashes (the schema allows them) arrives unchanged.
 */
export function registryApiScript(): string {
    return `#!/bin/bash
# Managed by the stack (AppImage): the registry API with the stack's credentials.
set -euo pipefail
addr=$1 user=$2 scheme=$3 method=$4 path=$5
shift 5
tls=()
if [ "$scheme" = https ]; then tls=(--cacert "/etc/docker/certs.d/$addr/ca.crt"); fi
# Inside a quoted curl config value \\ and \" are escapes: both are escaped, so any password arrives as it is.
curl_quote() { printf '%s' "$1" | sed -e 's/[\\\\"]/\\\\&/g'; }
printf 'user = "%s:%s"\\n' "$(curl_quote "$user")" "$(curl_quote "$(head -n1 ${LOGIN_DIR}/"$addr".password)")" |
  curl -sS --fail-with-body --max-time 30 -K - "\${tls[@]}" -X "$method" "$@" "$scheme://$addr$path"
`;
}

/**
 * \`image-prune ADDRESS USER SCHEME REPOSITORY HISTORY KEEP [--check]\`: deletes the manifests of the
 * repository's content tags (12 hex digits) that are not among the last KEEP lines of HISTORY,
 * never a digest that a kept tag shares, and removes those images from the local engine. With
 * --check it only answers: exit 0 when there is nothing to prune.
 */
export function imagePruneScript(): string {
    return `#!/bin/bash
# Managed by the stack (AppImage): prune old content tags of one repository.
set -euo pipefail
addr=$1 user=$2 scheme=$3 repo=$4 hist=$5 keep=$6 mode=\${7:-}
api() { ${REGISTRY_API} "$addr" "$user" "$scheme" "$@"; }
digest() {
  api HEAD "/v2/$repo/manifests/$1" -I -H 'Accept: application/vnd.docker.distribution.manifest.v2+json' |
    tr -d '\\r' | sed -n 's/^[Dd]ocker-[Cc]ontent-[Dd]igest: *//p'
}
kept=$(tail -n "$keep" "$hist" 2>/dev/null || true)
tags=$(api GET "/v2/$repo/tags/list" | sed -n 's/.*"tags":\\[\\([^]]*\\)\\].*/\\1/p' | tr ',' '\\n' | tr -d '" ')
old=$(printf '%s\\n' $tags | grep -E '^[0-9a-f]{12}$' | grep -vxF -f <(printf '%s\\n' $kept) || true)
if [ -z "$old" ]; then exit 0; fi
if [ "$mode" = --check ]; then exit 1; fi
keepdigests=$(for t in $kept; do digest "$t" || true; done)
for t in $old; do
  d=$(digest "$t")
  if [ -n "$d" ] && ! printf '%s\\n' $keepdigests | grep -qxF "$d"; then
    api DELETE "/v2/$repo/manifests/$d" -o /dev/null
    echo "pruned $repo:$t ($d)"
  fi
  docker image rm "$addr/$repo:$t" >/dev/null 2>&1 || true
done
`;
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
