import { Op, directory, exec, file, image as imageOp, packages, q, service, unit, waitFor } from "../../provision";
import { WeaveSettings } from "../settings";
import { byDigest } from "../images";

/**
 * Pure renderers of everything WeaveMesh puts on a host. Weave 2.x: one `weave launch` starts the
 * router, weaveDNS and the Docker API proxy (the 1.x launch-router/launch-proxy units of the
 * original are gone), run under systemd with `--no-restart` so that systemd alone restarts it.
 */

export const WEAVE_BIN = "/usr/local/bin/weave";
export const WEAVE_DIR = "/etc/weave";
/** The Docker API proxy: Mesos agents talk to Docker through it so that every task joins the mesh. */
export const WEAVE_PROXY_SOCKET = "/var/run/weave/weave.sock";
export const WEAVE_UNIT = "weave.service";
export const SCOPE_UNIT = "weave-scope.service";

const ENV_FILE = `${WEAVE_DIR}/weave.env`;
const PASSWORD_FILE = `${WEAVE_DIR}/password.env`;
const PEERS_FILE = `${WEAVE_DIR}/peers.env`;

/** Peers of one host: every other host of the mesh, in config order. */
export function peersOf(self: string, all: readonly { name: string; ip: string }[]): string[] {
    return all.filter((h) => h.name !== self).map((h) => h.ip);
}

/**
 * The local names the weave script runs its images under (`<user>/<image>:<version>`; weavedb is
 * `:latest` in 2.8.1 and versioned in the community releases, so both names are set).
 */
export function localImageNames(s: WeaveSettings): Record<keyof WeaveSettings["images"], string[]> {
    const u = s.dockerhubUser;
    return {
        weave: [`${u}/weave:${s.version}`],
        weaveexec: [`${u}/weaveexec:${s.version}`],
        weavedb: [`${u}/weavedb:latest`, `${u}/weavedb:${s.version}`],
    };
}

/** What WeaveMesh installs on every host (to download its script). */
export const WEAVE_PACKAGES: readonly string[] = ["curl", "ca-certificates"];

/** Download, verify and install the pinned script; pull the images by digest and tag them locally. */
export function installOps(s: WeaveSettings): Op[] {
    // The two halves of the checksum-mismatch message, around the sha256 the download had.
    const gotLabel = q(`weave script from ${s.scriptUrl}: sha256`);
    const expectedLabel = q(`expected ${s.scriptSha256}: not installed`);
    const ops: Op[] = [
        packages(...WEAVE_PACKAGES),
        directory(WEAVE_DIR, { mode: "0755" }),
        exec(
            `weave script ${s.version} (sha256 ${s.scriptSha256.slice(0, 12)}…)`,
            `echo ${q(`${s.scriptSha256}  ${WEAVE_BIN}`)} | sha256sum -c --status`,
            // The checksum is checked on the downloaded file BEFORE it is installed.
            [
                `tmp=$(mktemp); trap 'rm -f "$tmp"' EXIT`,
                `curl -fsSL --retry 3 --max-time 120 -o "$tmp" ${q(s.scriptUrl)}`,
                `got=$(sha256sum "$tmp" | cut -d' ' -f1)`,
                // Config values only ever single-quoted (q): the URL reaches a root shell on every host.
                `if [ "$got" != ${q(s.scriptSha256)} ]; then echo ${gotLabel} "$got," ${expectedLabel} >&2; exit 1; fi`,
                `install -m 0755 "$tmp" ${WEAVE_BIN}`,
            ].join("\n"),
            "weave-script",
        ),
    ];
    const names = localImageNames(s);
    for (const key of Object.keys(names) as (keyof typeof names)[]) ops.push(imageOp(byDigest(s.images[key]), ...names[key]));
    return ops;
}

