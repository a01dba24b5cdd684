import * as pulumi from "@pulumi/pulumi";

// waitForRPCs is internal to the SDK but exported; it drains pending registrations.
// eslint-disable-next-line @typescript-eslint/no-require-imports -- the SDK's internal module, used untyped (what is used here is not all in its typings)
const settings = require("@pulumi/pulumi/runtime/settings");

/** The value of an Output (only for known outputs: never use in preview-mode tests). */
export function valueOf<T>(o: pulumi.Input<T>): Promise<T> {
    return new Promise((resolve) =>
        pulumi.output(o).apply((v) => {
            resolve(v as T);
            return v;
        }),
    );
}

/** Whether an Output is secret. */
export function isSecret(o: pulumi.Output<unknown>): Promise<boolean> {
    return (o as any).isSecret as Promise<boolean>;
}

/** Waits until every resource registration so far has reached the mock monitor. */
export async function settle(): Promise<void> {
    await settings.waitForRPCs();
}
