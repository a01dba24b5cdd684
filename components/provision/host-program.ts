/**
 * Host programs (the volume tool, the Marathon hook, the registry helpers) are real files in the
 * package's host-programs/ folder: readable, checked by shellcheck in the tests, and shipped as they
 * are. A program names the stack's paths as `@NAME@` placeholders, filled here from the constants the
 * TypeScript side uses, so that a path has one owner.
 */
import * as fs from "fs";
import * as path from "path";

export const HOST_PROGRAMS_DIR = "host-programs";

/** The package's root, from the sources (components/) and from the build (dist/components/) alike. */
export function packageRoot(): string {
    let dir = __dirname;
    while (!fs.existsSync(path.join(dir, "package.json")) && path.dirname(dir) !== dir) dir = path.dirname(dir);
    return dir;
}

/** The text of host-programs/<name> with its `@NAME@` placeholders filled; every placeholder must be given, and used. */
export function hostProgram(name: string, values: Record<string, string> = {}): string {
    const text = fs.readFileSync(path.join(packageRoot(), HOST_PROGRAMS_DIR, name), "utf8");
    const used = new Set<string>();
    const filled = text.replace(/@([A-Z][A-Z0-9_]*)@/g, (_, key: string) => {
        if (!(key in values)) throw new Error(`host program ${name}: no value for its placeholder @${key}@`);
        used.add(key);
        return values[key];
    });
    const unused = Object.keys(values).filter((k) => !used.has(k));
    if (unused.length > 0) throw new Error(`host program ${name}: has no placeholder @${unused.join("@, @")}@`);
    return filled;
}
