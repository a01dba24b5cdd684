import * as pulumi from "@pulumi/pulumi";
import { RemoteCommand } from "../exec/command";
import { Host } from "../hosts/host";
import { packages, packageUnion } from "./ops";
import { hostStep, machineIdentity } from "./step";

export interface HostPackagesArgs {
    hosts: Host[];
    /** Per host, every Debian package the components on it will install (e.g. a union of their `*Packages` functions). */
    packages: (host: Host) => readonly string[];
}

/**
 * One apt transaction per host, before any component's step there: a step per host that installs
 * the union of its components' packages (one `apt-get update`, one `apt-get install`). `hosts` are
 * the same hosts whose `ready` is that step, so every step a component adds on them waits for it;
 * the components' own `packages` ops then only find their packages installed. A host that needs
 * no package is handed back as it was.
 */
export class HostPackages extends pulumi.ComponentResource {
    /** The hosts to give the components: `ready` includes the packages step. */
    readonly hosts: Host[];
    /** Per host name: its packages step. */
    readonly steps: Record<string, RemoteCommand> = {};
    /** Per host name: what its step installs (sorted). */
    readonly packages: Record<string, string[]> = {};

    constructor(name: string, args: HostPackagesArgs, opts?: pulumi.ComponentResourceOptions) {
        super("microservice:index:HostPackages", name, {}, opts);
        this.hosts = args.hosts.map((h) => {
            const names = packageUnion(args.packages(h));
            this.packages[h.name] = names;
            if (names.length === 0) return h;
            const step = hostStep(this, name, h, "packages", [packages(...names)]);
            this.steps[h.name] = step;
            // Steps still re-run on a new machine, not on a new package list (the step's own id changes then).
            return { ...h, ready: step, machineId: machineIdentity(h) };
        });
        this.registerOutputs({ packages: this.packages });
    }
}
