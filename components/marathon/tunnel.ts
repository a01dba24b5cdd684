/**
 * Reaching Marathon through mgmt when it sits in a private subnet (AWS): an SSH local port-forward
 * (HTTPS inside it when Marathon serves it: mgmt never sees the password or the app definitions)
 * with the system's `ssh` client, pinned to the jump host's key (`jump.hostKey`, required). The private key (a Pulumi secret) is written to a 0600 file in a
 * private temporary directory for the life of the tunnel and removed afterwards; it never appears
 * on a command line.
 */
import { spawn } from "child_process";
import * as fs from "fs";
import * as net from "net";
import * as os from "os";
import * as path from "path";
import type { JumpHost, MarathonAccess } from "./client";

export interface Tunnel {
    /** The access to use while the tunnel is open (URL on 127.0.0.1, Host header of the original). */
    access: MarathonAccess;
    close(): Promise<void>;
}

/** The `ssh` argv for a forward of 127.0.0.1:localPort to target through the jump host (pure). */
export function sshArgs(jump: JumpHost, keyFile: string, knownHosts: string, localPort: number, targetHost: string, targetPort: number): string[] {
    return [
        "-N",
        "-i",
        keyFile,
        "-p",
        String(jump.port ?? 22),
        "-L",
        `127.0.0.1:${localPort}:${targetHost}:${targetPort}`,
        "-o",
        "ExitOnForwardFailure=yes",
        "-o",
        "BatchMode=yes",
        "-o",
        "IdentitiesOnly=yes",
        // Only the jump host's pinned key (knownHostsText) is accepted.
        "-o",
        "StrictHostKeyChecking=yes",
        "-o",
        `UserKnownHostsFile=${knownHosts}`,
        "-o",
        "GlobalKnownHostsFile=/dev/null",
        "-o",
        "CheckHostIP=no",
        "-o",
        "ServerAliveInterval=15",
        "-o",
        "ConnectTimeout=15",
        `${jump.user ?? "root"}@${jump.host}`,
    ];
}

/** The known_hosts file that pins the jump host's key (`[host]:port` off port 22); throws without a key. */
export function knownHostsText(jump: JumpHost): string {
    const key = typeof jump.hostKey === "string" ? jump.hostKey.trim().split(/\s+/).slice(0, 2).join(" ") : "";
    if (!/^[\w@.+-]+ [A-Za-z0-9+/=]+$/.test(key)) {
        throw new Error(
            `Marathon through the jump host ${jump.host}: jump.hostKey is required (its public key, e.g. "ssh-ed25519 AAAA..."): ` +
                "the tunnel never trusts an unknown host",
        );
    }
    const port = jump.port ?? 22;
    return `${port === 22 ? jump.host : `[${jump.host}]:${port}`} ${key}\n`;
}

/** Opens the tunnel and waits (bounded) until the forwarded port accepts connections. */
export async function openTunnel(access: MarathonAccess, timeoutMs = 30000): Promise<Tunnel> {
    const jump = access.jump!;
    const known = knownHostsText(jump); // before anything is written or started
    const target = new URL(access.url);
    const targetPort = Number(target.port || (target.protocol === "https:" ? 443 : 80));

    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "marathon-tunnel-"));
    fs.chmodSync(dir, 0o700);
    const keyFile = path.join(dir, "key");
    fs.writeFileSync(keyFile, jump.privateKey.endsWith("\n") ? jump.privateKey : jump.privateKey + "\n", { mode: 0o600 });
    fs.writeFileSync(path.join(dir, "known_hosts"), known, { mode: 0o600 });
    const cleanup = () => fs.rmSync(dir, { recursive: true, force: true });

    const localPort: number = await new Promise((resolve, reject) => {
        const s = net.createServer();
        s.on("error", reject);
        s.listen(0, "127.0.0.1", () => {
            const p = (s.address() as net.AddressInfo).port;
            s.close(() => resolve(p));
        });
    });
    const child = spawn("ssh", sshArgs(jump, keyFile, path.join(dir, "known_hosts"), localPort, target.hostname, targetPort), {
        stdio: ["ignore", "ignore", "pipe"],
    });
    let stderr = "";
    let exited: number | null = null;
    child.stderr?.on("data", (d: Buffer) => (stderr += d.toString()));
    child.on("exit", (code: number | null) => (exited = code ?? -1));
    child.on("error", (e: Error) => {
        stderr += e.message;
        exited = -1;
    });

    const deadline = Date.now() + timeoutMs;
    for (;;) {
        if (exited !== null) {
            cleanup();
            throw new Error(`SSH tunnel to Marathon through ${jump.host} failed (exit ${exited}): ${stderr.trim().slice(0, 500)}`);
        }
        const ok = await new Promise<boolean>((resolve) => {
            const sock = net.connect(localPort, "127.0.0.1");
            sock.once("connect", () => {
                sock.destroy();
                resolve(true);
            });
            sock.once("error", () => resolve(false));
        });
        if (ok) break;
        if (Date.now() >= deadline) {
            child.kill();
            cleanup();
            throw new Error(`SSH tunnel to Marathon through ${jump.host} did not open within ${timeoutMs} ms: ${stderr.trim().slice(0, 500)}`);
        }
        await new Promise((r) => setTimeout(r, 100));
    }
    // ssh has read the key: it need not stay on disk.
    fs.rmSync(keyFile, { force: true });

    const { jump: _j, ...rest } = access;
    // The forward is plain TCP: with https, TLS runs end to end to Marathon, and the client checks
    // its certificate (from the CA in `caCert`) against `hostHeader`, Marathon's own address.
    return {
        access: { ...rest, url: `${target.protocol}//127.0.0.1:${localPort}`, hostHeader: target.host },
        close: async () => {
            if (exited === null) {
                await new Promise<void>((resolve) => {
                    // SIGTERM first; a client that ignores it is killed after a bounded wait.
                    const hard = setTimeout(() => child.kill("SIGKILL"), 2000);
                    child.once("exit", () => {
                        clearTimeout(hard);
                        resolve();
                    });
                    child.kill();
                });
            }
            cleanup();
        },
    };
}

/** Runs `fn` with an access that reaches Marathon: directly, or through a tunnel opened for it. */
export async function withMarathon<T>(access: MarathonAccess, fn: (a: MarathonAccess) => Promise<T>): Promise<T> {
    if (!access.jump) return fn(access);
    const tunnel = await openTunnel(access);
    try {
        return await fn(tunnel.access);
    } finally {
        await tunnel.close();
    }
}
