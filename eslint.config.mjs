// The repo's lint settings: typescript-eslint's recommended rules, with the exceptions this code
// base relies on (each says why). Formatting is prettier's (.prettierrc.json), not the linter's.
import js from "@eslint/js";
import tseslint from "typescript-eslint";

// Node's globals for the plain .js files (the `globals` package is not installed; these are the ones the code uses).
const NODE_GLOBALS = Object.fromEntries(
    [
        "console",
        "process",
        "Buffer",
        "__dirname",
        "__filename",
        "setTimeout",
        "clearTimeout",
        "setInterval",
        "clearInterval",
        "setImmediate",
        "clearImmediate",
        "queueMicrotask",
        "URL",
        "URLSearchParams",
        "fetch",
        "AbortController",
        "TextEncoder",
        "TextDecoder",
    ].map((name) => [name, "readonly"]),
);

export default tseslint.config(
    { ignores: ["**/node_modules/**", "**/dist/**", ".tools/**", "docs/api/**", "tools/**"] },
    js.configs.recommended,
    ...tseslint.configs.recommended,
    {
        rules: {
            // Unused arguments keep a provider's or callback's signature readable; prefix with _ to say so.
            "@typescript-eslint/no-unused-vars": ["error", { argsIgnorePattern: "^_", varsIgnorePattern: "^_", caughtErrors: "none" }],
        },
    },
    {
        files: ["**/*.ts"],
        // tsc checks undefined names (with the types of @types/node); typescript-eslint advises turning the core rule off.
        rules: { "no-undef": "off" },
    },
    {
        files: ["**/*.js"],
        // The .js files are CommonJS run by plain Node (no "type": "module" anywhere): require is their module system.
        languageOptions: { sourceType: "commonjs", globals: NODE_GLOBALS },
        rules: { "@typescript-eslint/no-require-imports": "off" },
    },
    {
        files: ["tests/**/*.ts", "apps/*/test/**/*.ts", "examples/*/test/**/*.ts", "packages/*/test/**/*.ts"],
        // Tests build Pulumi mocks and fake servers whose API hands over untyped values (MockResourceArgs.inputs is `any`)
        // and poke at outputs of arbitrary shape; typing each of those would add casts, not checks.
        rules: { "@typescript-eslint/no-explicit-any": "off" },
    },
    {
        // prettier wraps code at 160 columns but leaves long strings, template literals and comments alone: this catches those.
        rules: { "max-len": ["error", { code: 160, ignoreUrls: true }] },
    },
);
