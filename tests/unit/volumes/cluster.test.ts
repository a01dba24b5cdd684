import { expect } from "chai";
import * as pulumi from "@pulumi/pulumi";
import { FlockerZfsCluster, FlockerZfsClusterArgs, volumeAppSettings } from "../../../components/volumes";
import { SchedulerEndpoint } from "../../../components/contracts";
import { Host } from "../../../components/hosts/host";
import { fakeHost, labLayout } from "../provision/fake-host";
import { runsAfter } from "../provision/deps";
import { mocks } from "../../support/setup";
import { settle, valueOf } from "../../support/outputs";

const PRIVATE = "-----BEGIN OPENSSH PRIVATE KEY-----\nUFJJVkFURS1LRVktTUFURVJJQUw=\n-----END OPENSSH PRIVATE KEY-----\n";
const PUBLIC = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIPUBLIC microservice-volumes-replication";

/** Remote steps answer like real ones: the replication step prints the host key first. */
function hostKeysOnStdout(): void {
    mocks.onResource("pulumi-nodejs:dynamic/exec:RemoteCommand", (args) => {
        const hostKey = args.name.endsWith("-replication") ? `ssh-ed25519 AAAAhostkey-${args.name} root@x\n` : "";
        return { stdout: `${hostKey}STEP ${args.name}: changed (mock)`, stderr: "" };
    });
    mocks.onResource("pulumi-nodejs:dynamic/exec:LocalCommand", () => ({ stdout: `${PRIVATE}${PUBLIC}\n`, stderr: "" }));
}

const datasets = (mongo = "node2", size = 1): FlockerZfsClusterArgs["datasets"] => [
    { name: "mongo", sizeGb: size, primary: mongo, app: { kind: "command", stop: "docker stop db", start: "docker start db" } },
    { name: "cache", sizeGb: 2, primary: "node3" },
];

function cluster(extra: Partial<FlockerZfsClusterArgs> = {}, hosts: Host[] = labLayout()): FlockerZfsCluster {
    return new FlockerZfsCluster("volumes", { hosts, datasets: datasets(), pool: { vdevSizeGb: 10 }, zfs: { implementation: "fuse" }, ...extra });
}

/** Every command by name with its inputs, to compare two evaluations of the program. */
const snapshot = () =>
    Object.fromEntries(mocks.resources.filter((r) => /^(command:|pulumi-nodejs:dynamic\/exec:)/.test(r.type)).map((r) => [r.name, JSON.stringify(r.inputs)]));

function diff(before: Record<string, string>, after: Record<string, string>) {
    return {
        changed: Object.keys(after)
            .filter((k) => k in before && before[k] !== after[k])
            .sort(),
        added: Object.keys(after)
            .filter((k) => !(k in before))
            .sort(),
        removed: Object.keys(before)
            .filter((k) => !(k in after))
            .sort(),
    };
}

