import { spawn, spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { STEP_RUNTIMES } from "../../../components/provision/script";

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
        const fake = (name: string, body: string) => this.fake(name, body);
        fake(
            "systemctl",
            `args=(); quiet=0; for a in "$@"; do case $a in --quiet|-q) quiet=1 ;; --*) ;; *) args+=("$a") ;; esac; done
set -- "\${args[@]}"
say() { [ $quiet = 1 ] || echo "$1"; }
case $1 in
  is-active) [ -e "$S/active-$2" ] ;;
  is-enabled)
    if [ -e "$S/masked-$2" ]; then say masked; exit 1; fi
    if [ -e "$S/enabled-$2" ]; then say enabled; else say disabled; exit 1; fi ;;
  enable) touch "$S/enabled-$2" ;;
  start|restart) if [ -e "$S/masked-$2" ]; then echo "Unit $2 is masked." >&2; exit 1; fi; touch "$S/active-$2" ;;
  stop) rm -f "$S/active-$2" ;;
  mask) touch "$S/masked-$2" ;;
  unmask) rm -f "$S/masked-$2" ;;
  daemon-reload) ;;
  *) echo "fake systemctl: $1?" >&2; exit 2 ;;
esac`,
        );
        // Applies tmpfiles.d files as systemd-tmpfiles --create does; only type `d` (what the stack writes).
        fake(
            "systemd-tmpfiles",
            `files=(); for a in "$@"; do case $a in --create) ;; -*) echo "fake systemd-tmpfiles: $a?" >&2; exit 2 ;; *) files+=("$a") ;; esac; done
[ "\${#files[@]}" -gt 0 ] || { echo "fake systemd-tmpfiles: name the files" >&2; exit 2; }
for f in "\${files[@]}"; do
  while read -r type p mode user group age rest; do
    case $type in
      ''|'#'*) ;;
      d) mkdir -p "$p"; chmod "$mode" "$p"; chown "$user:$group" "$p" ;;
      *) echo "fake systemd-tmpfiles: type $type?" >&2; exit 2 ;;
    esac
  done <"$f"
done`,
        );
        fake("dpkg-query", `p=\${@: -1}; if [ -e "$S/pkg-$p" ]; then echo -n 'install ok installed'; else exit 1; fi`);
        // `touch $S/apt-install-fails` makes the next install fail (as on package lists out of date).
        fake(
            "apt-get",
            `if [[ " $* " == *" install "* ]] && [ -e "$S/apt-install-fails" ]; then
  rm -f "$S/apt-install-fails"; echo "E: Unable to fetch some archives" >&2; exit 100
fi
for a in "$@"; do case $a in -*|update|install|DPkg*|Acquire*|Dpkg*) ;; *) touch "$S/pkg-$a" ;; esac; done`,
        );
    }

    /**
     * Fake `docker` (image inspect/pull/tag/rmi; an image's id is derived from the name it was
     * pulled by), `getent passwd`, `useradd` and `usermod`: the host's real ones are never called.
     */
    fakeDockerAndAccounts(): void {
        this.fake(
            "docker",
            `f() { printf '%s/image-%s' "$S" "\${1//\\//%}"; }
[ "$1" = image ] && [ "$2" = inspect ] && set -- inspect "\${@:3}"
case $1 in
  inspect) fmt=; shift; if [ "$1" = -f ]; then fmt=$2; shift 2; fi
    [ -e "$(f "$1")" ] || { echo "Error: No such image: $1" >&2; exit 1; }
    if [ -n "$fmt" ]; then cat "$(f "$1")"; else echo '[{}]'; fi ;;
  pull) ref=\${@: -1}; echo "sha256:$(printf '%s' "$ref" | sha256sum | cut -c1-64)" >"$(f "$ref")" ;;
  tag) [ -e "$(f "$2")" ] || exit 1; cp "$(f "$2")" "$(f "$3")" ;;
  rmi) rm -f "$(f "$2")" ;;
  *) echo "fake docker: $1?" >&2; exit 2 ;;
esac`,
        );
        fs.writeFileSync(path.join(this.state, "passwd"), "");
        this.fake("getent", `[ "$1" = passwd ] || exit 2; grep -m1 "^$2:" "$S/passwd" || exit 2`);
        this.fake(
            "useradd",
            `home=; shell=/bin/sh; while [ $# -gt 1 ]; do case $1 in --home-dir) home=$2; shift 2 ;; --shell) shell=$2; shift 2 ;; *) shift ;; esac; done
! grep -q "^$1:" "$S/passwd" || { echo "useradd: user '$1' already exists" >&2; exit 9; }
echo "$1:x:999:999::$home:$shell" >>"$S/passwd"; echo "$1:!" >>"$S/shadow"`,
        );
        this.fake(
            "usermod",
            `pw=; home=; shell=
while [ $# -gt 1 ]; do case $1 in -p) pw=$2; shift 2 ;; --home) home=$2; shift 2 ;; --shell) shell=$2; shift 2 ;; *) shift ;; esac; done
grep -q "^$1:" "$S/passwd" || { echo "usermod: user '$1' does not exist" >&2; exit 6; }
if [ -n "$pw" ]; then sed -i "s|^$1:.*|$1:$pw|" "$S/shadow"; fi
if [ -n "$home$shell" ]; then
  IFS=: read -r n x u g c h sh < <(grep "^$1:" "$S/passwd")
  sed -i "s|^$1:.*|$n:$x:$u:$g:$c:\${home:-$h}:\${shell:-$sh}|" "$S/passwd"
fi`,
        );
    }

    /** A fake command on the scripts' PATH (`$S` is the fake state directory; each call is logged). */
    fake(name: string, body: string): void {
        fs.writeFileSync(path.join(this.bin, name), `#!/bin/bash\nS=${this.state}\necho "${name} $*" >>"$S/calls"\n${body}\n`, { mode: 0o755 });
    }

    /**
     * A step script rendered for a real host, moved into this fake root: in the step's own part
     * (not the prelude), the host's /etc, /var, /run, /usr/local and /opt become those under `root`
     * (where /var/run is a symlink to /run, as on Debian), and root ownership becomes this user's.
     */
    rooted(script: string): string {
        script = inlineRuntime(script);
        fs.mkdirSync(this.p("run"), { recursive: true });
        fs.mkdirSync(this.p("var"), { recursive: true });
        if (!fs.existsSync(this.p("var/run"))) fs.symlinkSync("../run", this.p("var/run"));
        const start = script.indexOf("__main() {\n");
        const end = script.lastIndexOf("\n__finish\n}");
        if (start < 0 || end < 0) throw new Error("not a rendered step script");
        const body = script
            .slice(start, end)
            .replace(/(?<![\w./~-])\/(etc|var|run|usr\/local|opt)(?=\/)/g, `${this.root}/$1`)
            .replace(/'root' 'root'/g, `'${this.user}' '${this.group}'`)
            .replace(/\broot root\b/g, `${this.user} ${this.group}`);
        return script.slice(0, start) + body + script.slice(end);
    }

    /**
     * A reboot: /run (a tmpfs) comes back empty, systemd-tmpfiles-setup.service applies every file in
     * /etc/tmpfiles.d, services that are enabled run and the others do not. Starts a new call log.
     */
    reboot(): void {
        fs.rmSync(this.p("run"), { recursive: true, force: true });
        fs.mkdirSync(this.p("run"));
        const dir = this.p("etc/tmpfiles.d");
        const confs = fs.existsSync(dir)
            ? fs
                  .readdirSync(dir)
                  .filter((f) => f.endsWith(".conf"))
                  .sort()
                  .map((f) => path.join(dir, f))
            : [];
        if (confs.length > 0) {
            const r = spawnSync(path.join(this.bin, "systemd-tmpfiles"), ["--create", ...confs], { encoding: "utf8" });
            if (r.status !== 0) throw new Error(`boot: systemd-tmpfiles failed: ${r.stderr}`);
        }
        for (const f of fs.readdirSync(this.state)) {
            if (f.startsWith("active-")) fs.rmSync(path.join(this.state, f));
        }
        for (const f of fs.readdirSync(this.state)) {
            if (f.startsWith("enabled-")) fs.writeFileSync(path.join(this.state, `active-${f.slice("enabled-".length)}`), "");
        }
        this.takeCalls();
    }

    /** Absolute path inside this fake host. */
    p(rel: string): string {
        return path.join(this.root, rel);
    }

    /** What a script runs with here: the fakes first on PATH, the step lock and apt stamp inside the root. */
    private get env(): NodeJS.ProcessEnv {
        return {
            ...process.env,
            PATH: `${this.bin}:${process.env.PATH}`,
            MICROSERVICE_STEP_LOCK: path.join(this.state, "lock"),
            MICROSERVICE_APT_STAMP: this.aptStamp,
        };
    }

    run(script: string): { code: number; stdout: string; stderr: string } {
        const r = spawnSync("bash", ["-s"], { input: script, encoding: "utf8", env: this.env, timeout: 20000 });
        return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
    }

    /** As `run`, without waiting: resolves when the script ends (two steps on one host at once). */
    start(script: string): Promise<{ code: number; stdout: string; stderr: string }> {
        return new Promise((resolve) => {
            const p = spawn("bash", ["-s"], { env: this.env });
            let stdout = "";
            let stderr = "";
            p.stdout.on("data", (d) => (stdout += d));
            p.stderr.on("data", (d) => (stderr += d));
            p.on("close", (code) => resolve({ code: code ?? -1, stdout, stderr }));
            p.stdin.end(script);
        });
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

    /** Where the scripts record their last `apt-get update` (on a host: /run/microservice/apt-updated). */
    get aptStamp(): string {
        return path.join(this.state, "apt-updated");
    }

    installed(pkg: string): boolean {
        return fs.existsSync(path.join(this.state, `pkg-${pkg}`));
    }

    cleanup(): void {
        fs.rmSync(this.root, { recursive: true, force: true });
    }
}

/**
 * A step as a host runs it sources the runtime its ready step installed (renderStep); a fake host
 * has none, so the runtime's text takes the `source` line's place, as in renderScript's form.
 */
export function inlineRuntime(script: string): string {
    for (const r of Object.values(STEP_RUNTIMES)) {
        const line = new RegExp(`^source ${r.path.replace(/[./]/g, "\\$&")} .*\n`, "m");
        if (line.test(script)) return script.replace(/^#!\/bin\/bash\n/, "").replace(line, () => r.text);
    }
    return script;
}
