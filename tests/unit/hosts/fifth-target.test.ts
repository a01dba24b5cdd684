import { expect } from "chai";
import * as fs from "fs";
import * as path from "path";
import * as pulumi from "@pulumi/pulumi";
import { hostTarget, StackConfig, stackConfigSchema, TARGETS } from "../../../config/schema";
import { portIssues } from "../../../config/sections/ports";
import { nginxHostOf } from "../../../apps/settings";
import { HostTarget } from "../../../components/hosts/target";
import { platformPorts } from "../../../components/ports";
import { volumeHostIssues } from "../../../components/volumes/settings";
import { mesosImagesIssues } from "../../../components/mesos/settings";
import { SchedulerEndpoint } from "../../../components/contracts";
import { MARATHON_APP_TYPE } from "../../../components/marathon";
import { deployApps } from "../../../stack/apps";
import { stackConfig } from "../../support/program";
import { mocks } from "../../support/setup";
import { settle, valueOf } from "../../support/outputs";
import { fakeHost } from "../provision/fake-host";
import { registry } from "../mesos/fixtures";

/**
 * A target made up here, which no component has heard of: its capabilities alone decide what the
 * layers do, the same decisions the four real targets get from theirs.
 */
const CLOUD5: HostTarget = {
    name: "cloud5",
    nodesBehindJumpHost: true,
    publicEntry: true,
    blockVolumes: "ebs",
    imagesPinnedOnFirstUse: true,
    sshPortKey: ["existing", "port"],
};
const PLAIN5: HostTarget = { name: "plain5", nodesBehindJumpHost: false, publicEntry: false, imagesPinnedOnFirstUse: false };

/** The whole stack's config (target hosts, the original layout), mongo off: no volume layer needed. */
function config(apps: object = {}, existing: object = {}): StackConfig {
    const raw = Object.fromEntries(Object.entries(stackConfig()).map(([k, v]) => [k.slice("microservice:".length), JSON.parse(v)]));
    return stackConfigSchema.parse({ ...raw, apps: { mongo: { enabled: false }, ...apps }, existing: { ...raw.existing, ...existing } });
}

const HOSTS = config().hosts;

