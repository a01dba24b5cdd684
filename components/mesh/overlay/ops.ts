import { DockerParameter } from "../../contracts";
import { Op, directory, emit, exec, file, q, waitFor } from "../../provision";
import { OverlaySettings } from "../settings";

/**
 * Pure renderers for OverlayMesh: Docker's own swarm-mode overlay. One manager runs `docker swarm
 * init`; every other host joins as a worker; one attachable overlay network carries the apps, and
 * Docker's embedded DNS (127.0.0.11) answers a network alias with every container sharing it.
 */

export const SWARM_PORT = 2377;
/**
 * The join request (it holds the token: mode 0600, in a 0700 directory). Persistent, not under /run:
 * a reboot must not make the next run rewrite it and report a change. Whether the host has joined
 * is read from Docker itself, never from this file; the leave script deletes it.
 */
export const JOIN_DIR = "/var/lib/microservice/mesh";
export const JOIN_FILE = `${JOIN_DIR}/swarm-join.json`;
const STATE = `docker info -f '{{.Swarm.LocalNodeState}}' 2>/dev/null`;

/**
 * Parameters that register a container on the overlay under `<app>` (the network itself is chosen
 * with `--network`/Marathon's networks): Docker's DNS answers the alias with every container
 * carrying it (DNS round-robin, no virtual IP).
 */
export function dockerParameters(app: string): DockerParameter[] {
    return [
        { key: "network-alias", value: app },
        { key: "hostname", value: app },
    ];
}

export function managerInitOps(ip: string): Op[] {
    return [
        exec(
            `swarm manager advertising ${ip}`,
            `[ "$(docker info -f '{{.Swarm.LocalNodeState}} {{.Swarm.ControlAvailable}}' 2>/dev/null)" = "active true" ]`,
            // A host that was a worker of another swarm (the manager moved) leaves it first.
            `if [ "$(${STATE})" != inactive ]; then docker swarm leave --force >/dev/null; fi\n` +
                `docker swarm init --advertise-addr ${q(ip)} --listen-addr ${q(`${ip}:${SWARM_PORT}`)} >/dev/null`,
            "swarm",
        ),
        waitFor(
            "swarm control plane",
            `[ "$(docker info -f '{{.Swarm.ControlAvailable}}')" = true ]`,
            60,
            "docker swarm init did not make this host a manager",
        ),
    ];
}

/** Prints the worker join token (the step is secret: its stdout is kept as a Pulumi secret). */
export function joinTokenOps(): Op[] {
    return [emit("docker swarm join-token -q worker")];
}

export function networkOps(s: OverlaySettings): Op[] {
    const shape = `overlay true ${s.subnet}`;
    const notOurs = `network ${s.name} exists but is not "${shape}": detach its containers and remove it (docker network rm ${s.name}), or choose another name`;
    return [
        exec(
            `overlay network ${s.name} (${s.subnet})`,
            `docker network inspect ${q(s.name)} >/dev/null 2>&1`,
            `docker network create -d overlay --attachable --subnet ${q(s.subnet)} ${q(s.name)} >/dev/null`,
            "network",
        ),
        exec(
            `network ${s.name} is an attachable overlay on ${s.subnet}`,
            `[ "$(docker network inspect -f '{{.Driver}} {{.Attachable}} {{range .IPAM.Config}}{{.Subnet}}{{end}}' ${q(s.name)})" = ${q(shape)} ]`,
            `echo ${q(notOurs)} >&2; exit 1`,
        ),
    ];
}

/** The body of Docker's POST /swarm/join; sent from a 0600 file so the token is never on a command line. */
export function joinRequest(ip: string, managerIp: string, token: string): string {
    return JSON.stringify({ ListenAddr: `${ip}:${SWARM_PORT}`, AdvertiseAddr: ip, RemoteAddrs: [`${managerIp}:${SWARM_PORT}`], JoinToken: token }) + "\n";
}

/** Holds the join token: run only in a secret step. */
export function workerJoinOps(ip: string, managerIp: string, token: string): Op[] {
    const joined =
        `[ "$(${STATE})" = active ] && ` + `docker info -f '{{range .Swarm.RemoteManagers}}{{.Addr}} {{end}}' | grep -qwF ${q(`${managerIp}:${SWARM_PORT}`)}`;
    return [
        directory(JOIN_DIR, { mode: "0700" }),
        file(JOIN_FILE, joinRequest(ip, managerIp, token), { mode: "0600" }),
        exec(
            `joined the swarm of ${managerIp}`,
            joined,
            // Already in another swarm (the manager moved or was rebuilt): leave it, then join.
            `if [ "$(${STATE})" != inactive ]; then docker swarm leave --force >/dev/null; fi\n` +
                `curl -sS --fail-with-body --unix-socket /var/run/docker.sock -X POST -H 'Content-Type: application/json' ` +
                `--data-binary @${JOIN_FILE} http://localhost/swarm/join`,
            "swarm",
        ),
        waitFor("swarm membership", `[ "$(${STATE})" = active ]`, 60, `this host did not become an active swarm node of ${managerIp}`),
    ];
}

/** Runs on a host that leaves the config (or on destroy). */
export function leaveScript(): string {
    return [
        // The join request holds a token of the swarm this host leaves.
        `rm -f ${JOIN_FILE}`,
        `state=$(${STATE} || echo unknown)`,
        `if [ "$state" = inactive ] || [ "$state" = unknown ]; then echo "swarm: not a member"; exit 0; fi`,
        `docker swarm leave --force >/dev/null && echo "swarm: left"`,
    ].join("\n");
}

/** Runs on the manager when a host leaves: drop its node entry (matched by address, so stale re-joins go too). */
export function nodeRemoveScript(ip: string): string {
    return [
        `if [ "$(docker info -f '{{.Swarm.ControlAvailable}}' 2>/dev/null)" != true ]; then echo "swarm: not a manager here, nothing to remove"; exit 0; fi`,
        `self=$(docker info -f '{{.Swarm.NodeID}}')`,
        `for id in $(docker node ls -q); do`,
        // eslint-disable-next-line max-len -- one rendered script line, kept whole as it runs
        `  if [ "$id" != "$self" ] && [ "$(docker node inspect -f '{{.Status.Addr}}' "$id")" = ${q(ip)} ]; then docker node rm --force "$id" >/dev/null && echo "swarm: removed node $id" ${q(`(${ip})`)}; fi`,
        `done`,
    ].join("\n");
}
