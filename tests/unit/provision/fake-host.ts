import * as pulumi from "@pulumi/pulumi";
import * as command from "@pulumi/command";
import { Host, Role } from "../../../components/hosts/host";
import { mocks } from "../../support/setup";
import { STEP_RESULT } from "../../../components/provision";

class HostParent extends pulumi.ComponentResource {
    constructor(name: string) {
        super("test:index:FakeHost", name);
    }
}

/** A Host as a target would produce it (secret connection, a `ready` resource), for mock tests. */
export function fakeHost(name: string, ip: string, roles: Role[] = ["agent"], extra: Partial<Host> = {}): Host {
    const parent = new HostParent(`${name}-fake`);
    return {
        name,
        roles,
        privateIp: pulumi.output(ip),
        connection: pulumi.secret({ host: ip, user: "root", privateKey: "KEY" }),
        ready: new command.remote.Command(`${name}-ready`, { connection: { host: ip }, create: "true" }, { parent }),
        ...extra,
    };
}

/** The original layout: mgmt, node1 (everything central), node2/node3 (app agents), 3 ZooKeepers. */
export function labLayout(): Host[] {
    return [
        fakeHost("mgmt", "10.0.15.10", ["mgmt"]),
        fakeHost("node1", "10.0.15.11", ["zookeeper", "master", "marathon", "registry", "logServer", "agent"], { zookeeperId: 1 }),
        fakeHost("node2", "10.0.15.12", ["zookeeper", "agent"], { zookeeperId: 2 }),
        fakeHost("node3", "10.0.15.13", ["zookeeper", "agent"], { zookeeperId: 3 }),
    ];
}

export const PEM = {
    ca: "-----BEGIN CERTIFICATE-----\nQ0EK\n-----END CERTIFICATE-----",
    csr: "-----BEGIN CERTIFICATE REQUEST-----\nQ1NSCg==\n-----END CERTIFICATE REQUEST-----",
    cert: "-----BEGIN CERTIFICATE-----\nQ0VSVAo=\n-----END CERTIFICATE-----",
};

/** Remote steps answer like real ones: the PKI steps print a PEM before their result line. */
export function realisticStepOutputs(): void {
    mocks.onResource("pulumi-nodejs:dynamic/exec:RemoteCommand", (args) => {
        const n = args.name;
        const payload = n.endsWith("-ca") ? PEM.ca : n.endsWith("-tls-key") ? PEM.csr : n.endsWith("-tls-sign") ? PEM.cert : "";
        return { stdout: `${payload ? payload + "\n" : ""}STEP ${n}: changed (mock)`, stderr: "" };
    });
}

/** Steps (remote commands) registered so far, by name, with their script and secrecy. */
export function steps(): { name: string; stdin: string; secret: boolean; dependsOnCount: number }[] {
    return mocks
        .byType("pulumi-nodejs:dynamic/exec:RemoteCommand")
        .filter((r) => typeof r.inputs.stdin === "string")
        .map((r) => ({ name: r.name, stdin: r.inputs.stdin as string, secret: r.secretInputs.includes("stdin"), dependsOnCount: 0 }));
}

export { STEP_RESULT };
