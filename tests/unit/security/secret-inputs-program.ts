/**
 * The program of secret-inputs.test.ts, in its own process: a component given an invalid secret
 * fails the program, and Pulumi then leaves the registrations that wait on the failed ones pending
 * for good (no later test of the same process could settle). Run:
 *   node -r ts-node/register/transpile-only secret-inputs-program.ts
 * Every case at once (each under its own names); prints one JSON line: the errors the program
 * failed with, and every registration the engine saw.
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

async function main(): Promise<void> {
    await pulumi.runtime.setMocks(new PlatformMocks({ newResource: (a) => void registered.push({ type: a.type, name: a.name }) }), "secrets", "test", false);
    const lib = await import("../../../components");
    const { MesosCluster } = await import("../../../components/mesos");
    const machines = (name: string, privateKey: pulumi.Input<string>) =>
        new lib.ExistingHosts(name, {
            hosts: [
                { name: "mgmt", roles: ["mgmt"], ip: "10.0.15.10" },
                { name: "node1", roles: ["zookeeper", "master", "marathon", "registry", "agent"], ip: "10.0.15.11", zookeeperId: 1 },
            ],
            privateKey,
            knownHosts: ["10.0.15.10 ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIG1nbXQ=", "10.0.15.11 ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIG5vZGUx"],
        });
    machines("bad-hosts", pulumi.secret("hunter2"));
    machines("ok-hosts", pulumi.secret(KEY));
    const [mgmt, node1] = machines("hosts", KEY).hosts;
    const ca = new lib.StackCa("ca", { host: mgmt });
    new lib.DockerRegistry("registry", { host: node1, ca, password: pulumi.secret("abc") });
    new lib.ServerCertificate("cert", { ca, host: node1, commonName: pulumi.output("x".repeat(65)), ips: [node1.privateIp] });
    new MesosCluster("mesos", {
        hosts: [mgmt, node1],
        images: IMAGES,
        settings: { mirrorToRegistry: false },
        ca,
        marathonPassword: pulumi.secret("short"),
        zookeeperPassword: pulumi.secret("zookeeper-password-0123456789"),
    });
    const { WeaveMesh } = await import("../../../components/mesh");
    const { weaveSettings } = await import("../mesh/fixtures");
    new WeaveMesh("weave", { hosts: [mgmt, node1], password: pulumi.secret("short"), settings: weaveSettings() });

    const expected = [`ExistingHosts "bad-hosts"`, `DockerRegistry "registry"`, `ServerCertificate "cert"`, `MesosCluster "mesos"`, `WeaveMesh "weave"`];
    const done = () =>
        expected.every((c) => errors.some((e) => e.includes(c))) &&
        registered.filter((r) => /^ok-hosts-.*-ready$/.test(r.name)).length === 2 &&
        registered.some((r) => r.name === "ca-mgmt-ca");
    for (const end = Date.now() + 30000; !done() && Date.now() < end;) await sleep(50);
    await sleep(1000); // anything that was still going to register has done so
    console.log(JSON.stringify({ errors: [...new Set(errors)], registered }));
    process.exit(0);
}

main().catch((e) => {
    console.log(JSON.stringify({ errors: [String(e?.stack ?? e)], registered }));
    process.exit(0);
});
