import { expect } from "chai";
import { runsAfter } from "../provision/deps";
import { evaluate, stackConfig } from "../../support/program";
import { Registered } from "../../support/mocks";
import { weaveSettings } from "../mesh/fixtures";
import { realisticStepOutputs } from "../provision/fake-host";

const COMMAND = "pulumi-nodejs:dynamic/exec:RemoteCommand";
const IPS: Record<string, string> = { "10.0.15.10": "mgmt", "10.0.15.11": "node1", "10.0.15.12": "node2", "10.0.15.13": "node3" };

/** The packages each `ensure_packages` line of a step's script names. */
function ensured(script: string): string[] {
    return [...script.matchAll(/^ensure_packages (.*)$/gm)].flatMap((m) => [...m[1].matchAll(/'([^']*)'/g)].map((x) => x[1]));
}

/** Per host: its packages step, and every other step (a script on stdin) that runs there. */
function byHost(byName: Map<string, Registered>): Record<string, { packages: Registered; steps: Registered[] }> {
    const out: Record<string, { packages: Registered; steps: Registered[] }> = {};
    for (const r of byName.values()) {
        // The ready steps come before (they install the step runtime, no package).
        if (r.type !== COMMAND || typeof r.inputs.stdin !== "string" || r.name.endsWith("-ready")) continue;
        const host = IPS[r.inputs.connection.host];
        out[host] ??= { packages: undefined as unknown as Registered, steps: [] };
        if (r.name === `host-packages-${host}-packages`) out[host].packages = r;
        else out[host].steps.push(r);
    }
    return out;
}

const union = (steps: Registered[]) => [...new Set(steps.flatMap((s) => ensured(s.inputs.stdin)))].sort();

describe("one apt transaction per host (stack/packages.ts, whole stack under mocks)", function () {
    this.timeout(120000);

    it("each host's packages step installs exactly the union of what its components' steps install, and every step there runs after it", async () => {
        const { byName } = await evaluate(stackConfig());
        const hosts = byHost(byName);
        expect(Object.keys(hosts).sort()).to.deep.equal(["mgmt", "node1", "node2", "node3"]);
        for (const [name, h] of Object.entries(hosts)) {
            expect(h.packages, `${name}: a packages step`).to.not.equal(undefined);
            expect(ensured(h.packages.inputs.stdin), name).to.deep.equal(union(h.steps));
            // One ensure_packages: one apt-get update and one apt-get install for all of them.
            expect(h.packages.inputs.stdin.match(/^ensure_packages /gm), name).to.have.length(1);
            for (const s of h.steps) expect(runsAfter(s.name, h.packages.name), `${s.name} after ${h.packages.name}`).to.equal(true);
        }
        // node1: ZooKeeper, master, Marathon (HTTPS by default), registry, log server, agent with a zfs replica.
        expect(ensured(hosts.node1.packages.inputs.stdin)).to.deep.equal([
            "apache2-utils",
            "curl",
            "docker-registry",
            "docker.io",
            "jq",
            "logrotate",
            "openssh-client",
            "openssl",
            "python3",
            "rsyslog",
            "sudo",
            "zookeeperd",
        ]);
        // mgmt: the CA, Docker, its forwarder with python3 for the journal shipper, and skopeo for the images mirrored into the registry.
        expect(ensured(hosts.mgmt.packages.inputs.stdin)).to.deep.equal(["docker.io", "logrotate", "openssl", "python3", "rsyslog", "skopeo"]);
        // Nothing of the packages step waits for another host: it runs as soon as its host answers.
        expect(runsAfter(hosts.node1.packages.name, hosts.mgmt.packages.name)).to.equal(false);
    });

    it("follows the settings that change packages: RELP with mutual TLS, Weave, kernel ZFS, images not mirrored", async () => {
        const { byName } = await evaluate(
            stackConfig({}, "node2", {
                logging: { protocol: "relp", tls: "mutual" },
                mesh: { implementation: "weave", weave: weaveSettings() },
                mesos: {
                    mirrorToRegistry: false,
                    images: {
                        master: `mesosphere/mesos-master:1.7.0@sha256:${"0".repeat(64)}`,
                        agent: `mesosphere/mesos-slave:1.7.0@sha256:${"1".repeat(64)}`,
                        marathon: `mesosphere/marathon:v1.7.236@sha256:${"2".repeat(64)}`,
                    },
                },
                volumes: { zfs: { implementation: "kernel" }, datasets: [{ name: "mongo", sizeGb: 1, primary: "node2" }] },
            }),
            realisticStepOutputs,
        ); // TLS steps need the CA's and the certificates' PEM
        const hosts = byHost(byName);
        for (const [name, h] of Object.entries(hosts)) expect(ensured(h.packages.inputs.stdin), name).to.deep.equal(union(h.steps));
        expect(ensured(hosts.mgmt.packages.inputs.stdin)).to.include.members(["rsyslog-relp", "rsyslog-gnutls", "curl", "ca-certificates", "openssl"]);
        expect(ensured(hosts.mgmt.packages.inputs.stdin)).to.not.include("skopeo");
        expect(ensured(hosts.node3.packages.inputs.stdin)).to.include.members(["zfsutils-linux", "rsyslog-relp", "openssl"]);
    });

    it("an insecure registry, Marathon over HTTP and zfs-fuse: no openssl anywhere, no zfs package (zfs-fuse installs in its own exec)", async () => {
        const { byName } = await evaluate(
            stackConfig({}, "node2", {
                registry: { insecure: true },
                mesos: {
                    marathon: { tls: false },
                    images: {
                        master: `mesosphere/mesos-master:1.7.0@sha256:${"0".repeat(64)}`,
                        agent: `mesosphere/mesos-slave:1.7.0@sha256:${"1".repeat(64)}`,
                        marathon: `mesosphere/marathon:v1.7.236@sha256:${"2".repeat(64)}`,
                    },
                },
                volumes: { zfs: { implementation: "fuse" }, datasets: [{ name: "mongo", sizeGb: 1, primary: "node2" }] },
            }),
        );
        const hosts = byHost(byName);
        for (const [name, h] of Object.entries(hosts)) {
            expect(ensured(h.packages.inputs.stdin), name).to.deep.equal(union(h.steps));
            expect(ensured(h.packages.inputs.stdin), name).to.not.include("openssl");
        }
        expect(ensured(hosts.node2.packages.inputs.stdin)).to.deep.equal([
            "curl",
            "docker.io",
            "jq",
            "logrotate",
            "openssh-client",
            "python3",
            "rsyslog",
            "sudo",
            "zookeeperd",
        ]);
    });
});