describe("FlockerZfsCluster (mocks)", () => {
    beforeEach(hostKeysOnStdout);

    it("sets up every agent (zfs, replication, peers, hooks, in order) and places each dataset on its primary after all agents", async () => {
        const c = cluster();
        await settle();
        const names = mocks
            .byType("pulumi-nodejs:dynamic/exec:RemoteCommand")
            .map((r) => r.name)
            .filter((n) => n.startsWith("volumes-"));
        for (const h of ["node1", "node2", "node3"]) {
            expect(names).to.include.members(["zfs", "replication", "peers", "hooks"].map((s) => `volumes-${h}-${s}`));
            expect(runsAfter(`volumes-${h}-replication`, `volumes-${h}-zfs`)).to.equal(true);
            expect(runsAfter(`volumes-${h}-hooks`, `volumes-${h}-peers`)).to.equal(true);
        }
        expect(names.filter((n) => n.startsWith("volumes-mgmt"))).to.deep.equal([]); // not an agent
        expect(names).to.include.members(["volumes-node2-dataset-mongo", "volumes-node3-dataset-cache"]);
        for (const h of ["node1", "node2", "node3"]) expect(runsAfter("volumes-node2-dataset-mongo", `volumes-${h}-hooks`)).to.equal(true);
        expect(mocks.named("volumes-node2-dataset-mongo").inputs.stdin).to.contain("flocker-volume place '\\''mongo'\\'' 1073741824");
        expect(c.ready).to.have.length(5);
    });

    it("pins peers by the host keys the agents printed", async () => {
        cluster();
        await settle();
        const peers = mocks.named("volumes-node3-peers").inputs.stdin as string;
        expect(peers).to.contain(
            "10.0.15.11 ssh-ed25519 AAAAhostkey-volumes-node1-replication\n10.0.15.12 ssh-ed25519 AAAAhostkey-volumes-node2-replication\n",
        );
        expect(peers).to.contain("node1 10.0.15.11\nnode2 10.0.15.12\nnode3 10.0.15.13\n");
    });

    it("generates the replication key once, locally, as a secret; its private half is only in secret peers steps", async () => {
        cluster();
        await settle();
        const [gen] = mocks.byType("pulumi-nodejs:dynamic/exec:LocalCommand");
        expect(gen.name).to.equal("volumes-replication-key");
        expect(gen.inputs.create).to.contain("ssh-keygen -q -t ed25519");
        expect(gen.inputs.logging).to.equal("none");
        const holders = mocks.resources.filter((r) => JSON.stringify(r.inputs).includes("UFJJVkFURS1LRVktTUFURVJJQUw="));
        expect(holders.map((r) => r.name).sort()).to.deep.equal(["volumes-node1-peers", "volumes-node2-peers", "volumes-node3-peers"]);
        for (const r of holders) {
            expect(r.secretInputs).to.include.members(["stdin", "triggers"]);
            expect(r.inputs.logging).to.equal("none");
            expect(r.inputs.create).not.to.contain("PRIVATE");
        }
        // The public half goes into authorized_keys with the forced command, never into root's files.
        const repl = mocks.named("volumes-node2-replication").inputs.stdin as string;
        expect(repl).to.contain(`restrict,command="/usr/local/sbin/flocker-volume serve" ${PUBLIC}`);
        expect(repl).not.to.contain("/root/.ssh/authorized_keys");
    });

    it("takes a key the caller brings (no local command then)", async () => {
        cluster({ replicationKey: { privateKey: pulumi.secret(PRIVATE), publicKey: PUBLIC } });
        await settle();
        expect(mocks.byType("pulumi-nodejs:dynamic/exec:LocalCommand")).to.have.length(0);
        expect(mocks.named("volumes-node1-peers").secretInputs).to.include("stdin");
    });

    it("gives each volume its host path, a constraint on the primary's IP, and app settings that never run two copies", async () => {
        const c = cluster();
        const ref = c.volumes.mongo;
        expect(ref.primary).to.equal("node2");
        expect(await valueOf(ref.hostPath)).to.equal("/flocker/mongo");
        expect(await valueOf(ref.constraint)).to.deep.equal(["hostname", "CLUSTER", "10.0.15.12"]);
        const s = volumeAppSettings(ref);
        expect(s.upgradeStrategy).to.deep.equal({ minimumHealthCapacity: 0, maximumOverCapacity: 0 });
        expect(await valueOf(s.dockerParameter.value)).to.equal("/flocker/mongo:/data");
        expect(await valueOf(s.containerVolume.hostPath)).to.equal("/flocker/mongo");
        expect(s.dependsOn).to.deep.equal(ref.ready);
        expect(() => volumeAppSettings(ref, "data")).to.throw(/containerPath: expected an absolute path/);
    });

    it("blast radius: changing mongo's primary replaces exactly its placement step (node2 -> node3), nothing else", async () => {
        cluster();
        await settle();
        const before = snapshot();
        mocks.reset();
        hostKeysOnStdout();
        cluster({ datasets: datasets("node3") });
        await settle();
        expect(diff(before, snapshot())).to.deep.equal({ changed: [], added: ["volumes-node3-dataset-mongo"], removed: ["volumes-node2-dataset-mongo"] });
    });

    it("blast radius: re-evaluating with the same config changes nothing; a new size changes only that dataset's step", async () => {
        cluster();
        await settle();
        const before = snapshot();
        mocks.reset();
        hostKeysOnStdout();
        cluster();
        await settle();
        expect(diff(before, snapshot())).to.deep.equal({ changed: [], added: [], removed: [] });
        mocks.reset();
        hostKeysOnStdout();
        cluster({ datasets: datasets("node2", 2) });
        await settle();
        expect(diff(before, snapshot())).to.deep.equal({ changed: ["volumes-node2-dataset-mongo"], added: [], removed: [] });
    });

    it("Marathon apps: the hooks step holds the scheduler's password and is secret; the placement waits for Marathon", async () => {
        const scheduler: SchedulerEndpoint = {
            marathonUrl: pulumi.output("http://10.0.15.11:8080"),
            marathonUsername: pulumi.output("marathon"),
            marathonPassword: pulumi.secret("marathon-pw-123"),
            mesosUrls: pulumi.output(["http://10.0.15.11:5050"]),
            ready: [fakeHost("marathon-up", "10.0.15.11").ready],
        };
        cluster({
            scheduler,
            datasets: [
                { name: "mongo", sizeGb: 1, primary: "node2", app: { kind: "marathon", appId: "/application/db/mongo" } },
                { name: "cache", sizeGb: 1, primary: "node3" },
            ],
        });
        await settle();
        const holders = mocks.resources.filter((r) => JSON.stringify(r.inputs).includes("marathon-pw-123"));
        expect(holders.map((r) => r.name).sort()).to.deep.equal(["volumes-node1-hooks", "volumes-node2-hooks", "volumes-node3-hooks"]);
        for (const r of holders) expect(r.secretInputs).to.include("stdin");
        // Placing the volume starts its app through Marathon (a move stops it there first): found by
        // `npm run up` where Mesos cannot run, whose first placement failed on a refused connection.
        expect(runsAfter("volumes-node2-dataset-mongo", "marathon-up-ready")).to.equal(true);
        expect(runsAfter("volumes-node2-hooks", "marathon-up-ready")).to.equal(false);
        expect(runsAfter("volumes-node3-dataset-cache", "marathon-up-ready")).to.equal(false);
    });

    it("rejects bad args before creating anything, naming the key and the value", async () => {
        const hosts = labLayout();
        expect(() => cluster({ datasets: [{ name: "mongo", sizeGb: 1, primary: "mgmt" }] }, hosts)).to.throw(
            new RegExp(
                /FlockerZfsCluster "volumes": invalid input\n {2}datasets\[0\].primary: expected the name of a host with role agent \(node1, node2, /.source +
                    /node3\), got "mgmt" which is not an agent/.source,
            ),
        );
        expect(() => cluster({ datasets: [{ name: "mongo", sizeGb: 1, primary: "node9" }] }, hosts)).to.throw(/got "node9" which is not a configured host/);
        expect(() =>
            cluster(
                {
                    datasets: [
                        { name: "mongo", sizeGb: 1, primary: "node2" },
                        { name: "mongo", sizeGb: 1, primary: "node3" },
                    ],
                },
                hosts,
            ),
        ).to.throw(/datasets\[1\].name: expected unique volume names \("mongo" is also \[0\]\)/);
        expect(() => cluster({ datasets: [{ name: "mongo", sizeGb: 0, primary: "node2" }] }, hosts)).to.throw(
            /datasets\[0\].sizeGb: expected a size in GB greater than 0, got 0/,
        );
        expect(() => cluster({ datasets: [{ name: "Mongo_DB", sizeGb: 1, primary: "node2" }] }, hosts)).to.throw(
            /datasets\[0\].name: expected a volume name of lowercase letters/,
        );
        expect(() => cluster({ pool: { vdevSizeGb: -1 } }, hosts)).to.throw(/pool.vdevSizeGb: expected a size in GB greater than 0, got -1/);
        expect(() => cluster({ datasets: [{ name: "mongo", sizeGb: 1, primary: "node2", app: { kind: "marathon", appId: "/db/mongo" } }] }, hosts)).to.throw(
            /datasets\[0\].app: a Marathon app needs args.scheduler/,
        );
        expect(() => cluster({ zfs: { implementation: "zfs-dkms" as any } }, hosts)).to.throw(
            /zfs.implementation: expected one of auto, kernel, fuse, got "zfs-dkms"/,
        );
        expect(() => cluster({}, [...hosts, fakeHost("node2", "10.0.15.99")])).to.throw(/hosts\[4\].name: host name "node2" appears twice/);
        await settle();
        expect(mocks.resources.filter((r) => /^(command:|pulumi-nodejs:dynamic\/exec:)/.test(r.type) && r.name.startsWith("volumes"))).to.deep.equal([]);
    });
});
