/**
 * `microservice-platform/testing`: Pulumi mocks under which every component of this package can be
 * built in a unit test, without a Pulumi engine, hosts or cloud account.
 *
 * ```ts
 * import * as pulumi from "@pulumi/pulumi";
 * import { PlatformMocks } from "microservice-platform/testing";
 *
 * pulumi.runtime.setMocks(new PlatformMocks(), "project", "stack", false); // before the components are built
 * ```
 *
 * Components read some of their commands' output: the key pairs that ssh-keygen prints (StackSshKey,
 * hence LocalHosts, VagrantHosts and AwsHosts without `sshKey`; their hosts' SshHostKey;
 * FlockerZfsCluster's replication key), the host keys ssh-keyscan prints (ExistingHosts with
 * `trustOnFirstUse`), the PEMs of the PKI steps (StackCa, ServerCertificate), the swarm join token (OverlayMesh),
 * the replication host keys (FlockerZfsCluster) and `vagrant ssh-config` (VagrantHosts). Pulumi's
 * plain mocks (`state: args.inputs`, as in Pulumi's testing guide) leave that output undefined: the
 * steps still build (their payload is then empty), but a key pair cannot be made up, so the key
 * parsers fail and say that the command's stdout must be mocked. These mocks answer as the real
 * commands would, with fixed, fake values (MOCK_KEY_PAIR, MOCK_PEM): no key or certificate here
 * works anywhere.
 *
 * Loads only @pulumi/pulumi (and, for VagrantHosts' ssh-config answer, the bundled shim's parser).
 *
 * @module microservice-platform/testing
 */
import * as pulumi from "@pulumi/pulumi";

/** A fake ed25519 key pair in ssh-keygen's output format (not a usable key). */
export const MOCK_KEY_PAIR = {
    privateKey: "-----BEGIN OPENSSH PRIVATE KEY-----\nbW9jay1vcGVuc3NoLXByaXZhdGUta2V5LW5vdC11c2FibGU=\n-----END OPENSSH PRIVATE KEY-----\n",
    publicKey: "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIG1vY2stZWQyNTUxOS1wdWJsaWMta2V5LW5vdC11c2FibGU= microservice-mock",
} as const;

/** A fake host key as ssh-keyscan prints it (not a usable key). */
export const MOCK_HOST_KEY = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIG1vY2staG9zdC1rZXktbm90LXVzYWJsZQ==";

/** Fake PEMs the PKI steps print (CA certificate, CSR, signed certificate). */
export const MOCK_PEM = {
    ca: "-----BEGIN CERTIFICATE-----\nbW9jayBDQQ==\n-----END CERTIFICATE-----",
    csr: "-----BEGIN CERTIFICATE REQUEST-----\nbW9jayBDU1I=\n-----END CERTIFICATE REQUEST-----",
    cert: "-----BEGIN CERTIFICATE-----\nbW9jayBjZXJ0aWZpY2F0ZQ==\n-----END CERTIFICATE-----",
} as const;

export interface PlatformMocksOptions {
    /** Asked first for every resource: its state (merged over its inputs), or undefined for these mocks' answer. */
    newResource?: (args: pulumi.runtime.MockResourceArgs) => Record<string, unknown> | undefined;
    /** Asked first for every invoke: its result, or undefined for these mocks' answer. */
    call?: (args: pulumi.runtime.MockCallArgs) => Record<string, unknown> | undefined;
}

const REMOTE = ["pulumi-nodejs:dynamic/exec:RemoteCommand", "command:remote:Command"];
const LOCAL = ["pulumi-nodejs:dynamic/exec:LocalCommand", "command:local:Command"];

/**
 * Mocks (pulumi.runtime.Mocks) for this package's components: every resource's state is its inputs
 * plus, for commands, the output the real command would print (see the module comment).
 */
export class PlatformMocks implements pulumi.runtime.Mocks {
    constructor(private readonly options: PlatformMocksOptions = {}) {}

    newResource(args: pulumi.runtime.MockResourceArgs): { id: string | undefined; state: Record<string, unknown> } {
        const state = this.options.newResource?.(args) ?? mockState(args);
        return { id: args.id || `${args.name}_id`, state: { ...args.inputs, ...state } };
    }

    call(args: pulumi.runtime.MockCallArgs): Record<string, unknown> {
        return this.options.call?.(args) ?? mockCall(args);
    }
}

/** `pulumi.runtime.setMocks(new PlatformMocks(options), project, stack, preview)`. */
export function setPlatformMocks(project = "project", stack = "stack", preview = false, options: PlatformMocksOptions = {}): Promise<void> {
    return pulumi.runtime.setMocks(new PlatformMocks(options), project, stack, preview);
}

