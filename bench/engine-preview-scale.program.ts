/**
 * The Pulumi program bench/engine-preview-scale.ts previews (through the real CLI): the scale stack of
 * bench/scale-stack.ts as its stack config says (mode, agents, apps, marathonUrl). The agents are the
 * exec RemoteCommand and the bare resources a dynamic resource whose provider only creates: what
 * the engine runs without plugins other than Node's dynamic provider host.
 */
import * as pulumi from "@pulumi/pulumi";
import { RemoteCommand } from "../components/exec/command";
import { ScaleMode, declareScaleStack } from "./scale-stack";

// No `check`: the provider host passes the inputs through, as it does for any dynamic resource without one.
const bareProvider: pulumi.dynamic.ResourceProvider = { create: async () => ({ id: "bare" }) };
class Bare extends pulumi.dynamic.Resource {
    constructor(name: string, inputs: pulumi.Inputs, opts: pulumi.CustomResourceOptions) {
        super(bareProvider, name, inputs, opts, "microservice", "Bare");
    }
}

const config = new pulumi.Config();
declareScaleStack({
    mode: config.require("mode") as ScaleMode,
    agents: config.requireNumber("agents"),
    apps: config.requireNumber("apps"),
    access: { url: config.require("marathonUrl"), username: "marathon", password: pulumi.secret("bench-password-123") },
    agent: (name, host) => new RemoteCommand(name, { connection: { host }, create: "true" }),
    bare: (name, inputs, opts) => new Bare(name, inputs, opts),
});
