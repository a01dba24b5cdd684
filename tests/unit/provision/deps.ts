/**
 * Records each registration's dependencies (dependsOn + resources its inputs came from), which the
 * SDK sends but the mock monitor drops, so tests can assert the order steps run in.
 * Keyed by resource name; a name registered again (next test) replaces the entry.
 */
// eslint-disable-next-line @typescript-eslint/no-require-imports -- the SDK's internal module, used untyped (what is used here is not all in its typings)
const { MockMonitor } = require("@pulumi/pulumi/runtime/mocks");

const deps = new Map<string, Set<string>>();
const nameOf = (urn: string) => urn.slice(urn.lastIndexOf("::") + 2);

if (!MockMonitor.prototype.__recordsDeps) {
    const original = MockMonitor.prototype.registerResource;
    MockMonitor.prototype.registerResource = function (req: any, callback: any) {
        const all = new Set<string>((req.getDependenciesList() as string[]).map(nameOf));
        req.getPropertydependenciesMap().forEach((v: any) => (v.getUrnsList() as string[]).forEach((u) => all.add(nameOf(u))));
        deps.set(req.getName(), all);
        return original.call(this, req, callback);
    };
    MockMonitor.prototype.__recordsDeps = true;
}

/** Direct dependencies of a resource (by name). */
export function directDeps(name: string): string[] {
    return [...(deps.get(name) ?? [])];
}

/** Whether `a` waits for `b`, directly or through other resources. */
export function runsAfter(a: string, b: string): boolean {
    const seen = new Set<string>();
    const stack = [a];
    while (stack.length) {
        const n = stack.pop()!;
        for (const d of deps.get(n) ?? []) {
            if (d === b) return true;
            if (!seen.has(d)) {
                seen.add(d);
                stack.push(d);
            }
        }
    }
    return false;
}
