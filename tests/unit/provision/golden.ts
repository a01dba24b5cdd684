import { expect } from "chai";
import * as fs from "fs";
import * as path from "path";

/**
 * Compares generated text with a file under a `golden/` folder. `UPDATE_GOLDEN=1 npx mocha ...`
 * rewrites the files; review the diff before committing it.
 */
export function expectGolden(dir: string, name: string, actual: string): void {
    const file = path.join(dir, "golden", name);
    if (process.env.UPDATE_GOLDEN === "1" || !fs.existsSync(file)) {
        if (process.env.CI && !fs.existsSync(file)) throw new Error(`golden file ${file} is missing (run with UPDATE_GOLDEN=1 locally)`);
        fs.mkdirSync(path.dirname(file), { recursive: true });
        fs.writeFileSync(file, actual);
        return;
    }
    expect(actual, `golden ${path.relative(process.cwd(), file)} (UPDATE_GOLDEN=1 to accept)`).to.equal(fs.readFileSync(file, "utf8"));
}

/** The ops part of a rendered step (the shared prelude has its own golden file: provision/golden/every-op.sh). */
export function stepBody(script: string): string {
    const start = script.indexOf("__main() {\n");
    const end = script.lastIndexOf("\n__finish\n}");
    if (start < 0 || end < 0) throw new Error("not a rendered step script");
    return script.slice(start + "__main() {\n".length, end) + "\n";
}
