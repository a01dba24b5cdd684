import * as pulumi from "@pulumi/pulumi";

/** One resource registration seen by the mock monitor. */
export interface Registered {
    type: string;
    name: string;
    /** Inputs with Pulumi's secret wrappers removed. */
    inputs: Record<string, any>;
    /** Top-level input names whose value arrived as a secret. */
    secretInputs: string[];
    provider?: string;
}

type ResourceHook = (args: pulumi.runtime.MockResourceArgs) => Record<string, any> | undefined;
type CallHook = (args: pulumi.runtime.MockCallArgs) => Record<string, any>;

const SIG = pulumi.runtime.specialSigKey;
const SECRET = pulumi.runtime.specialSecretSig;

export function isSecretValue(v: unknown): boolean {
    return !!v && typeof v === "object" && (v as any)[SIG] === SECRET;
}

/** Removes secret wrappers recursively. */
export function unwrapSecrets(v: any): any {
    if (isSecretValue(v)) return unwrapSecrets(v.value);
    if (Array.isArray(v)) return v.map(unwrapSecrets);
    if (v && typeof v === "object") return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, unwrapSecrets(x)]));
    return v;
}

/** True when a secret wrapper occurs anywhere in the value. */
export function containsSecret(v: any): boolean {
    if (isSecretValue(v)) return true;
    if (Array.isArray(v)) return v.some(containsSecret);
    if (v && typeof v === "object") return Object.values(v).some(containsSecret);
    return false;
}

/**
 * The single mock router (setMocks is global): records every registration and lets a test
 * override results per resource type or invoke token. `reset()` runs before each test.
 */
export class MockRouter implements pulumi.runtime.Mocks {
    readonly resources: Registered[] = [];
    readonly calls: { token: string; inputs: any }[] = [];
    private resourceHooks = new Map<string, ResourceHook>();
    private callHooks = new Map<string, CallHook>();

    reset(): void {
        this.resources.length = 0;
        this.calls.length = 0;
        this.resourceHooks.clear();
        this.callHooks.clear();
    }

    onResource(type: string, hook: ResourceHook): void {
        this.resourceHooks.set(type, hook);
    }

    onCall(token: string, hook: CallHook): void {
        this.callHooks.set(token, hook);
    }

    byType(type: string): Registered[] {
        return this.resources.filter((r) => r.type === type);
    }

    named(name: string): Registered {
        const r = this.resources.find((x) => x.name === name);
        if (!r) throw new Error(`no resource named ${name}; have: ${this.resources.map((x) => x.name).join(", ")}`);
        return r;
    }

    newResource(args: pulumi.runtime.MockResourceArgs): { id: string | undefined; state: Record<string, any> } {
        const secretInputs = Object.entries(args.inputs ?? {})
            .filter(([, v]) => containsSecret(v))
            .map(([k]) => k);
        const inputs = unwrapSecrets(args.inputs ?? {});
        this.resources.push({ type: args.type, name: args.name, inputs, secretInputs, provider: args.provider });
        const hook = this.resourceHooks.get(args.type);
        const extra = (hook && hook(args)) ?? defaultState(args.type, args.name, inputs);
        return { id: args.id || `${args.name}-id`, state: { ...args.inputs, ...extra } };
    }

    call(args: pulumi.runtime.MockCallArgs): Record<string, any> {
        this.calls.push({ token: args.token, inputs: unwrapSecrets(args.inputs) });
        const hook = this.callHooks.get(args.token);
        if (hook) return hook(args);
        return defaultCall(args.token, args.inputs);
    }
}

function defaultState(type: string, name: string, inputs: Record<string, any>): Record<string, any> {
    switch (type) {
        case "pulumi-nodejs:dynamic/exec:RemoteCommand":
        case "command:remote:Command": // @pulumi/vagrant-shim still uses @pulumi/command
            return { stdout: `STEP ${name}: changed (mock)`, stderr: "" };
        case "pulumi-nodejs:dynamic/exec:LocalCommand":
        case "command:local:Command":
            return { stdout: pinnedImages(String(inputs.create ?? "")) ?? generatedSecret(String(inputs.create ?? ""), name), stderr: "" };
        case "aws:ec2/instance:Instance":
            return { privateIp: inputs.privateIp ?? "10.0.17.99", publicIp: "203.0.113.10", arn: `arn:aws:ec2:::instance/${name}` };
        default:
            return {};
    }
}

/**
 * What `openssl rand -hex|-base64 <n>` prints (the stack's generated passwords), fixed per resource
 * name: components check a secret when it resolves, so a generator's stdout must look like one. "" for
 * any other local command.
 */
function generatedSecret(create: string, name: string): string {
    const m = /^openssl rand -(hex|base64) (\d+)$/.exec(create.trim());
    if (!m) return "";
    const bytes = Buffer.alloc(Number(m[2]), name);
    return m[1] === "hex" ? bytes.toString("hex") : bytes.toString("base64");
}

/** What the local target's pin-on-first-use step prints (stack/mesos-images.ts): each tag at a made-up digest. */
function pinnedImages(create: string): string | undefined {
    if (!create.includes("to pin it on first use")) return undefined;
    const pins = [...create.matchAll(/cannot pull (\S+) to pin it on first use: set mesos\.images\.(\w+)/g)].map(([, tag, key], i) => [
        key,
        `${tag}@sha256:${String(i + 7).repeat(64)}`,
    ]);
    return JSON.stringify(Object.fromEntries(pins));
}

function defaultCall(token: string, inputs: any): Record<string, any> {
    switch (token) {
        case "aws:ec2/getAmi:getAmi":
            return { id: "ami-0123456789abcdef0", name: "ubuntu/images/hvm-ssd-gp3/ubuntu-noble-24.04-amd64-server-20261101" };
        case "aws:index/getAvailabilityZones:getAvailabilityZones":
            return { names: ["us-east-1a", "us-east-1b"], zoneIds: ["use1-az1", "use1-az2"] };
        default:
            return inputs;
    }
}
