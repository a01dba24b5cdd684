import type * as pulumi from "@pulumi/pulumi";
import type { Kind } from "./impl";

/**
 * The dynamic providers of the exec resources. Pulumi serializes a dynamic resource's provider
 * (its functions and everything they capture) into the resource's state as `__provider`. To keep
 * that small (~1-2 KB), the methods capture only `kind` and two path strings, and load the real
 * logic (impl.ts, or impl.js when compiled) by absolute path when the provider process calls them.
 * Do not reference any other module-level value from inside providerFor.
 *
 * The path is stored in state, and `delete` of a resource the program no longer declares uses
 * the stored provider: after moving the checkout, set PULUMI_EXEC_IMPL to the new impl path
 * (components/exec/impl.ts, or dist/components/exec/impl.js) for such deletes.
 */

/** Absolute path of the provider logic, fixed when this module loads. */
const IMPL: string = require.resolve("./impl");
/** ts-node, by absolute path, when the logic is TypeScript (running from sources). */
const TS_NODE: string = IMPL.endsWith(".ts") ? require.resolve("ts-node") : "";

/**
 * The provider of one kind of exec resource. `read` (refresh) runs a RemoteCommand's `check` on
 * its host (drift); for the other kinds it returns the stored state. Each method adds ~250 bytes
 * to every resource's state.
 */
export function providerFor(kind: Kind): pulumi.dynamic.ResourceProvider {
    return {
        check: (olds, news) => load().check(kind, olds, news),
        diff: (id, olds, news) => load().diff(kind, id, olds, news),
        create: (inputs) => load().create(kind, inputs),
        update: (id, olds, news) => load().update(kind, id, olds, news),
        delete: (id, props) => load().delete(kind, id, props),
        read: (id, props) => load().read(kind, id, props),
    };
    // `require.extensions[".ts"]` is set once ts-node (or another TS loader) is registered.
    // (No comments inside the functions: their text is what gets stored.)
    /* eslint-disable @typescript-eslint/no-require-imports -- the serialized methods capture no module: the logic is required by path at run time */
    function load(): typeof import("./impl") {
        if (TS_NODE && !require.extensions[".ts"]) require(TS_NODE).register({ transpileOnly: true, compilerOptions: { module: "commonjs" } });
        return require(process.env.PULUMI_EXEC_IMPL || IMPL);
    }
    /* eslint-enable @typescript-eslint/no-require-imports */
}