/** What a command resource of this package prints, as the real command would (undefined: not a command). */
export function mockStdout(type: string, name: string, inputs: Record<string, unknown>): string | undefined {
    const create = String(unsecret(inputs.create) ?? "");
    if (REMOTE.includes(type)) {
        // A provisioning step prints what its `emit` ops print, then its result line.
        const payload = name.endsWith("-ca")
            ? MOCK_PEM.ca
            : name.endsWith("-tls-key")
              ? MOCK_PEM.csr
              : name.endsWith("-tls-sign")
                ? MOCK_PEM.cert
                : name.endsWith("-swarm-token")
                  ? "SWMTKN-1-mock0000000000000000000000000000000000000000000000-mock00000000000000000000000"
                  : name.endsWith("-replication")
                    ? `ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIG1vY2staG9zdC1rZXk= root@${name}`
                    : name.endsWith("-host-key-scan")
                      ? `${scannedHost(inputs)} ${MOCK_HOST_KEY}`
                      : "";
        return `${payload ? `${payload}\n` : ""}STEP ${name}: changed (mock)`;
    }
    if (LOCAL.includes(type)) {
        if (create.includes("ssh-keygen")) return `${MOCK_KEY_PAIR.privateKey}${MOCK_KEY_PAIR.publicKey}\n`;
        // ExistingHosts' trust-on-first-use scan: what ssh-keyscan prints for the host it reached.
        if (create.includes("ssh-keyscan")) return `${scannedHost(inputs)} ${MOCK_HOST_KEY}\n`;
        if (create.includes("vagrant ssh-config")) {
            const machine = /vagrant ssh-config ([a-z][a-z0-9-]*)/.exec(create)?.[1] ?? "default";
            // The shim's own marker (its ssh-config parser has no dependencies); loaded only here.
            // eslint-disable-next-line @typescript-eslint/no-require-imports -- loaded on use: this module loads only @pulumi/pulumi (see above)
            const { IDENTITY_MARK } = require("@pulumi/vagrant-shim/dist/ssh-config") as { IDENTITY_MARK: string };
            return [
                `Host ${machine}`,
                "  HostName 127.0.0.1",
                "  User vagrant",
                "  Port 2222",
                `  IdentityFile "/mock/.vagrant/machines/${machine}/virtualbox/private_key"`,
                "  IdentitiesOnly yes",
                IDENTITY_MARK,
                MOCK_KEY_PAIR.privateKey,
            ].join("\n");
        }
        if (/openssl rand/.test(create)) return `mock-generated-secret-${name}`;
        if (name.endsWith("-node-image")) return `sha256:${"0".repeat(64)}`;
        // The Docker CLI commands of LocalHosts print the id of what they made.
        return `mock-${name}`;
    }
    return undefined;
}

function mockState(args: pulumi.runtime.MockResourceArgs): Record<string, unknown> {
    const stdout = mockStdout(args.type, args.name, args.inputs ?? {});
    if (stdout !== undefined) return { stdout, stderr: "" };
    if (args.type === "aws:ec2/instance:Instance") {
        return {
            privateIp: unsecret(args.inputs.privateIp) ?? "10.0.17.99",
            publicIp: "203.0.113.10",
            arn: `arn:aws:ec2:us-east-1:123456789012:instance/${args.name}`,
        };
    }
    return {};
}

function mockCall(args: pulumi.runtime.MockCallArgs): Record<string, unknown> {
    switch (args.token) {
        case "aws:ec2/getAmi:getAmi":
            return { id: "ami-0123456789abcdef0", name: "ubuntu/images/hvm-ssd-gp3/ubuntu-noble-24.04-amd64-server-mock" };
        case "aws:index/getAvailabilityZones:getAvailabilityZones":
            return { names: ["us-east-1a", "us-east-1b"], zoneIds: ["use1-az1", "use1-az2"] };
        default:
            return args.inputs;
    }
}

/** A value as the mock monitor hands it over (a secret arrives wrapped). */
function unsecret(v: unknown): unknown {
    return v && typeof v === "object" && (v as Record<string, unknown>)[pulumi.runtime.specialSigKey] === pulumi.runtime.specialSecretSig
        ? (v as { value: unknown }).value
        : v;
}

/** The host a key scan reached: its environment's HOST. */
function scannedHost(inputs: Record<string, unknown>): unknown {
    return unsecret((unsecret(inputs.environment) as Record<string, unknown> | undefined)?.HOST) ?? "host";
}