/** Not secret: what the unit needs besides the password and the peers. */
export function envFile(s: WeaveSettings): string {
    const pins = (Object.keys(s.images) as (keyof WeaveSettings["images"])[]).map((k) => `# ${k}: ${s.images[k]}`).join("\n");
    return `# Managed by Pulumi (WeaveMesh). The images are pinned by digest and tagged locally:
${pins}
WEAVE_VERSION=${s.version}
DOCKERHUB_USER=${s.dockerhubUser}
CHECKPOINT_DISABLE=1
`;
}

/** Mode 0600: the weave script hands WEAVE_PASSWORD to its container from the environment, never argv. */
export function passwordEnvFile(password: string): string {
    return `WEAVE_PASSWORD=${password}\n`;
}

/** Changing peers is applied live (`weave connect --replace`), so this file is not a restart reason. */
export function peersEnvFile(peers: readonly string[], consensus: number): string {
    return `# Managed by Pulumi (WeaveMesh): the other hosts of the mesh, applied live with weave connect --replace.
WEAVE_PEERS="${peers.join(" ")}"
WEAVE_CONSENSUS=${consensus}
`;
}

export function weaveUnit(hostName: string, s: WeaveSettings): string {
    /* eslint-disable max-len -- a rendered unit line (ExecStartPre launch) is longer; a unit file is kept as written */
    return `[Unit]
Description=Weave Net ${s.version}: router, weaveDNS (${s.dnsDomain}) and Docker API proxy
Documentation=https://github.com/weaveworks/weave
After=docker.service network-online.target
Requires=docker.service
Wants=network-online.target

[Service]
EnvironmentFile=${ENV_FILE}
EnvironmentFile=${PASSWORD_FILE}
EnvironmentFile=${PEERS_FILE}
# A container left from an unclean stop would make launch fail. --nickname (it overrides the
# script's own hostname default) is the config name, so one remaining peer can rmpeer it by name.
ExecStartPre=-${WEAVE_BIN} stop
ExecStartPre=${WEAVE_BIN} launch --no-restart --nickname ${hostName} --ipalloc-range ${s.ipRange} --dns-domain ${s.dnsDomain}. --ipalloc-init consensus=\${WEAVE_CONSENSUS} $WEAVE_PEERS
ExecStart=/usr/bin/docker attach weave
ExecStop=${WEAVE_BIN} stop
Restart=on-failure
RestartSec=5
TimeoutStartSec=300

[Install]
WantedBy=multi-user.target
`;
    /* eslint-enable max-len */
}

export function peersOps(peers: readonly string[], consensus: number): Op[] {
    const sorted = [...peers].sort().join(" ");
    return [
        file(PEERS_FILE, peersEnvFile(peers, consensus), { mode: "0644" }),
        exec(
            "weave peers match the config",
            // Before the first start there is nothing to connect: launch reads the file.
            `! systemctl is-active --quiet ${WEAVE_UNIT} || [ "$(${WEAVE_BIN} status targets 2>/dev/null | sort | xargs)" = ${q(sorted)} ]`,
            `${WEAVE_BIN} connect --replace ${peers.map(q).join(" ")}`,
            "weave-peers",
        ),
    ];
}

/** Holds the password: run only in a secret step. */
export function serviceOps(hostName: string, s: WeaveSettings, password: string): Op[] {
    return [
        file(ENV_FILE, envFile(s), { mode: "0644" }),
        file(PASSWORD_FILE, passwordEnvFile(password), { mode: "0600" }),
        unit(WEAVE_UNIT, weaveUnit(hostName, s)),
        // The env file names the version and the image digests, so a new pin restarts weave too.
        service(WEAVE_UNIT, [ENV_FILE, PASSWORD_FILE]),
        waitFor(
            "weave router and Docker API proxy",
            `${WEAVE_BIN} status >/dev/null 2>&1 && [ -S ${WEAVE_PROXY_SOCKET} ]`,
            180,
            `weave did not come up: see journalctl -u ${WEAVE_UNIT}`,
        ),
    ];
}

