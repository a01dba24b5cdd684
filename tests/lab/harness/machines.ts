import * as fs from "fs";
import * as path from "path";
import { AUTHORIZED_KEYS_PATH, dockerRunFlags } from "../../../components/hosts/local/machine";
import { LabHostSpec, LabNames } from "./topology";
import { mustRun, pollUntil, runProc, tail } from "./proc";
import { sshExec } from "./ssh";

const ROOT = path.resolve(__dirname, "../../..");
const LABEL = "microservice.lab";

/**
 * Prepares this machine (docker.io, dockerd, the debootstrap base image, the node image; each reused
 * when present) with the same script as the local target. Returns the node image name.
 */
export async function prepareMachine(): Promise<string> {
    const r = await runProc("bash", [path.join(ROOT, "scripts/docker-host.sh")], { timeoutMs: 15 * 60_000 });
    if (r.code !== 0) throw new Error(`scripts/docker-host.sh failed (exit ${r.code}): ${tail(r.stderr)}`);
    return r.stdout.trim().split("\n").pop()!;
}

/** The lab's ed25519 key, made here with ssh-keygen (0600, in the lab's 0700 dir outside the repo). */
export async function ensureKey(names: LabNames): Promise<{ privateKey: string; publicKey: string; file: string }> {
    fs.mkdirSync(names.dir, { recursive: true, mode: 0o700 });
    fs.chmodSync(names.dir, 0o700);
    const file = path.join(names.dir, "id_ed25519");
    if (!fs.existsSync(file) || !fs.existsSync(`${file}.pub`)) {
        fs.rmSync(file, { force: true });
        fs.rmSync(`${file}.pub`, { force: true });
        await mustRun("ssh-keygen", ["-q", "-t", "ed25519", "-N", "", "-C", `mslab${names.id}`, "-f", file]);
    }
    fs.chmodSync(file, 0o600);
    return { privateKey: fs.readFileSync(file, "utf8"), publicKey: fs.readFileSync(`${file}.pub`, "utf8"), file };
}

export async function containerRunning(name: string): Promise<boolean> {
    const r = await runProc("docker", ["inspect", "-f", "{{.State.Running}}", name]);
    return r.code === 0 && r.stdout.trim() === "true";
}

/** Removes the lab's containers, their Docker volumes and its network (whatever of them exists). */
export async function removeLab(names: LabNames): Promise<void> {
    const ids = (await runProc("docker", ["ps", "-aq", "--filter", `label=${LABEL}=${names.id}`])).stdout.split(/\s+/).filter(Boolean);
    if (ids.length) await mustRun("docker", ["rm", "-f", "-v", ...ids], { timeoutMs: 120_000 });
    const vols = (await runProc("docker", ["volume", "ls", "-q", "--filter", `label=${LABEL}=${names.id}`])).stdout.split(/\s+/).filter(Boolean);
    if (vols.length) await mustRun("docker", ["volume", "rm", "-f", ...vols]);
    if ((await runProc("docker", ["network", "inspect", names.network])).code === 0) await mustRun("docker", ["network", "rm", names.network]);
}

/**
 * Creates the network and one container per host from the node image with the local target's run
 * flags, a fixed address, every lab host in /etc/hosts and a Docker volume for the inner engine.
 * The public key is copied in before the first boot (nothing on this machine is bind-mounted).
 */
export async function createLab(names: LabNames, image: string, specs: LabHostSpec[], publicKey: string): Promise<void> {
    await mustRun("docker", [
        "network",
        "create",
        "--driver",
        "bridge",
        "--subnet",
        names.subnet,
        "--gateway",
        names.gateway,
        "--label",
        `${LABEL}=${names.id}`,
        names.network,
    ]);
    const addHosts = specs.map((s) => `--add-host=${s.name}:${s.ip}`);
    const pubFile = path.join(names.dir, "authorized_keys");
    fs.writeFileSync(pubFile, publicKey, { mode: 0o644 });
    await Promise.all(
        specs.map(async (s) => {
            const c = names.container(s.name);
            await mustRun("docker", ["volume", "create", "--label", `${LABEL}=${names.id}`, names.volume(s.name)]);
            await mustRun("docker", [
                "create",
                "--name",
                c,
                "--hostname",
                s.name,
                "--label",
                `${LABEL}=${names.id}`,
                "--network",
                names.network,
                "--ip",
                s.ip,
                ...addHosts,
                ...dockerRunFlags(),
                `--volume=${names.volume(s.name)}:/var/lib/docker`,
                image,
            ]);
            await mustRun("docker", ["cp", pubFile, `${c}:${AUTHORIZED_KEYS_PATH}`]);
            await mustRun("docker", ["start", c]);
        }),
    );
}

/** Polls until sshd answers with the lab key and systemd has finished booting (bounded). */
export async function waitForSsh(ip: string, privateKey: string, timeoutMs = 120_000): Promise<void> {
    let last = "";
    try {
        await pollUntil(`SSH and systemd on ${ip}`, timeoutMs, async () => {
            const r = await sshExec({ host: ip, privateKey, dialErrorLimit: 1, perDialTimeout: 2 }, "systemctl is-system-running", { timeoutMs: 10_000 });
            last = (r.stdout + r.stderr).trim();
            return r.code !== 255 && /^(running|degraded)$/m.test(r.stdout);
        });
    } catch (e) {
        throw new Error(`${(e as Error).message} (last answer: ${last || "none"})`, { cause: e });
    }
}
