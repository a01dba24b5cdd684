import { expect } from "chai";
import * as pulumi from "@pulumi/pulumi";
import { stackConfigSchema } from "../../../config/schema";
import { buildHosts } from "../../../stack/hosts";
import { mocks } from "../../support/setup";
import { isSecret, settle, valueOf } from "../../support/outputs";
import { hostKeyPair, hostMocks, PRIVATE_KEY } from "./support";

const cfg = (raw: Record<string, unknown>) => stackConfigSchema.parse({ mesh: { implementation: "overlay" }, ...raw });

describe("buildHosts: every target hands back the same Host shape", () => {
    const targets: [string, Record<string, unknown>, string][] = [
        ["local", {}, "microservice:index:LocalHosts"],
        ["vagrant", { target: "vagrant" }, "microservice:index:VagrantHosts"],
        ["aws", { target: "aws", aws: { adminCidr: "198.51.100.0/24" } }, "microservice:index:AwsHosts"],
        [
            "hosts",
            {
                target: "hosts",
                sshPrivateKey: PRIVATE_KEY,
                hosts: [
                    { name: "mgmt", roles: ["mgmt"], ip: "192.0.2.10" },
                    { name: "node1", roles: ["agent"], ip: "192.0.2.11" },
                ],
                existing: { knownHosts: [`192.0.2.10 ${hostKeyPair("mgmt").hostKey}`, `192.0.2.11 ${hostKeyPair("node1").hostKey}`] },
            },
            "microservice:index:ExistingHosts",
        ],
    ];
    for (const [target, raw, type] of targets) {
        it(`${target}: hosts with name, roles, private address, secret connection and a ready resource; outputs per host`, async () => {
            hostMocks();
            const c = cfg(raw);
            if (c.sshPrivateKey) (c as any).sshPrivateKey = pulumi.secret(c.sshPrivateKey); // as loadStackConfig hands it over
            const built = buildHosts(c);
            await settle();
            expect(mocks.byType(type)).to.have.length(1);
            expect(built.hosts.map((h) => h.name)).to.deep.equal(c.hosts.map((h) => h.name));
            for (const h of built.hosts) {
                expect(h.ready).to.be.instanceOf(pulumi.CustomResource);
                expect(await isSecret(h.connection), h.name).to.equal(true);
                expect((await valueOf(h.connection)).privateKey).to.equal(PRIVATE_KEY);
                // Every target pins each host's own key (tests/unit/hosts/host-keys.test.ts).
                expect((await valueOf(h.connection)).hostKey, h.name).to.equal(hostKeyPair(h.name).hostKey);
                expect(await valueOf(h.privateIp)).to.equal(c.hosts.find((x) => x.name === h.name)!.ip);
            }
            const out = (await valueOf(built.outputs)) as Record<string, { ip: string; ssh: string }>;
            expect(Object.keys(out)).to.deep.equal(c.hosts.map((h) => h.name));
            expect(out.node1.ssh).to.match(/^ssh -i /);
            if (target === "hosts") {
                expect(built.sshPrivateKey).to.equal(undefined); // the user's own key is not handed back
            } else {
                expect(await isSecret(built.sshPrivateKey!)).to.equal(true);
                expect(built.sshKeyFile).to.equal(
                    "pulumi stack output --show-secrets sshPrivateKey > microservice-test.key && chmod 600 microservice-test.key",
                );
            }
        });
    }

    it("local: a configured Docker engine is the DOCKER_HOST of the local target's Docker commands", async () => {
        hostMocks();
        buildHosts(cfg({ local: { dockerHost: "ssh://ops@docker-host" } }));
        await settle();
        expect(mocks.named("local-network").inputs.environment.DOCKER_HOST).to.equal("ssh://ops@docker-host");
        expect(mocks.named("local-node1").inputs.environment.DOCKER_HOST).to.equal("ssh://ops@docker-host");
    });

    it("sshReadyTimeout bounds every target's wait for SSH (default 3m; 15m on aws); a bad value names the key", async () => {
        for (const [target, raw, readyName, seconds] of [
            ["local", { sshReadyTimeout: "90s" }, "local-node1-ready", 90],
            ["local", {}, "local-node1-ready", 180],
            ["aws", { target: "aws", aws: { adminCidr: "198.51.100.0/24" } }, "aws-node1-ready", 900],
            ["aws", { target: "aws", aws: { adminCidr: "198.51.100.0/24" }, sshReadyTimeout: "5m" }, "aws-node1-ready", 300],
        ] as [string, Record<string, unknown>, string, number][]) {
            mocks.reset();
            hostMocks();
            buildHosts(cfg(raw));
            await settle();
            expect(mocks.named(readyName).inputs.connection.dialTimeout, `${target} ${JSON.stringify(raw)}`).to.equal(seconds);
        }
        const bad = stackConfigSchema.safeParse({ mesh: { implementation: "overlay" }, sshReadyTimeout: "soon" });
        expect(bad.success).to.equal(false);
        expect(JSON.stringify(bad.error!.issues[0])).to.contain("expected a duration like 90s, 3m or 1h");
    });
});
