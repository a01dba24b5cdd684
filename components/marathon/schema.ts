/**
 * Validation of app definitions against Marathon's own JSON schema (draft-04, copied with
 * provenance in ./schema/). Runs in the resource constructor and again in the provider's `check`,
 * so an invalid definition fails at `pulumi preview`, before Marathon sees it.
 *
 * The compiled validator is cached (on globalThis: one per process, whichever copy of this module
 * asks first); ajv is loaded on first use.
 */
import appDefinitionSchema from "./schema/AppDefinition.json";

// Descriptions (strings) are dropped: they are most of the text and never change a verdict.
const SCHEMA_TEXT: string = JSON.stringify(appDefinitionSchema, (k, v) => (k === "description" && typeof v === "string" ? undefined : v));

type Validator = ((data: unknown) => boolean) & { errors?: { instancePath: string; message?: string; params?: Record<string, unknown> }[] | null };

function compiled(): Validator {
    const CACHE = "__microserviceMarathonAppDefinitionValidator";
    const g = globalThis as unknown as Record<string, Validator | undefined>;
    let validator = g[CACHE];
    if (!validator) {
        // eslint-disable-next-line @typescript-eslint/no-require-imports -- ajv is loaded on first use (see above), not with the module
        const Ajv = require("ajv-draft-04");
        // The file declares the unversioned meta-schema URI: drop it, the draft is fixed by ajv-draft-04.
        const { $schema: _metaSchema, ...schema } = JSON.parse(SCHEMA_TEXT) as Record<string, unknown>;
        const ajv = new (Ajv.default ?? Ajv)({ allErrors: true, strict: false, formats: { "date-time": true } });
        validator = g[CACHE] = ajv.compile(schema) as Validator;
    }
    return validator;
}

export interface ErrorFilter {
    /** Leave out a violation (e.g. one that depends on a value not known yet): its JSON pointer and ajv keyword. */
    skip?: (instancePath: string, keyword: string) => boolean;
}

/** Schema violations of a definition, one line each (`/path: message`); empty when valid. */
export function definitionErrors(definition: unknown, filter: ErrorFilter = {}): string[] {
    const validate = compiled();
    if (validate(definition)) return [];
    const errors = (validate.errors ?? []) as { instancePath: string; keyword: string; message?: string; params?: Record<string, unknown> }[];
    return errors
        .filter((e) => !filter.skip?.(e.instancePath, e.keyword))
        .map((e) => {
            const extra =
                e.params && "allowedValues" in e.params
                    ? ` (${(e.params.allowedValues as unknown[]).join(", ")})`
                    : e.params && "additionalProperty" in e.params
                      ? ` ("${e.params.additionalProperty}")`
                      : "";
            return `${e.instancePath || "/"}: ${e.message ?? "invalid"}${extra}`;
        });
}

/** Throws when the definition fails Marathon's schema; the message names the app and every violation. */
export function validateDefinition(definition: unknown, context = "Marathon app definition"): void {
    const errors = definitionErrors(definition);
    if (errors.length > 0) {
        const id =
            definition && typeof definition === "object" && typeof (definition as { id?: unknown }).id === "string"
                ? ` ${(definition as { id: string }).id}`
                : "";
        throw new Error(`${context}${id} fails Marathon's AppDefinition schema:\n  ${errors.join("\n  ")}`);
    }
}
