/**
 * A consumer's unit test, run in its own process (the suite's global mocks are not set here):
 *   node -r ts-node/register/transpile-only plain-mocks-program.ts <plain|platform> [library entry]
 * `plain`: Pulumi's documented mocks, state = inputs. `platform`: microservice-platform/testing's.
 * Prints one JSON line: what resolved, and every error the program raised.
 */
import * as path from "path";
import * as pulumi from "@pulumi/pulumi";

const [mode, entry = path.resolve(__dirname, "../../../components/index.ts")] = process.argv.slice(2);
const errors: string[] = [];
process.on("unhandledRejection", (e) => void errors.push(String((e as Error)?.message ?? e)));
process.on("uncaughtException", (e) => void errors.push(String(e?.message ?? e)));

async function main(): Promise<void> {
    if (mode === "plain") {
        await pulumi.runtime.setMocks({ newResource: (a) => ({ id: a.name + "_id", state: a.inputs }), call: (a) => a.inputs }, "consumer", "test", false);
    } else {
        // eslint-disable-next-line @typescript-eslint/no-require-imports -- the package under test is found at run time (checkout or installed tarball)
        const testing = require(entry.replace(/index(\.ts)?$/, "testing"));
        await testing.setPlatformMocks("consumer", "test");
    }
    // eslint-disable-next-line @typescript-eslint/no-require-imports -- the package under test is found at run time (checkout or installed tarball)
    const lib = require(entry);
    const key = "-----BEGIN OPENSSH PRIVATE KEY-----\nAAAA\n-----END OPENSSH PRIVATE KEY-----\n";
    const machines = new lib.ExistingHosts("m", {
        hosts: [
            { name: "mgmt", roles: ["mgmt"], ip: "10.0.15.10" },
            { name: "node1", roles: ["registry", "zookeeper", "agent"], ip: "10.0.15.11", zookeeperId: 1 },
        ],
        privateKey: pulumi.secret(key),
        knownHosts: ["10.0.15.10 ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIG1nbXQ=", "10.0.15.11 ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIG5vZGUx"],
    });
    const [mgmt, node1] = machines.hosts;
    const ca = new lib.StackCa("ca", { host: mgmt });
    const registry = new lib.DockerRegistry("registry", { host: node1, ca, password: pulumi.secret("correct-horse-battery") });
    const docker = new lib.DockerEngine("docker", { hosts: machines.hosts, registry: registry.endpoint });
    const zookeeper = new lib.ZooKeeperEnsemble("zookeeper", { hosts: [node1] });
    const local = new lib.LocalHosts("local", { hosts: [{ name: "node9", roles: ["agent"], ip: "10.0.15.19" }] });

    const value = <T>(o: pulumi.Output<T>): Promise<T | "(never resolved)"> =>
        new Promise((resolve) => {
            o.apply((v) => void resolve(v));
            setTimeout(() => resolve("(never resolved)"), 3000);
        });
    const result = {
        caCert: await value(ca.caCert),
        certPem: await value(registry.certificate!.certPem),
        daemonJson: typeof (await value(docker.daemonJson)),
        servers: await value(zookeeper.servers),
        localPrivateKey: String(await value(local.privateKey)).split("\n")[0],
    };
    await new Promise((r) => setTimeout(r, 500));
    console.log(JSON.stringify({ ...result, errors: [...new Set(errors)] }));
}

main().catch((e) => console.log(JSON.stringify({ errors: [...errors, String(e?.stack ?? e)] })));
