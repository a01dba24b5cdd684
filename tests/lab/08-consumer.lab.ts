import { expect } from "chai";
import { execFileSync } from "child_process";
import * as crypto from "crypto";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { EngineEvent, LocalWorkspace, PreviewResult, Stack } from "@pulumi/pulumi/automation";
import { engineCli } from "./engine/engine";
import { InstalledConsumer, installedConsumer } from "../support/consumer";

/**
 * examples/consumer, another team's project, through the real Pulumi engine: the library packed
 * (`npm pack`), installed into the project with only @pulumi/pulumi beside it, the project compiled
 * with its own tsc, then `pulumi preview` of its stack: ExistingHosts, the platform components and
 * a MarathonApp. A preview connects to no host (its machines, 10.0.25.0/24, need not exist).
 */
const MARATHON_APP = "pulumi-nodejs:dynamic/microservice:MarathonApp";

describe("engine: examples/consumer's pulumi preview (the packed library installed, only @pulumi/pulumi beside it)", function () {
    let consumer: InstalledConsumer;
    let home: string;
    let stack: Stack;
    let preview: PreviewResult;
    const events: EngineEvent[] = [];

    before(async function () {
        this.timeout(1_200_000);
        const t0 = Date.now();
        consumer = await installedConsumer();
        execFileSync(process.execPath, ["node_modules/typescript/bin/tsc", "-p", "."], { cwd: consumer.dir, stdio: "pipe" });
        console.log(`    [consumer] packed, installed (${consumer.cached ? "cached" : "fresh"}) and built in ${((Date.now() - t0) / 1000).toFixed(0)} s`);

        home = fs.mkdtempSync(path.join(os.tmpdir(), "mslab-consumer-"));
        fs.mkdirSync(path.join(home, "state"));
        const ws = await LocalWorkspace.create({
            workDir: consumer.dir, // its own Pulumi.yaml: main bin/index.js, compiled above
            pulumiCommand: await engineCli(),
            pulumiHome: path.join(home, "home"),
            envVars: {
                PULUMI_BACKEND_URL: `file://${path.join(home, "state")}`,
                PULUMI_CONFIG_PASSPHRASE: crypto.randomBytes(24).toString("base64"),
                PULUMI_SKIP_UPDATE_CHECK: "true",
                PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION: "true",
            },
        });
        stack = await Stack.create("consumer", ws);
        const digest = (c: string) => `sha256:${c.repeat(64)}`;
        await stack.setAllConfig({
            "platform-consumer:sshPrivateKey": { value: "-----BEGIN OPENSSH PRIVATE KEY-----\nAAAA\n-----END OPENSSH PRIVATE KEY-----\n", secret: true },
            "platform-consumer:knownHosts": {
                value: JSON.stringify(
                    ["10.0.25.10", "10.0.25.11", "10.0.25.12", "10.0.25.13"].map((ip, i) => `${ip} ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIGhvc3Qt${i}`),
                ),
            },
            "platform-consumer:registryPassword": { value: "correct-horse-battery", secret: true },
            "platform-consumer:marathonPassword": { value: "correct-horse-battery-staple", secret: true },
            "platform-consumer:zookeeperPassword": { value: "correct-horse-battery-zookeeper", secret: true },
            "platform-consumer:mesosImages": {
                value: JSON.stringify({
                    master: `mesosphere/mesos-master:1.11.0@${digest("1")}`,
                    agent: `mesosphere/mesos-slave:1.11.0@${digest("2")}`,
                    marathon: `mesosphere/marathon:v1.11.24@${digest("3")}`,
                }),
            },
        });
        const t1 = Date.now();
        preview = await stack.preview({ onEvent: (e) => void events.push(e) });
        console.log(`    [consumer] pulumi preview: ${JSON.stringify(preview.changeSummary)} in ${((Date.now() - t1) / 1000).toFixed(0)} s`);
    });

    after(() => {
        if (home) fs.rmSync(home, { recursive: true, force: true });
    });

    it("plans every layer and the app, with no error from the program, the engine or a provider", () => {
        const errors = events.filter((e) => e.diagnosticEvent?.severity === "error").map((e) => e.diagnosticEvent!.message);
        expect(errors).to.deep.equal([]);
        const planned = events.map((e) => e.resourcePreEvent?.metadata).filter((m) => m !== undefined);
        const types = new Set(planned.map((m) => m.type));
        for (const t of [
            "ExistingHosts",
            "StackCa",
            "DockerRegistry",
            "DockerEngine",
            "OverlayMesh",
            "RsyslogAggregator",
            "MesosCluster",
            "ZooKeeperEnsemble",
        ]) {
            expect(types, t).to.include(`microservice:index:${t}`);
        }
        expect(types).to.include(MARATHON_APP);
        expect(types).to.include("pulumi-nodejs:dynamic/exec:RemoteCommand");
        expect(preview.changeSummary.create ?? 0).to.be.greaterThan(40);
        expect(Object.keys(preview.changeSummary).filter((op) => op !== "create" && op !== "same")).to.deep.equal([]);
    });

    it("needs no provider plugin but the Node.js dynamic one (no @pulumi/command, @pulumi/aws or @pulumi/docker)", () => {
        const providers = new Set(events.map((e) => e.resourcePreEvent?.metadata.type).filter((t): t is string => !!t && t.startsWith("pulumi:providers:")));
        expect([...providers].sort()).to.deep.equal(["pulumi:providers:pulumi-nodejs"]);
        expect(fs.readdirSync(path.join(fs.realpathSync(path.join(consumer.dir, "node_modules")), "@pulumi"))).to.deep.equal(["pulumi"]);
    });

    it("serializes the MarathonApp's provider in under 2 KB: it requires the installed package's provider by path", () => {
        const app = events.map((e) => e.resourcePreEvent?.metadata).find((m) => m?.type === MARATHON_APP);
        expect(app, "no MarathonApp in the preview").to.not.equal(undefined);
        const provider = String(app!.new?.inputs.__provider ?? "");
        console.log(`    [consumer] MarathonApp's serialized provider: ${provider.length} characters`);
        expect(provider.length).to.be.greaterThan(0);
        expect(provider.length).to.be.lessThan(2048);
        expect(provider).to.contain("node_modules/microservice-platform/dist/components/marathon/provider.js");
    });
});