/** Scope on every host, its UI bound to the private address only; probes report to every host's app. */
export function scopeUnit(selfIp: string, allIps: readonly string[], image: string, port: number): string {
    const apps = allIps.map((ip) => `${ip}:${port}`).join(" ");
    /* eslint-disable max-len -- a rendered unit line (ExecStart) is longer; a unit file is kept as written */
    return `[Unit]
Description=Weave Scope (UI on ${selfIp}:${port}; it can exec into containers: keep it on the private network)
After=docker.service ${WEAVE_UNIT}
Requires=docker.service

[Service]
ExecStartPre=-/usr/bin/docker rm -f weavescope
ExecStart=/usr/bin/docker run --rm --name weavescope --privileged --net=host --pid=host -v /var/run/docker.sock:/var/run/docker.sock -v /var/run/scope/plugins:/var/run/scope/plugins -v /sys/kernel/debug:/sys/kernel/debug -e CHECKPOINT_DISABLE=1 ${byDigest(image)} --probe.docker=true --app.http.address=${selfIp}:${port} ${apps}
ExecStop=/usr/bin/docker stop weavescope
Restart=on-failure
RestartSec=5

[Install]
WantedBy=multi-user.target
`;
    /* eslint-enable max-len */
}

export function scopeOps(selfIp: string, allIps: readonly string[], image: string, port: number): Op[] {
    const pinned = byDigest(image);
    return [imageOp(pinned), unit(SCOPE_UNIT, scopeUnit(selfIp, allIps, image, port)), service(SCOPE_UNIT)];
}

/**
 * Runs on a host that leaves the mesh: hand its address space to the others while the router
 * still runs (the first half of `weave reset`), stop it for good, then wipe its state, its units
 * and the password file. A stale peer would otherwise keep its IP ranges ("all IP ranges owned by
 * unreachable peers").
 */
export function leaveScript(): string {
    return [
        `if [ ! -e /etc/systemd/system/${WEAVE_UNIT} ] && ! command -v weave >/dev/null 2>&1; then echo "weave is not installed here"; exit 0; fi`,
        `if curl -fsS -X DELETE http://127.0.0.1:6784/peer >/dev/null 2>&1; then echo "weave: address space handed over"; else echo "weave: router not running, the remaining peers reclaim the space (rmpeer)"; fi`,
        `systemctl disable --now ${WEAVE_UNIT} ${SCOPE_UNIT} >/dev/null 2>&1 || true`,
        `${WEAVE_BIN} reset --force >/dev/null 2>&1 || true`,
        `rm -rf ${WEAVE_DIR} /etc/systemd/system/${WEAVE_UNIT} /etc/systemd/system/${SCOPE_UNIT}`,
        `systemctl daemon-reload`,
        `echo "weave: left the mesh"`,
    ].join("\n");
}

/**
 * Runs on ONE remaining peer (never on several: each rmpeer would claim the same space): stop
 * dialling the departed host and, if it did not hand over its address space, take it over.
 */
export function reclaimScript(nickname: string, ip: string): string {
    const nothingToReclaim = q(`weave is not running here: nothing to reclaim for ${nickname}`);
    const listedUnreachable = `weave status ipam 2>/dev/null | grep -F ${q(`(${nickname})`)} | grep -q unreachable`;
    const reclaimed = q(`weave: reclaimed the address space of ${nickname}`);
    const leftCleanly = q(`weave: ${nickname} left cleanly`);
    return [
        `if ! command -v weave >/dev/null 2>&1 || ! weave status >/dev/null 2>&1; then echo ${nothingToReclaim}; exit 0; fi`,
        `weave forget ${q(ip)} >/dev/null 2>&1 || true`,
        `if ${listedUnreachable}; then weave rmpeer ${q(nickname)}; echo ${reclaimed}; else echo ${leftCleanly}; fi`,
    ].join("\n");
}
