import * as crypto from "crypto";
import * as fs from "fs";
import * as path from "path";

/**
 * The build context of an app image and its content hash, which is the image's tag: the same
 * source always gives the same tag (so no rebuild and no redeploy), any change gives a new one.
 *
 * Hashed: every file of the folder except what `.dockerignore` leaves out of the image and except
 * `node_modules` (derived from package-lock.json, which is hashed). `.dockerignore` is read in a
 * simple form: one name or `*`-glob per line, matched against each path and each of its segments.
 */
export function contextFiles(dir: string): string[] {
    const ignore = ignorePatterns(dir);
    const out: string[] = [];
    const walk = (rel: string) => {
        for (const entry of fs.readdirSync(path.join(dir, rel), { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : 1))) {
            const r = rel ? `${rel}/${entry.name}` : entry.name;
            // Dockerfile and .dockerignore shape the image even when .dockerignore lists them (Docker sends them anyway).
            const always = r === "Dockerfile" || r === ".dockerignore";
            if (entry.name === "node_modules" || (!always && ignored(r, ignore))) continue;
            if (entry.isDirectory()) walk(r);
            else if (entry.isFile()) out.push(r);
        }
    };
    walk("");
    return out;
}

/** sha256 (hex) over the context's relative paths, modes (executable or not) and contents. */
export function contextHash(dir: string): string {
    const h = crypto.createHash("sha256");
    for (const f of contextFiles(dir)) {
        const full = path.join(dir, f);
        const exec = (fs.statSync(full).mode & 0o111) !== 0;
        h.update(`${f}\0${exec ? "x" : "-"}\0`);
        h.update(crypto.createHash("sha256").update(fs.readFileSync(full)).digest("hex"));
        h.update("\n");
    }
    return h.digest("hex");
}

/** The image tag for a context: the first 12 hex digits of its hash. */
export function contextTag(dir: string): string {
    return contextHash(dir).slice(0, 12);
}

function ignorePatterns(dir: string): RegExp[] {
    const file = path.join(dir, ".dockerignore");
    if (!fs.existsSync(file)) return [];
    return fs
        .readFileSync(file, "utf8")
        .split("\n")
        .map((l) => l.trim())
        .filter((l) => l && !l.startsWith("#") && !l.startsWith("!"))
        .map(
            (l) =>
                new RegExp(
                    "^" +
                        l
                            .replace(/^\/+|\/+$/g, "")
                            .replace(/[.+?^${}()|[\]\\]/g, "\\$&")
                            .replace(/\*/g, "[^/]*") +
                        "$",
                ),
        );
}

function ignored(rel: string, patterns: RegExp[]): boolean {
    return patterns.some((p) => p.test(rel) || rel.split("/").some((seg) => p.test(seg)));
}
