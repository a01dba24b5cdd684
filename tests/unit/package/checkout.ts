import { execFileSync, spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";

export const ROOT = path.resolve(__dirname, "../../..");

/**
 * A copy of this checkout as a fresh clone would have it (tracked and untracked files that git does
 * not ignore: no dist/, no packages/vagrant-shim/dist, no node_modules), with node_modules made of
 * links to this checkout's installed packages, except @pulumi/vagrant-shim, which links to the
 * copy's own packages/vagrant-shim as `npm ci` would. Nothing is written into this checkout.
 */
export function freshCheckout(into: string): string {
    const files = execFileSync("git", ["ls-files", "-z", "--cached", "--others", "--exclude-standard"], { cwd: ROOT, encoding: "utf8" })
        .split("\0")
        .filter((f) => f && !f.startsWith("node_modules") && fs.existsSync(path.join(ROOT, f)) && fs.lstatSync(path.join(ROOT, f)).isFile());
    for (const f of files) {
        fs.mkdirSync(path.dirname(path.join(into, f)), { recursive: true });
        fs.copyFileSync(path.join(ROOT, f), path.join(into, f));
    }
    const modules = path.join(into, "node_modules");
    fs.mkdirSync(modules);
    for (const entry of fs.readdirSync(path.join(ROOT, "node_modules"))) {
        if (entry.startsWith("@")) {
            fs.mkdirSync(path.join(modules, entry));
            for (const pkg of fs.readdirSync(path.join(ROOT, "node_modules", entry))) {
                const target =
                    `${entry}/${pkg}` === "@pulumi/vagrant-shim" ? path.join(into, "packages/vagrant-shim") : path.join(ROOT, "node_modules", entry, pkg);
                fs.symlinkSync(target, path.join(modules, entry, pkg));
            }
        } else {
            fs.symlinkSync(path.join(ROOT, "node_modules", entry), path.join(modules, entry));
        }
    }
    return into;
}

/**
 * A consumer project with the package unpacked where npm installs it, and beside it only the given
 * packages (links to this checkout's node_modules). Outside this checkout, so that nothing else
 * resolves from its node_modules.
 */
export function consumerWith(tarball: string, dir: string, packages: string[]): { dir: string; pkg: string } {
    const pkg = path.join(dir, "node_modules/microservice-platform");
    fs.mkdirSync(pkg, { recursive: true });
    execFileSync("tar", ["-xzf", tarball, "-C", pkg, "--strip-components=1"]);
    for (const p of packages) {
        fs.mkdirSync(path.dirname(path.join(dir, "node_modules", p)), { recursive: true });
        fs.symlinkSync(path.join(ROOT, "node_modules", p), path.join(dir, "node_modules", p));
    }
    fs.writeFileSync(path.join(dir, "package.json"), JSON.stringify({ name: "consumer", version: "1.0.0", private: true }));
    return { dir, pkg };
}

export function tempDir(prefix: string): string {
    return fs.mkdtempSync(path.join(os.tmpdir(), prefix));
}

/**
 * Runs `node -e <code>` in `cwd` (Node's own warnings off: Pulumi's closure serializer loads deprecated built-ins);
 * returns status and output (never throws).
 */
export function nodeEval(code: string, cwd: string, env: NodeJS.ProcessEnv = {}): { status: number | null; stdout: string; stderr: string } {
    const r = spawnSync(process.execPath, ["-e", code], {
        cwd,
        encoding: "utf8",
        env: { PATH: process.env.PATH, HOME: process.env.HOME, NODE_NO_WARNINGS: "1", ...env },
    });
    return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}
