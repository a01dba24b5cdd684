/**
 * Records resource options that the SDK sends but the mock monitor drops (deleteBeforeReplace,
 * retainOnDelete), so tests can assert how a move replaces resources. Keyed by resource name.
 */
// eslint-disable-next-line @typescript-eslint/no-require-imports -- the SDK's internal module, used untyped (what is used here is not all in its typings)
const { MockMonitor } = require("@pulumi/pulumi/runtime/mocks");

export interface RecordedOptions {
    deleteBeforeReplace: boolean;
    retainOnDelete: boolean;
}

const options = new Map<string, RecordedOptions>();

if (!MockMonitor.prototype.__recordsVolumeOptions) {
    const original = MockMonitor.prototype.registerResource;
    MockMonitor.prototype.registerResource = function (req: any, callback: any) {
        options.set(req.getName(), { deleteBeforeReplace: !!req.getDeletebeforereplace(), retainOnDelete: !!req.getRetainondelete() });
        return original.call(this, req, callback);
    };
    MockMonitor.prototype.__recordsVolumeOptions = true;
}

export function recordedOptions(name: string): RecordedOptions {
    const o = options.get(name);
    if (!o) throw new Error(`no registration recorded for ${name}`);
    return o;
}
