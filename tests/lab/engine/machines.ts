/**
 * Machines for an engine-lab stack of target `hosts` (machines the stack does not make): containers
 * made here with the local target's own Docker CLI scripts (components/hosts/local/docker-cli.ts,
 * the same run flags and image), on the lab network 10.1.<id>.0/24, labelled
 * microservice.stack=<label> so that only this lab's leftovers are ever removed. Only there can a
 * host's address change to one where no machine answers: the local target replaces the container.
 */
import { execFileSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import * as cli from "../../../components/hosts/local/docker-cli";
import { AUTHORIZED_KEYS_PATH } from "../../../components/hosts/local/machine";
import { HOST_KEY_PATH } from "../../../components/hosts/host-key";
import { hostAddress } from "../../../components/hosts/addresses";

export interface MachineSpec {
    name: string;
    ip: string;
}

/** An ed25519 key pair at `file` (and `file`.pub), made once and read again while both files exist. */
function keyPair(file: string, comment: string): { privateKey: string; publicKey: string } {
    if (!fs.existsSync(file) || !fs.existsSync(`${file}.pub`)) {
        fs.rmSync(file, { force: true });
        fs.rmSync(`${file}.pub`, { force: true });
        execFileSync("ssh-keygen", ["-q", "-t", "ed25519", "-N", "", "-C", comment, "-f", file]);
    }
    return { privateKey: fs.readFileSync(file, "utf8"), publicKey: fs.readFileSync(`${file}.pub`, "utf8").trim() };
}

export class LabMachines {
    readonly privateKey: string;
    readonly publicKey: string;
    private readonly dir: string;

    constructor(
        readonly prefix: string,
        readonly subnet: string,
        readonly label: string,
        readonly image = "microservice/node:bookworm",
    ) {
        // One key per lab prefix, kept with the machines (KEEP_LAB=1 reuses both).
        this.dir = path.join(os.tmpdir(), `${prefix}-lab-key`);
        fs.mkdirSync(this.dir, { recursive: true, mode: 0o700 });
        const login = keyPair(path.join(this.dir, "id_ed25519"), prefix);
        this.privateKey = login.privateKey;
        this.publicKey = login.publicKey;
    }

    container(host: string): string {
        return `${this.prefix}-${host}`;
    }

    /** The host's own SSH key pair (ed25519), made once per lab prefix and kept with the login key. */
    private hostKey(host: string): { privateKey: string; publicKey: string } {
        const k = keyPair(path.join(this.dir, `${host}_host_ed25519`), host);
        return { privateKey: k.privateKey.trim(), publicKey: k.publicKey };
    }

    /**
     * known_hosts lines for the stack's `existing.knownHosts`: each host's key under its address and
     * the extra addresses a test moves it to (config is checked for a key of every address it names).
     */
    knownHosts(hosts: MachineSpec[], extra: Record<string, string[]> = {}): string[] {
        return hosts.map((h) => {
            const [type, key] = this.hostKey(h.name).publicKey.split(" ");
            return `${[h.ip, ...(extra[h.name] ?? [])].join(",")} ${type} ${key}`;
        });
    }

    /** Network and one container per host, each answering SSH with this lab's key, and its own host key, when it returns. */
    async create(hosts: MachineSpec[]): Promise<void> {
        const base = { ...process.env, NET: this.prefix, STACK: this.label };
        execFileSync("sh", ["-c", cli.network.create], {
            env: { ...base, SUBNET: this.subnet, GATEWAY: hostAddress(this.subnet, 1) },
            stdio: ["ignore", "ignore", "inherit"],
        });
        const run = cli.container();
        for (const h of hosts) {
            const volume = `${this.container(h.name)}-docker`;
            execFileSync("sh", ["-c", cli.volume.create], { env: { ...base, VOLUME: volume }, stdio: ["ignore", "ignore", "inherit"] });
            const hk = this.hostKey(h.name);
            execFileSync("sh", ["-c", run.create], {
                env: {
                    ...base,
                    NAME: this.container(h.name),
                    HOSTNAME: h.name,
                    IP: h.ip,
                    IMAGE: this.image,
                    VOLUME: volume,
                    PUBLIC_KEY: this.publicKey,
                    KEY_PATH: AUTHORIZED_KEYS_PATH,
                    HOST_KEY: hk.privateKey,
                    HOST_KEY_PUB: hk.publicKey,
                    HOST_KEY_PATH,
                },
                stdio: ["ignore", "ignore", "inherit"],
            });
        }
        for (const h of hosts) await this.booted(h.name);
    }

    /** Whether every host's container exists and runs (a machine kept by KEEP_LAB=1). */
    running(hosts: MachineSpec[]): boolean {
        return hosts.every((h) => {
            try {
                return (
                    execFileSync("docker", ["inspect", "-f", "{{.State.Running}}", this.container(h.name)], { stdio: ["ignore", "pipe", "ignore"] })
                        .toString()
                        .trim() === "true"
                );
            } catch {
                return false;
            }
        });
    }

    /** Runs a shell command on a host (as root, through docker exec) and returns its stdout. */
    sh(host: string, command: string): string {
        return execFileSync("docker", ["exec", this.container(host), "bash", "-c", command], { stdio: ["ignore", "pipe", "pipe"] })
            .toString()
            .trim();
    }

    private async booted(host: string): Promise<void> {
        for (let i = 0; i < 240; i++) {
            try {
                const s = this.sh(host, "systemctl is-system-running || true");
                if (/^(running|degraded)$/m.test(s)) return;
            } catch {
                /* starting */
            }
            await new Promise((r) => setTimeout(r, 500));
        }
        throw new Error(`${this.container(host)} did not finish booting within 120 s`);
    }

    /** Removes every container, volume and the network labelled with this lab's label (and the key with `key`). */
    remove(key = false): void {
        const label = `label=microservice.stack=${this.label}`;
        const ids = (args: string[]) => execFileSync("docker", args).toString().split(/\s+/).filter(Boolean);
        const containers = ids(["ps", "-aq", "--filter", label]);
        if (containers.length) execFileSync("docker", ["rm", "-f", ...containers], { stdio: "ignore" });
        const volumes = ids(["volume", "ls", "-q", "--filter", label]);
        if (volumes.length) execFileSync("docker", ["volume", "rm", "-f", ...volumes], { stdio: "ignore" });
        const nets = ids(["network", "ls", "-q", "--filter", label]);
        if (nets.length) execFileSync("docker", ["network", "rm", ...nets], { stdio: "ignore" });
        if (key) fs.rmSync(this.dir, { recursive: true, force: true });
    }
}
