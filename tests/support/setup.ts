import * as pulumi from "@pulumi/pulumi";
import { MockRouter } from "./mocks";

/** The one mock router for all unit tests (setMocks is global). */
export const mocks = new MockRouter();

// An error inside a mock or an apply would otherwise only show as a timeout.
process.on("unhandledRejection", (e) => {
    throw e;
});

export const mochaHooks = {
    async beforeAll() {
        await pulumi.runtime.setMocks(mocks, "microservice", "test", false);
    },
    beforeEach() {
        mocks.reset();
        pulumi.runtime.setAllConfig({});
    },
};
