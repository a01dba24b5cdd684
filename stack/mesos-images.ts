import * as pulumi from "@pulumi/pulumi";
import { LocalCommand } from "../components/exec/command";
import { MesosImages, SUGGESTED_IMAGES } from "../components/mesos/settings";
import { q } from "../components/provision";

/**
 * The script that pins each tag to the digest this machine's Docker pulls: it prints
 * `{"master":"<tag>@sha256:...",...}` or fails naming the image and the config key to set instead.
 * Pure, so that the test reads what runs.
 */
export function pinOnFirstUseScript(tags: Record<keyof MesosImages, string>): string {
    const lines = ["set -eu", 'out="{"', "sep="];
    for (const [key, tag] of Object.entries(tags)) {
        const repo = tag.replace(/:[^/:]*$/, "");
        const cannotPull = `cannot pull ${tag} to pin it on first use: set mesos.images.${key} to a reference pinned by digest (docs/mesos.md)`;
        lines.push(
            `docker pull -q ${q(tag)} >/dev/null 2>&1 || { echo "${cannotPull}" >&2; exit 1; }`,
            `d=$(docker image inspect -f '{{range .RepoDigests}}{{println .}}{{end}}' ${q(tag)} | grep -m1 "^${repo}@\\|^docker.io/${repo}@" | sed 's/.*@//')`,
            `[ -n "$d" ] || { echo "no digest for ${tag} after the pull" >&2; exit 1; }`,
            `out="$out$sep\\"${key}\\":\\"${tag}@$d\\""; sep=,`,
        );
    }
    lines.push('echo "$out}"');
    return lines.join("\n") + "\n";
}

/**
 * Local target without `mesos.images`: the suggested tags, pinned to the digests this machine pulls
 * on the first `up` and kept in state from then on (the step runs again only if the tags change).
 * Where nothing can be pulled (no Docker Hub) this one step fails by name and the Mesos layer, which
 * needs its output, is skipped; the rest of the stack still converges (`npm run up` names it).
 */
export function imagesPinnedOnFirstUse(dockerHost?: string): pulumi.Output<MesosImages> {
    pulumi.log.warn(
        `mesos.images is not set: pinning ${Object.values(SUGGESTED_IMAGES).join(", ")} to the digests this machine pulls on first use ` +
            "(kept in state; set mesos.images to choose, docs/mesos.md)",
    );
    const pin = new LocalCommand("mesos-images-pinned", {
        create: pinOnFirstUseScript(SUGGESTED_IMAGES),
        environment: dockerHost ? { DOCKER_HOST: dockerHost } : {},
        triggers: [SUGGESTED_IMAGES],
        logging: "stderr",
    });
    return pin.stdout.apply((s) => JSON.parse(s.trim()) as MesosImages);
}
