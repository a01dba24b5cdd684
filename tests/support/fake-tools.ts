import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { spawnSync } from "child_process";

/**
 * A fake world in a temp dir for running the real host programs with bash: the tools that change a
 * system (zfs, ssh, sudo, docker, systemctl, umount, mkfs, blkid, lsblk, mountpoint, curl) are the
 * small scripts in tests/support/fake-tools/, first on PATH; everything else (bash, find,
 * sha256sum, tar, timeout) is real. Each fake acts for one host ($FAKE_ROOT/hosts/<host>), logs its
 * call to calls.log and answers from that host's state; see the comment at the top of each fake.
 */
export const FAKE_TOOLS_DIR = path.join(__dirname, "fake-tools");
const TOOLS = ["zfs", "ssh", "sudo", "docker", "systemctl", "umount", "mountpoint", "lsblk", "blkid", "curl"];

export interface Run {
    code: number;
    stdout: string;
    stderr: string;
}

export class FakeWorld {
    readonly root = fs.mkdtempSync(path.join(os.tmpdir(), "fake-world-"));
    readonly bin = path.join(this.root, "bin");

    constructor() {
        fs.mkdirSync(this.bin);
        fs.mkdirSync(path.join(this.root, "tmp"));
        fs.mkdirSync(path.join(this.root, "net"));
        for (const t of TOOLS) fs.symlinkSync(path.join(FAKE_TOOLS_DIR, t), path.join(this.bin, t));
        for (const t of ["mkfs.ext4", "mkfs.xfs"]) fs.symlinkSync(path.join(FAKE_TOOLS_DIR, "mkfs"), path.join(this.bin, t));
        fs.writeFileSync(this.log, "");
    }

    get log(): string {
        return path.join(this.root, "calls.log");
    }

    /** The state dir of a host, created with its IP on the fake network. */
    host(name: string, ip?: string): string {
        const dir = path.join(this.root, "hosts", name);
        fs.mkdirSync(dir, { recursive: true });
        if (ip) fs.writeFileSync(path.join(this.root, "net", ip), name);
        return dir;
    }

    /** Runs `bash <file> <args>` as the given host, with the fakes first on PATH and TMPDIR inside the world. */
    run(host: string, file: string, args: string[], env: Record<string, string> = {}): Run {
        const r = spawnSync("bash", [file, ...args], {
            encoding: "utf8",
            timeout: 60_000,
            cwd: this.root,
            env: {
                PATH: `${this.bin}:${process.env.PATH}`,
                HOME: this.root,
                TMPDIR: path.join(this.root, "tmp"),
                LC_ALL: "C",
                FAKE_ROOT: this.root,
                FAKE_HOST: host,
                ...env,
            },
        });
        if (r.error) throw r.error;
        return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
    }

    /** Every fake call so far, as "<host> <tool> <args, shell-quoted>". */
    calls(): string[] {
        return fs
            .readFileSync(this.log, "utf8")
            .split("\n")
            .filter((l) => l !== "");
    }

    clearCalls(): void {
        fs.writeFileSync(this.log, "");
    }

    /** Makes calls of a host's fake that match `glob` ("<tool> <args>") fail with `message` (`times` times, or always). */
    fault(host: string, glob: string, message: string, times?: number): void {
        const dir = path.join(this.host(host), "faults");
        fs.mkdirSync(dir, { recursive: true });
        fs.writeFileSync(path.join(dir, String(fs.readdirSync(dir).length)), `${glob}\n${message}\n${times ?? ""}\n`);
    }

    cleanup(): void {
        fs.rmSync(this.root, { recursive: true, force: true });
    }
}
