import { expect } from "chai";
import { platformConfigSchema } from "../../../config/schema";
import { evaluate, stackConfig } from "../../support/program";
import { hostMocks } from "./support";

/**
 * What each target's defaults resolve to, through the stack's own entry points (config validation
 * and the whole program under mocks): how `pulumi up` reaches Marathon, whether the apps' entry is
 * on and at which address, which volume backends and SSH port the checks assume, and whether
 * mesos.images may be left out. Pinned so that moving these decisions from the target's name to
 * its capabilities (components/hosts/target.ts) changes none of them.
 */

const IMAGES = JSON.parse(stackConfig()["microservice:mesos"]).images;
const ADMIN = "198.51.100.0/24";

/** The whole stack's raw config on a target (its default hosts, except for target hosts). */
function raw(target: string, extra: Record<string, unknown> = {}): Record<string, any> {
    const base = Object.fromEntries(Object.entries(stackConfig()).map(([k, v]) => [k.slice("microservice:".length), JSON.parse(v)]));
    if (target !== "hosts") for (const k of ["target", "hosts", "sshPrivateKey", "sshUser", "existing"]) delete base[k];
    return { ...base, target, ...(target === "aws" ? { aws: { adminCidr: ADMIN } } : {}), ...extra };
}

/** `key: message` of every issue the platform's config schema reports. */
function issues(r: Record<string, unknown>): string[] {
    const parsed = platformConfigSchema.safeParse(r);
    return parsed.success ? [] : parsed.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`);
}

const asConfig = (r: Record<string, unknown>) => Object.fromEntries(Object.entries(r).map(([k, v]) => [`microservice:${k}`, JSON.stringify(v)]));

const TARGETS = ["local", "vagrant", "aws", "hosts"];

describe("each target's defaults (pinned across the HostTarget refactor)", function () {
    this.timeout(120000);

    it("the base config of every target is valid", () => {
        for (const t of TARGETS) expect(issues(raw(t)), t).to.deep.equal([]);
    });

    it("mesos.images may be left out on local only (pinned on first use there)", () => {
        for (const t of TARGETS) {
            const noImages = raw(t);
            noImages.mesos = { ...noImages.mesos, images: undefined };
            const found = issues(noImages).filter((i) => i.startsWith("mesos.images:"));
            expect(found.length, t).to.equal(t === "local" ? 0 : 1);
            if (t !== "local") expect(found[0]).to.match(/^mesos\.images: required because hosts node1, node2, node3 have role master, agent or marathon/);
        }
    });

    it("volumes.backend ebs only on aws; elsewhere the message names the key, the target and zfs", () => {
        for (const t of TARGETS) {
            const found = issues(raw(t, { volumes: { backend: "ebs", datasets: [] } })).filter((i) => i.startsWith("volumes.backend"));
            if (t === "aws") expect(found, t).to.deep.equal([]);
            else expect(found, t).to.deep.equal([`volumes.backend: expected "zfs" on target "${t}" (EBS volumes exist only on target aws)`]);
        }
    });

    it("the apps' entry is on by default on aws only: its port then clashes with SSH on mgmt", () => {
        for (const t of TARGETS) {
            const ssh = t === "hosts" ? 2222 : 22;
            const r = raw(t, { apps: { entry: { port: ssh } } });
            if (t === "hosts") r.existing = { ...r.existing, port: ssh };
            const found = issues(r).filter((i) => i.startsWith("apps.entry.port"));
            expect(found.length, t).to.equal(t === "aws" ? 1 : 0);
            // Turned on by hand, it clashes on every target: SSH is 22, or existing.port on target hosts.
            const on = raw(t, { apps: { entry: { enabled: true, port: ssh } } });
            if (t === "hosts") on.existing = { ...on.existing, port: ssh };
            expect(
                issues(on).filter((i) => i.startsWith("apps.entry.port")),
                `${t} entry on`,
            ).to.deep.equal([
                `apps.entry.port: expected a port that no other service on mgmt uses (${t === "hosts" ? "existing.port, SSH, is 2222" : "SSH, 22"})`,
            ]);
        }
    });

    it("target hosts: SSH is on existing.port, so 22 is free for the entry there", () => {
        const r = raw("hosts", { apps: { entry: { enabled: true, port: 22 } } });
        r.existing = { ...r.existing, port: 2222 };
        expect(issues(r).filter((i) => i.startsWith("apps.entry.port"))).to.deep.equal([]);
    });

    // Whole program: how `pulumi up` reaches Marathon, whether the entry is made, the app's URL.
    const expected: Record<string, { access: string; entry: boolean; url: string }> = {
        local: { access: "direct", entry: false, url: "http://10.0.15.11:9080/" },
        vagrant: { access: "direct", entry: false, url: "http://10.0.15.11:9080/" },
        // mgmt's public address (the mocks' instance publicIp): the nodes are private.
        aws: { access: "through mgmt (SSH jump)", entry: true, url: "http://203.0.113.10/" },
        hosts: { access: "direct", entry: false, url: "http://10.0.15.11:9080/" },
    };
    for (const t of TARGETS) {
        it(`${t}: Marathon access, the entry and the app's URL by default`, async () => {
            const r = raw(t);
            r.mesos = { ...r.mesos, images: IMAGES };
            const { byName, outputs } = await evaluate(asConfig(r), t === "vagrant" ? hostMocks : undefined);
            expect(outputs.apps.marathonAccess).to.equal(expected[t].access);
            expect(byName.has("pulumi-nodejs:dynamic/exec:RemoteCommand::apps-entry-mgmt-haproxy")).to.equal(expected[t].entry);
            expect(outputs.appUrl).to.equal(expected[t].url);
        });
    }

    it("an entry turned on where mgmt has no public address is reached at mgmt's private one", async () => {
        const { outputs } = await evaluate(asConfig(raw("local", { apps: { entry: { enabled: true, port: 8000 } } })));
        expect(outputs.appUrl).to.equal("http://10.0.15.10:8000/");
    });
});
