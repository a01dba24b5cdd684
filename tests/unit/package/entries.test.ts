import { expect } from "chai";
import * as path from "path";
import { nodeEval, ROOT } from "./checkout";

/** Loads `entry` from the sources in a fresh process where the optional dependencies cannot be loaded. */
function loadWithout(entry: string, missing: string[], then = ""): { status: number | null; stdout: string; stderr: string } {
    const program = `
        const Module = require("module");
        const missing = ${JSON.stringify(missing)};
        const load = Module._load;
        Module._load = function (request, ...rest) {
            if (missing.some((m) => request === m || request.startsWith(m + "/"))) throw new Error("loaded " + request);
            return load.call(this, request, ...rest);
        };
        require("ts-node").register({ transpileOnly: true });
        const lib = require(${JSON.stringify(path.join(ROOT, entry))});
        ${then}`;
    return nodeEval(program, ROOT);
}

const OPTIONAL = ["@pulumi/aws", "@pulumi/command", "@pulumi/vagrant-shim"];

describe("package entries: the heavy host targets load only where they are imported", () => {
    it("the main entry (components/index.ts) loads none of @pulumi/aws, @pulumi/command, @pulumi/vagrant-shim", function () {
        this.timeout(120000);
        const r = loadWithout("components/index.ts", OPTIONAL, `console.log(typeof lib.ExistingHosts, typeof lib.LocalHosts, typeof lib.MesosCluster, "AwsHosts" in lib, "VagrantHosts" in lib, "FlockerEbsVolumes" in lib);`);
        expect(r.stderr).to.equal("");
        expect(r.stdout.trim()).to.equal("function function function false false false");
    });

    it("microservice-platform/aws and /vagrant export the targets (and need their peers); /testing needs only @pulumi/pulumi", function () {
        this.timeout(120000);
        const aws = loadWithout("components/aws.ts", ["@pulumi/command", "@pulumi/vagrant-shim"], `console.log(typeof lib.AwsHosts, typeof lib.FlockerEbsVolumes);`);
        expect(aws.stderr).to.equal("");
        expect(aws.stdout.trim()).to.equal("function function");
        const vagrant = loadWithout("components/vagrant.ts", ["@pulumi/aws"], `console.log(typeof lib.VagrantHosts);`);
        expect(vagrant.stderr).to.equal("");
        expect(vagrant.stdout.trim()).to.equal("function");
        const testing = loadWithout("components/testing.ts", OPTIONAL, `console.log(typeof lib.PlatformMocks, typeof lib.setPlatformMocks);`);
        expect(testing.stderr).to.equal("");
        expect(testing.stdout.trim()).to.equal("function function");
        expect(loadWithout("components/aws.ts", ["@pulumi/aws"]).stderr).to.contain("loaded @pulumi/aws");
    });
});
