/**
 * The local target's Docker CLI scripts, as pure functions. Every value reaches a script through
 * the command's environment (never spliced into its text), so names and addresses need no quoting;
 * the run flags are constants of ./machine.ts. Each create is idempotent and each delete tolerates
 * what is already gone, so an interrupted `pulumi up` converges when it is run again.
 */
import { dockerRunFlags } from "./machine";
import { q } from "../../provision/script";

const STRICT = "set -eu";

/** Network: NET, SUBNET, GATEWAY, STACK. Prints the network id. */
export const network = {
    create: [
        STRICT,
        // eslint-disable-next-line max-len -- one rendered script line, kept whole as it runs
        'docker network inspect "$NET" >/dev/null 2>&1 || docker network create --driver bridge --subnet "$SUBNET" --gateway "$GATEWAY" --label "microservice.stack=$STACK" "$NET" >/dev/null',
        'docker network inspect -f "{{.Id}}" "$NET"',
    ].join("\n"),
    delete: [STRICT, 'if docker network inspect "$NET" >/dev/null 2>&1; then docker network rm "$NET" >/dev/null; fi'].join("\n"),
};

/** A named volume: VOLUME, STACK. Kept when its container is replaced; removed with the stack. */
export const volume = {
    create: [STRICT, 'docker volume create --label "microservice.stack=$STACK" "$VOLUME" >/dev/null', 'echo "$VOLUME"'].join("\n"),
    delete: [STRICT, 'docker volume rm -f "$VOLUME" >/dev/null 2>&1 || ! docker volume inspect "$VOLUME" >/dev/null 2>&1'].join("\n"),
};

/** The node image built here: IMAGE, BASE_IMAGE, CONTEXT. Prints the image id. */
export function buildImage(builder: "legacy" | "buildkit"): string {
    return [
        STRICT,
        `DOCKER_BUILDKIT=${builder === "legacy" ? 0 : 1} docker build -q -t "$IMAGE" --build-arg BASE_IMAGE="$BASE_IMAGE" "$CONTEXT" >/dev/null`,
        'docker image inspect -f "{{.Id}}" "$IMAGE"',
    ].join("\n");
}

/** The node image made beforehand (scripts/docker-host.sh): IMAGE. Prints its id, never pulls. */
export const existingImage = [
    STRICT,
    // eslint-disable-next-line max-len -- one rendered script line, kept whole as it runs
    'docker image inspect -f "{{.Id}}" "$IMAGE" 2>/dev/null || { echo "node image $IMAGE not found on this Docker engine: run scripts/docker-host.sh (npm run up does)" >&2; exit 1; }',
].join("\n");

/**
 * The baked node image (hosts.local.bakePackages): BAKED (its content-addressed tag), IMAGE (the node
 * image's id), PACKAGES (space-separated), INSIDE (host-programs/node-bake-inside.sh, run in a
 * container of IMAGE with the packages as its arguments). An image with that tag is reused as it is:
 * the tag names its content, so stacks share it. Otherwise the container is committed as BAKED, with
 * the node image's command, and removed, also on failure. Prints the image id.
 */
export const bakeImage = [
    STRICT,
    // Captured, not printed: for a missing image Docker prints an empty line, which would lead the id.
    'if id=$(docker image inspect -f "{{.Id}}" "$BAKED" 2>/dev/null); then echo "$id"; exit 0; fi',
    'name="microservice-bake-$$"',
    "trap 'docker rm -f \"$name\" >/dev/null 2>&1 || true' EXIT",
    "# PACKAGES unquoted: one argument per package (names only, checked by LocalHosts).",
    // eslint-disable-next-line max-len -- one rendered script line, kept whole as it runs
    'printf "%s" "$INSIDE" | docker run -i --name "$name" "$IMAGE" bash -s -- $PACKAGES >&2 || { echo "baking $BAKED failed: apt-get install of $PACKAGES in a container of the node image $IMAGE (its output is above)" >&2; exit 1; }',
    // The bake's command (bash) must not stay the image's: the node image's own (systemd) is put back.
    'cmd=$(docker image inspect -f "{{json .Config.Cmd}}" "$IMAGE")',
    'docker commit --change "CMD $cmd" "$name" "$BAKED" >/dev/null',
    'docker image inspect -f "{{.Id}}" "$BAKED"',
].join("\n");

/**
 * One host container: NAME, HOSTNAME, NET, IP, IMAGE, VOLUME, STACK, PUBLIC_KEY, KEY_PATH, and its
 * SSH identity HOST_KEY (secret), HOST_KEY_PUB, HOST_KEY_PATH. Created, given the stack's public key
 * and its host key, then started: sshd never runs without them, and never with a key of its own
 * making (the image makes one only when none is there). A container of the same name left by an
 * interrupted run is replaced. Prints the container id. `baked`: the image is a baked one
 * (bakeImage), and the host's own packages (HOST_PACKAGES at HOST_PACKAGES_PATH) are copied in too.
 */
export function container(baked = false): { create: string; delete: string } {
    const flags = dockerRunFlags().map(q).join(" ");
    return {
        create: [
            STRICT,
            'docker rm -f "$NAME" >/dev/null 2>&1 || true',
            'docker create --name "$NAME" --hostname "$HOSTNAME" --network "$NET" --ip "$IP" --network-alias "$HOSTNAME" \\',
            '  --restart unless-stopped --label "microservice.stack=$STACK" --label "microservice.host=$HOSTNAME" \\',
            `  ${flags} --volume "$VOLUME:/var/lib/docker" "$IMAGE" >/dev/null`,
            "d=$(mktemp -d); trap 'rm -rf \"$d\"' EXIT",
            'printf "%s\\n" "$PUBLIC_KEY" >"$d/keys"; chmod 644 "$d/keys"',
            'docker cp "$d/keys" "$NAME:$KEY_PATH"',
            // docker cp keeps the mode and makes root the owner: sshd accepts the key.
            '(umask 077; printf "%s\\n" "$HOST_KEY" >"$d/host_key")',
            'printf "%s\\n" "$HOST_KEY_PUB" >"$d/host_key.pub"; chmod 644 "$d/host_key.pub"',
            'docker cp "$d/host_key" "$NAME:$HOST_KEY_PATH"',
            'docker cp "$d/host_key.pub" "$NAME:$HOST_KEY_PATH.pub"',
            // A baked image's first boot enables the services of this host's own packages (HOST_PACKAGES, one a line).
            ...(baked
                ? ['printf "%s\\n" "$HOST_PACKAGES" >"$d/packages"; chmod 644 "$d/packages"', 'docker cp "$d/packages" "$NAME:$HOST_PACKAGES_PATH"']
                : []),
            'docker start "$NAME" >/dev/null',
            'docker inspect -f "{{.Id}}" "$NAME"',
        ].join("\n"),
        delete: [STRICT, 'docker rm -f "$NAME" >/dev/null 2>&1 || ! docker container inspect "$NAME" >/dev/null 2>&1'].join("\n"),
    };
}
