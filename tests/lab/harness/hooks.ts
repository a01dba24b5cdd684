import * as path from "path";
import { releaseLab } from "../shared";

// `mocha --config tests/lab/.mocharc.json tests/lab/NN-x.lab.ts` would run the named file AND every
// file of the config's spec (mocha concatenates them): when lab files are named, only they run.
const named = process.argv
    .slice(2)
    .filter((a) => a.endsWith(".lab.ts"))
    .map((a) => path.resolve(a));
if (named.length) {
    // Mocha's runtime class, patched through its prototype (the typings describe the globals only).
    // eslint-disable-next-line @typescript-eslint/no-require-imports -- the untyped runtime class (above)
    const { Mocha } = require("mocha");
    const load = Mocha.prototype.loadFilesAsync;
    Mocha.prototype.loadFilesAsync = function (this: { files: string[] }, ...args: unknown[]) {
        this.files = this.files.filter((f) => named.includes(path.resolve(f)));
        return load.apply(this, args);
    };
}

// Mocha root hooks for `npm run test:lab`: the one lab of the run is removed at the end, unless
// KEEP_LAB=1 keeps it for the next run.
export const mochaHooks = {
    async afterAll(this: Mocha.Context) {
        this.timeout(180_000);
        await releaseLab();
        // Resources behind a failed step wait forever under mocks (each run lists them in notRun):
        // not the promise leak the SDK would report at exit.
        // eslint-disable-next-line @typescript-eslint/no-require-imports -- the SDK's internal module, used untyped (not all of it is typed)
        require("@pulumi/pulumi/runtime/state").getStore().leakCandidates?.clear();
    },
};