describe("a fifth target: its HostTarget alone drives the layers' decisions", function () {
    this.timeout(120000);

    it("the one switch maps each configured target to the capabilities of that name", () => {
        for (const t of TARGETS) expect(hostTarget(t).name).to.equal(t);
        expect(TARGETS).to.deep.equal(["local", "vagrant", "aws", "hosts"]);
    });

    it("docs/hosts.md's table of what each target offers is the targets' HostTargets", () => {
        const text = fs.readFileSync(path.resolve(__dirname, "../../../docs/hosts.md"), "utf8");
        const yes = (b: boolean) => (b ? "yes" : "no");
        for (const t of TARGETS) {
            const c = hostTarget(t);
            const ssh = c.sshPortKey ? `\`${c.sshPortKey.join(".")}\`` : "22";
            expect(text, t).to.contain(
                `| \`${t}\` | ${yes(c.nodesBehindJumpHost)} | ${yes(c.publicEntry)} | ${yes(c.blockVolumes === "ebs")} | ${yes(c.imagesPinnedOnFirstUse)} | ` +
                    `${ssh} |`,
            );
        }
    });

    it("volumes: ebs where the target has block volumes; elsewhere the message names the key's expected value and the target", () => {
        const ebs = { backend: "ebs" as const, datasets: [] };
        expect(volumeHostIssues(ebs, HOSTS, CLOUD5)).to.deep.equal([]);
        expect(volumeHostIssues(ebs, HOSTS, PLAIN5)).to.deep.equal([[["backend"], 'expected "zfs" on target "plain5" (EBS volumes exist only on target aws)']]);
    });

    it("mesos.images may be left out only where the target pins them on first use", () => {
        expect(mesosImagesIssues({ images: undefined }, HOSTS, CLOUD5)).to.deep.equal([]);
        expect(mesosImagesIssues({ images: undefined }, HOSTS, PLAIN5).map(([p]) => p)).to.deep.equal([["images"]]);
    });

    it("ports: the entry is on mgmt by default with a public entry; SSH is read at the target's key", () => {
        const c = config({}, { port: 2200, trustOnFirstUse: true });
        const mgmt = (t: HostTarget) => platformPorts(c, nginxHostOf(c), t).filter((p) => p.host === "mgmt" && /SSH|entry/.test(p.service));
        expect(mgmt(CLOUD5).map((p) => [p.from, p.service, p.key?.join(".")])).to.deep.equal([
            [2200, "SSH", "existing.port"],
            [80, "the apps' public entry (HAProxy)", "apps.entry.port"],
        ]);
        expect(mgmt(PLAIN5).map((p) => [p.from, p.service])).to.deep.equal([[22, "SSH"]]);
        // The conflict rule sees the same: the entry on SSH's port clashes only where the entry is on.
        const clash = config({ entry: { port: 2200 } }, { port: 2200, trustOnFirstUse: true });
        expect(portIssues(clash, nginxHostOf(clash), CLOUD5)).to.deep.equal([
            [["apps", "entry", "port"], "expected a port that no other service on mgmt uses (existing.port, SSH, is 2200)"],
        ]);
        expect(portIssues(clash, nginxHostOf(clash), PLAIN5)).to.deep.equal([]);
    });

    it("a key that holds no port is a programming error named by the key", () => {
        expect(() => platformPorts(config(), "node1", { ...CLOUD5, sshPortKey: ["cloud5", "sshPort"] })).to.throw(/SSH port key cloud5\.sshPort holds no port/);
    });

    // The apps layer on fake hosts: mgmt's SSH address is public, its private one is not.
    async function apps(target: HostTarget, appsConfig: object = {}) {
        mocks.reset();
        const hosts = config().hosts.map((h) =>
            fakeHost(h.name, h.ip, h.roles, h.name === "mgmt" ? { connection: pulumi.secret({ host: "198.51.100.7", user: "root", privateKey: "KEY" }) } : {}),
        );
        const scheduler: SchedulerEndpoint = {
            marathonUrl: pulumi.output("https://10.0.15.11:8443"),
            marathonUsername: pulumi.output("marathon"),
            marathonPassword: pulumi.secret("marathon-password"),
            mesosUrls: pulumi.output(["http://10.0.15.11:5050"]),
            ready: [],
        };
        const network = { kind: "overlay" as const, domain: "mesh", dockerNetwork: "mesh", dockerParameters: () => [], ready: [], hostReady: {} };
        const out = deployApps(config(appsConfig), { hosts, target, platform: { registry: registry() }, scheduler, network, volumes: {} });
        await settle();
        const url = await valueOf(out.url);
        await settle();
        return {
            url,
            access: out.outputs.marathonAccess,
            entry: mocks.resources.some((r) => r.name === "apps-entry-mgmt-haproxy"),
            nodeapp: mocks.resources.find((r) => r.type === MARATHON_APP_TYPE && r.name === "nodeapp")!,
        };
    }

    it("apps: private nodes behind mgmt and a public entry give Marathon through mgmt and the app at mgmt's public address", async () => {
        const a = await apps(CLOUD5);
        expect(a.access).to.equal("through mgmt (SSH jump)");
        expect(a.nodeapp.inputs.marathon.jump).to.include({ host: "198.51.100.7" });
        expect(a.entry).to.equal(true);
        expect(a.url).to.equal("http://198.51.100.7/");
    });

    it("apps: neither gives Marathon directly and nginx's own address; an entry asked for is at mgmt's private address", async () => {
        const a = await apps(PLAIN5);
        expect(a.access).to.equal("direct");
        expect(a.nodeapp.inputs.marathon.jump).to.equal(undefined);
        expect(a.entry).to.equal(false);
        expect(a.url).to.equal("http://10.0.15.11:9080/");
        const on = await apps(PLAIN5, { entry: { enabled: true, port: 8000 }, marathonAccess: "mgmt" });
        expect([on.entry, on.url, on.access]).to.deep.equal([true, "http://10.0.15.10:8000/", "through mgmt (SSH jump)"]);
    });
});
