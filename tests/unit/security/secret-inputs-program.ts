/**
 * One case of secret-inputs.test.ts, in its own process: a component given an invalid secret fails
 * the program, and Pulumi then leaves the registrations that wait on the failed ones pending for
 * good (no later test of the same process could settle). Run:
 *   node -r ts-node/register/transpile-only secret-inputs-program.ts <case>
 * Prints one JSON line: the errors the program failed with, and every registration the engine saw.
 */
import * as pulumi from "@pulumi/pulumi";
import { PlatformMocks } from "../../../components/testing";

const registered: { type: string; name: string }[] = [];
const errors: string[] = [];
process.on("unhandledRejection", (e) => void errors.push(String((e as Error)?.message ?? e)));

const KEY = "-----BEGIN OPENSSH PRIVATE KEY-----\nAAAA\n-----END OPENSSH PRIVATE KEY-----\n";
const IMAGES = {
    master: `mesosphere/mesos-master:1.7.0@sha256:${"a".repeat(64)}`,
    agent: `mesosphere/mesos-slave:1.7.0@sha256:${"b".repeat(64)}`,
    marathon: `mesosphere/marathon:v1.7.236@sha256:${"c".repeat(64)}`,
};

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
async function until(done: () => boolean, ms = 20000): Promise<void> {
    for (const end = Date.now() + ms; !done() && Date.now() < end; ) await sleep(50);
}

async function main(which: string): Promise<void> {
    await pulumi.runtime.setMocks(new PlatformMocks({ newResource: (a) => void registered.push({ type: a.type, name: a.name }) }), "secrets", "test", false);
    const lib = await import("../../../components");
    const { MesosCluster } = await import("../../../components/mesos");
    const machines = (privateKey: pulumi.Input<string>) =>
        new lib.ExistingHosts("hosts", {
            hosts: [
                { name: "mgmt", roles: ["mgmt"], ip: "10.0.15.10" },
                { name: "node1", roles: ["zookeeper", "master", "marathon", "registry", "agent"], ip: "10.0.15.11", zookeeperId: 1 },
            ],
            privateKey,
        });
    const failed = () => errors.length > 0;
    switch (which) {
        case "existing-bad":
            machines(pulumi.secret("hunter2"));
            await until(failed);
            break;
        case "existing-ok":
            machines(pulumi.secret(KEY));
            await until(() => registered.filter((r) => r.name.endsWith("-ready")).length === 2);
            break;
        case "registry-bad": {
            const [mgmt, node1] = machines(KEY).hosts;
            const ca = new lib.StackCa("ca", { host: mgmt });
            await until(() => registered.some((r) => r.name === "ca-mgmt-ca"));
            new lib.DockerRegistry("registry", { host: node1, ca, username: "microservice", password: pulumi.secret("abc") });
            await until(failed);
            break;
        }
        case "certificate-bad": {
            const [mgmt, node1] = machines(KEY).hosts;
            const ca = new lib.StackCa("ca", { host: mgmt });
            new lib.ServerCertificate("cert", { ca, host: node1, commonName: pulumi.output("x".repeat(65)), ips: [node1.privateIp] });
            await until(failed);
            break;
        }
        case "mesos-bad":
            new MesosCluster("mesos", { hosts: machines(KEY).hosts, images: IMAGES, marathonPassword: pulumi.secret("short") });
            await until(failed);
            break;
        default:
            throw new Error(`unknown case ${which}`);
    }
    await sleep(1000); // anything that was still going to register has done so
    console.log(JSON.stringify({ errors: [...new Set(errors)], registered }));
    process.exit(0);
}

main(process.argv[2]).catch((e) => {
    console.log(JSON.stringify({ errors: [String(e?.stack ?? e)], registered }));
    process.exit(0);
});
