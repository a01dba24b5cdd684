import { releaseLab } from "../shared";

// Mocha root hooks for `npm run test:lab`: the one lab of the run is removed at the end, unless
// KEEP_LAB=1 keeps it for the next run.
export const mochaHooks = {
    async afterAll(this: Mocha.Context) {
        this.timeout(180_000);
        await releaseLab();
    },
};
