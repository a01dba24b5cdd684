import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";

/**
 * Runs a rendered step script on this machine with fake `systemctl`, `dpkg-query` and `apt-get`,
 * so the prelude's desired-state logic is exercised for real (files, modes, restarts) without
 * touching services or packages. Every fake call is appended to `calls`.
 */
export class LocalHost {
    readonly root = fs.mkdtempSync(path.join(os.tmpdir(), "step-"));
    private readonly state = path.join(this.root, ".fake");
    private readonly bin = path.join(this.root, ".bin");
    readonly user = os.userInfo().username;
    readonly group = spawnSync("id", ["-gn"], { encoding: "utf8" }).stdout.trim();

    constructor() {
        fs.mkdirSync(this.state);
        fs.mkdirSync(this.bin);
        const fake = (name: string, body: string) =>
            fs.writeFileSync(path.join(this.bin, name), `#!/bin/bash\nS=${this.state}\necho "${name} $*" >>"$S/calls"\n${body}\n`, { mode: 0o755 });
        fake(
            "systemctl",
            `args=(); for a in "$@"; do case $a in --*) ;; *) args+=("$a") ;; esac; done
set -- "\${args[@]}"
case $1 in
  is-active) [ -e "$S/active-$2" ] ;;
  is-enabled) [ -e "$S/enabled-$2" ] ;;
  enable) touch "$S/enabled-$2" ;;
  start|restart) touch "$S/active-$2" ;;
  stop) rm -f "$S/active-$2" ;;
  daemon-reload) ;;
  *) echo "fake systemctl: $1?" >&2; exit 2 ;;
esac`,
        );
        fake("dpkg-query", `p=\${@: -1}; if [ -e "$S/pkg-$p" ]; then echo -n 'install ok installed'; else exit 1; fi`);
        fake("apt-get", `for a in "$@"; do case $a in -*|update|install|DPkg*|Acquire*|Dpkg*) ;; *) touch "$S/pkg-$a" ;; esac; done`);
    }

    /** Absolute path inside this fake host. */
    p(rel: string): string {
        return path.join(this.root, rel);
    }

    run(script: string): { code: number; stdout: string; stderr: string } {
        const r = spawnSync("bash", ["-s"], {
            input: script,
            encoding: "utf8",
            env: { ...process.env, PATH: `${this.bin}:${process.env.PATH}`, MICROSERVICE_STEP_LOCK: path.join(this.state, "lock") },
            timeout: 20000,
        });
        return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
    }

    /** Fake command calls since the last `takeCalls()`. */
    takeCalls(): string[] {
        const f = path.join(this.state, "calls");
        if (!fs.existsSync(f)) return [];
        const lines = fs.readFileSync(f, "utf8").split("\n").filter(Boolean);
        fs.unlinkSync(f);
        return lines;
    }

    setActive(service: string, active: boolean): void {
        const f = path.join(this.state, `active-${service}`);
        if (active) fs.writeFileSync(f, "");
        else fs.rmSync(f, { force: true });
    }

    installed(pkg: string): boolean {
        return fs.existsSync(path.join(this.state, `pkg-${pkg}`));
    }

    cleanup(): void {
        fs.rmSync(this.root, { recursive: true, force: true });
    }
}
