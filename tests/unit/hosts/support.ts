import * as pulumi from "@pulumi/pulumi";
import { IDENTITY_MARK } from "@pulumi/vagrant-shim";
import { mocks } from "../../support/setup";
import { originalTopology } from "../../../config/sections/hosts";
import { HostSpec } from "../../../components/hosts/spec";

export const PRIVATE_KEY = "-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAA\n-----END OPENSSH PRIVATE KEY-----\n";
export const PUBLIC_KEY = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIFAKEFAKEFAKE microservice-test";
export const VAGRANT_KEY = "-----BEGIN OPENSSH PRIVATE KEY-----\nVAGRANTINSERTED\n-----END OPENSSH PRIVATE KEY-----\n";

/** Each host's own (fake) host key pair, as the host's ssh-keygen command prints it. */
export const hostKeyPair = (host: string) => {
    const b64 = Buffer.from(host).toString("base64").replace(/=+$/, "");
    return {
        privateKey: `-----BEGIN OPENSSH PRIVATE KEY-----\nSE9TVEtFWS${b64}\n-----END OPENSSH PRIVATE KEY-----\n`,
        hostKey: `ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIHOSTKEY${b64}`,
    };
};

/** Local commands answer as the real ones would: ssh-keygen prints a pair, vagrant ssh-config a block and the key. */
export function hostMocks(): void {
    const ports: Record<string, number> = { mgmt: 2222, node1: 2200, node2: 2201, node3: 2202 };
    const local = (args: pulumi.runtime.MockResourceArgs) => {
        // ssh-keyscan prints "<host> <type> <key>" for the host it reached.
        if (args.name.endsWith("-host-key-scan"))
            return { stdout: `${args.inputs.environment.HOST} ${hostKeyPair(`scanned-${args.inputs.environment.HOST}`).hostKey}\n`, stderr: "" };
        const hk = /-(\w+)-host-keygen$/.exec(args.name);
        if (hk) return { stdout: `${hostKeyPair(hk[1]).privateKey}${hostKeyPair(hk[1]).hostKey} root@${hk[1]}\n`, stderr: "" };
        if (args.name.endsWith("-keygen")) return { stdout: PRIVATE_KEY + PUBLIC_KEY + "\n", stderr: "" };
        const m = /-(\w+)-ssh-config$/.exec(args.name);
        if (m) {
            const stdout =
                `Host ${m[1]}\n  HostName 127.0.0.1\n  User vagrant\n  Port ${ports[m[1]] ?? 2299}\n` +
                `  IdentityFile "/w/.vagrant-stacks/test/${m[1]}/.vagrant/machines/${m[1]}/virtualbox/private_key"\n` +
                `  IdentitiesOnly yes\n${IDENTITY_MARK}\n${VAGRANT_KEY}`;
            return { stdout, stderr: "" };
        }
        // The local target's Docker CLI commands print the id of what they made.
        if (args.name.endsWith("-node-image")) return { stdout: `sha256:${"a".repeat(64)}`, stderr: "" };
        if (args.name.endsWith("-network")) return { stdout: `net-${args.name}`, stderr: "" };
        return { stdout: `id-${args.name}`, stderr: "" };
    };
    mocks.onResource("pulumi-nodejs:dynamic/exec:LocalCommand", local);
    // @pulumi/vagrant-shim keeps @pulumi/command's local.Command.
    mocks.onResource("command:local:Command", local);
}

/** The original topology as plain host specs for a target. */
export function topology(target: "local" | "vagrant" | "aws" | "hosts" = "local"): HostSpec[] {
    return originalTopology(target) as HostSpec[];
}

/** Records the options every child of a component was created with (mocks do not see options). */
export class OptionsRecorder {
    readonly byName = new Map<string, pulumi.ResourceOptions>();
    readonly transformation: pulumi.ResourceTransformation = (a) => {
        this.byName.set(a.name, a.opts);
        return undefined;
    };
    get(name: string): pulumi.CustomResourceOptions {
        const o = this.byName.get(name);
        if (!o) throw new Error(`no options recorded for ${name}; have ${[...this.byName.keys()].join(", ")}`);
        return o as pulumi.CustomResourceOptions;
    }
}

/** Resource inputs by name, for comparing two evaluations (blast radius). */
export function snapshot(): Map<string, string> {
    return new Map(mocks.resources.map((r) => [`${r.type}::${r.name}`, JSON.stringify(r.inputs)]));
}

/** Names of resources whose inputs differ between two snapshots, plus those added or removed. */
export function changed(before: Map<string, string>, after: Map<string, string>): string[] {
    const names = new Set([...before.keys(), ...after.keys()]);
    return [...names].filter((n) => before.get(n) !== after.get(n)).sort();
}
