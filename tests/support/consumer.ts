/**
 * examples/consumer as another team has it: a project of its own that installs the tarball `npm pack`
 * makes (from a fresh copy of this checkout) and its dependencies from the npm registry, nothing from
 * this repository's node_modules. Used by the unit tests (its build and its own mocks tests) and by
 * the engine lab (its `pulumi preview`).
 *
 * The install (~40 s, the registry) is kept between runs in the OS temp dir, keyed by the tarball's
 * hash and the consumer's package.json (npm pack is deterministic: the same sources give the same
 * tarball). Outside this checkout, so that nothing resolves from the repository's node_modules.
 */
import { execFileSync } from "child_process";
import * as crypto from "crypto";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { freshCheckout } from "../unit/package/checkout";

export const ROOT = path.resolve(__dirname, "../..");
export const CONSUMER_SRC = path.join(ROOT, "examples/consumer");
const CACHE = path.join(os.tmpdir(), "microservice-platform-consumer");

export interface Packed {
    tarball: string;
    /** Paths inside the tarball (npm pack --json). */
    files: string[];
    bundled: string[];
}

let packed: Promise<Packed> | undefined;

/** `npm pack` of a fresh copy of this checkout (no dist/ yet: prepack builds it), once per process. */
export function packLibrary(): Promise<Packed> {
    packed ??= Promise.resolve().then(() => {
        const work = fs.mkdtempSync(path.join(os.tmpdir(), "msp-pack-"));
        process.on("exit", () => fs.rmSync(work, { recursive: true, force: true }));
        const src = freshCheckout(path.join(work, "src"));
        if (fs.existsSync(path.join(src, "dist"))) throw new Error("the copy of the checkout has a dist/: prepack would not be what built the package");
        const out = execFileSync("npm", ["pack", "--json", "--pack-destination", work], { cwd: src, encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] });
        const [info] = JSON.parse(out);
        fs.rmSync(src, { recursive: true, force: true });
        return { tarball: path.join(work, info.filename), files: (info.files as { path: string }[]).map((f) => f.path).sort(), bundled: info.bundled };
    });
    return packed;
}

export interface InstalledConsumer {
    /** A fresh copy of examples/consumer's files, its node_modules a link to the cached install. */
    dir: string;
    tarball: string;
    /** The install came from the cache (no registry access this time). */
    cached: boolean;
}

/** The consumer's files (tracked or new, not ignored: no node_modules, bin/ or tarball). */
function consumerFiles(): string[] {
    return execFileSync("git", ["ls-files", "-z", "--cached", "--others", "--exclude-standard", "examples/consumer"], { cwd: ROOT, encoding: "utf8" })
        .split("\0")
        .filter((f) => f && fs.existsSync(path.join(ROOT, f)))
        .map((f) => path.relative("examples/consumer", f));
}

function copyConsumer(into: string): void {
    for (const f of consumerFiles()) {
        fs.mkdirSync(path.dirname(path.join(into, f)), { recursive: true });
        fs.copyFileSync(path.join(CONSUMER_SRC, f), path.join(into, f));
    }
}

/** Packs the library and installs it into a copy of examples/consumer with `npm install`, as its README says. */
export async function installedConsumer(): Promise<InstalledConsumer> {
    const { tarball } = await packLibrary();
    const hash = crypto.createHash("sha256");
    hash.update(fs.readFileSync(tarball));
    for (const f of ["package.json", ".npmrc"]) hash.update(fs.readFileSync(path.join(CONSUMER_SRC, f)));
    const install = path.join(CACHE, hash.digest("hex").slice(0, 16));
    const cached = fs.existsSync(path.join(install, "node_modules"));
    if (!cached) {
        // Installed beside, then renamed: a concurrent run never sees half an install.
        const tmp = `${install}.tmp-${process.pid}`;
        fs.rmSync(tmp, { recursive: true, force: true });
        fs.mkdirSync(tmp, { recursive: true });
        copyConsumer(tmp);
        fs.copyFileSync(tarball, path.join(tmp, "microservice-platform.tgz"));
        execFileSync("npm", ["install", "--no-audit", "--no-fund", "--loglevel=error"], { cwd: tmp, stdio: ["ignore", "pipe", "pipe"] });
        try {
            fs.renameSync(tmp, install);
        } catch {
            fs.rmSync(tmp, { recursive: true, force: true }); // another run got there first
        }
        // Installs of older tarballs are of no use any more.
        for (const old of fs.readdirSync(CACHE)) {
            if (!old.includes(".tmp-") && path.join(CACHE, old) !== install) fs.rmSync(path.join(CACHE, old), { recursive: true, force: true });
        }
    }
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "msp-consumer-"));
    process.on("exit", () => fs.rmSync(dir, { recursive: true, force: true }));
    copyConsumer(dir);
    fs.symlinkSync(path.join(install, "node_modules"), path.join(dir, "node_modules"));
    return { dir, tarball, cached };
}
