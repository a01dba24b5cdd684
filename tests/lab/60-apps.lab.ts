import { expect } from "chai";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import * as pulumi from "@pulumi/pulumi";
import { Lab, LabRun, describeFailures } from "./harness";
import { firstRun } from "./shared";
import { labStackExtras } from "./config";
import { ContainerizerStandin, Agent, taskPrefix } from "./containerizer-standin";
import { MarathonStandin } from "../support/marathon-standin";
import { platformConfigSchema, StackConfig } from "../../config/schema";
import { validate } from "../../components/validate";
import { AppImage } from "../../components/images";
import { REGISTRY_API } from "../../components/images/ops";
import { definitionOf, MarathonDefinition } from "../../components/marathon";
import { AppInputs, createApp, deleteAppAndWait, updateApp } from "../../components/marathon/provider";
import { openTunnel } from "../../components/marathon/tunnel";
import { getApp } from "../../components/marathon/client";
import { agentAttributes } from "../../components/mesos/topology";
import { dockerTag, journaldDriverParameters } from "../../components/logging/render";
import { overlayRender } from "../../components/mesh";
import { AppLayers } from "../../apps/common";
import { nodeappApp, NODEAPP_ID } from "../../apps/nodeapp/app";
import { nginxApp, NGINX_ID } from "../../apps/nginx/app";
import { RegistryEndpoint } from "../../components/contracts";
import { poll } from "./engine/checks";

/**
 * The sample apps for real on the lab, as far as this machine allows. The full stack (registry,
 * Docker, overlay mesh, rsyslog) is the shared first run; Marathon and Mesos cannot be installed
 * here, so a Marathon API stand-in (tests/support) takes the provider's calls and a stand-in for
 * Mesos' Docker containerizer (./containerizer-standin) runs each app's containers on the lab hosts
 * with exactly the flags of its Marathon definition. mongo's official image cannot be had here: mongo
 * is NOT run, and nodeapp's pages that need it answer 503.
 */
const IMAGE = "microservice/debian-minbase:bookworm";
const APPS_DIR = path.join(__dirname, "..", "..", "apps");
const PASSWORD = "lab-marathon-password";

const known = <T>(o: pulumi.Output<T>): Promise<T> => (o as any).promise();

describe("60 apps: images built on mgmt, run on lab hosts with their Marathon definitions' flags (Marathon, Mesos: stand-ins; mongo not run)", function () {
    let lab: Lab;
    let run: LabRun;
    let cfg: StackConfig;
    let registry: RegistryEndpoint;
    let layers: AppLayers;
    let marathon: MarathonStandin;
    let containerizer: ContainerizerStandin;
    let images: { nodeapp: string; nginx: string };
    let imageRun: LabRun;
    let node1: string;
    const created: { id: string; outs: any }[] = [];

    const inputs = (definition: MarathonDefinition): AppInputs => ({
        definition,
        marathon: { url: marathon.url, username: "marathon", password: PASSWORD },
        deployTimeoutSeconds: 300,
        lockTimeoutSeconds: 30,
        pollMs: 500,
    });
    const buildImages = (label: string) =>
        lab.run((hosts) => {
            const mgmt = hosts.find((h) => h.name === "mgmt")!;
            const common = { host: mgmt, registry, buildArgs: { BASE_IMAGE: IMAGE } };
            const n = new AppImage("nodeapp-image", { ...common, context: path.join(APPS_DIR, "nodeapp"), repository: "application/app/nodeapp" });
            const g = new AppImage("nginx-image", { ...common, context: path.join(APPS_DIR, "nginx"), repository: "application/app/nginx" });
            return { nodeapp: n.imageRef, nginx: g.imageRef };
        }, label);

    before(async function () {
        ({ lab, run } = await firstRun());
        const platform = (run.outputs as any).platform;
        const mesh = (run.outputs as any).mesh;
        if (!platform?.registry || !mesh?.dockerNetwork)
            throw new Error(`the full stack did not build the platform and mesh this test runs on:\n${describeFailures(run)}`);
        const raw = Object.fromEntries(Object.entries(lab.stackConfig(labStackExtras)).map(([k, v]) => [k.slice("microservice:".length), JSON.parse(v)]));
        cfg = validate(platformConfigSchema, raw, "lab stack config");
        // AppImage needs the address, the user and whether TLS is on; the password stays on mgmt (DockerEngine's login file).
        registry = {
            address: pulumi.output(String(platform.registry)),
            username: pulumi.output(String(platform.registryUsername)),
            password: pulumi.secret("unused"),
            caCert: pulumi.output(String(platform.caCert ?? "")),
            ready: [],
        };
        layers = {
            network: { kind: "overlay", domain: mesh.domain, dockerNetwork: mesh.dockerNetwork, dockerParameters: overlayRender.dockerParameters },
            logging: { dockerParameters: (app: string) => journaldDriverParameters(dockerTag(app)) },
        };
        const agents: Agent[] = lab
            .labHosts()
            .filter((h) => h.roles.includes("agent"))
            .map((h) => ({
                name: h.name,
                ip: lab.hosts[h.name].ip,
                attributes: agentAttributes(h.roles, cfg.mesos.agentAttributes ?? {}, h.agentAttributes ?? {}),
            }));
        node1 = lab.hosts.node1.ip;
        containerizer = new ContainerizerStandin(lab.hosts, agents);
        marathon = new MarathonStandin({ username: "marathon", password: PASSWORD, onDeploy: (id, next) => containerizer.deploy(id, next) });
        await marathon.start();
        // No Docker Hub here: the apps' images build FROM the local Debian base (+ Debian's nodejs, nginx-light).
        await lab.loadImage("mgmt", IMAGE);
        imageRun = await buildImages("apps images");
        if (!imageRun.ok) throw new Error(`building the images failed:\n${describeFailures(imageRun)}`);
        images = imageRun.outputs as any;
    });

    after(async () => {
        for (const c of created.reverse()) await deleteAppAndWait(c.id, c.outs).catch(() => undefined);
        await marathon?.stop();
    });

    it("builds each image on mgmt from its copied folder and pushes it under its content tag", async () => {
        expect(images.nodeapp).to.match(new RegExp(`^${registryAddress()}/application/app/nodeapp:[0-9a-f]{12}$`));
        const built = imageRun.steps.filter((s) => /-image-mgmt-image$/.test(s.resource));
        // "changed" on a fresh lab; a kept lab (KEEP_LAB=1) already has these tags.
        expect(built).to.have.length(2);
        for (const s of built) expect(s.result, s.stderr).to.be.oneOf(["changed", "unchanged"]);
        const tag = images.nodeapp.split(":").pop()!;
        const tags = await lab.hosts.mgmt.sh(
            `${REGISTRY_API} ${registryAddress()} ${await known(registry.username)} https GET /v2/application/app/nodeapp/tags/list`,
        );
        expect(tags.stdout).to.contain(`"${tag}"`);
    });

    it("the same source makes no new tag: a second build run changes nothing", async () => {
        const again = await buildImages("apps images again");
        expect(again.ok, describeFailures(again)).to.equal(true);
        expect(again.outputs).to.deep.equal(imageRun.outputs);
        const steps = again.steps.filter((s) => /-image-mgmt-image$/.test(s.resource));
        expect(steps.map((s) => s.result)).to.deep.equal(["unchanged", "unchanged"]);
    });

    it("runs nodeapp (2 tasks on app agents) and nginx (node1) with their definitions' Docker flags", async () => {
        for (const [args, name] of [
            [nodeappApp(cfg.apps.nodeapp, images.nodeapp, layers), "nodeapp"],
            [nginxApp(cfg.apps.nginx, images.nginx, node1, layers), "nginx"],
        ] as const) {
            const definition = await known(definitionOf({ marathon: { url: "unused" }, ...args }, `MarathonApp "${name}"`));
            const c = await createApp(inputs(definition));
            created.push(c);
            expect(c.outs.tasksRunning).to.equal(definition.instances);
        }
        expect(Object.values(await containerizer.running(NODEAPP_ID)).sort()).to.deep.equal(["node2", "node3"]);
        expect(Object.values(await containerizer.running(NGINX_ID))).to.deep.equal(["node1"]);
        const task = `${taskPrefix(NODEAPP_ID)}0`;
        const host = Object.entries(await containerizer.running(NODEAPP_ID)).find(([n]) => n === task)![1];
        const inspect = await lab.hosts[host].sh(
            `docker inspect -f '{{.HostConfig.LogConfig.Type}} {{index .HostConfig.LogConfig.Config "tag"}} {{.HostConfig.NetworkMode}} {{.Config.Hostname}} ` +
                `{{.Config.User}}' ${task}`,
        );
        expect(inspect.stdout.trim()).to.equal(`syslog ${dockerTag("nodeapp")} ${layers.network.dockerNetwork} nodeapp 65534:65534`);
    });

    it("GET / through nginx on node1:9080 returns the Express page; /userlist says mongo is unreachable (503)", async () => {
        const page = await poll("the Express page through nginx", 60, async () => {
            const r = await fetch(`http://${node1}:${cfg.apps.nginx.hostPort}/`);
            return r.status === 200 ? await r.text() : undefined;
        });
        expect(page).to.contain("<title>Express</title>").and.contain("Welcome to Express");
        const users = await fetch(`http://${node1}:${cfg.apps.nginx.hostPort}/userlist`);
        expect(users.status).to.equal(503);
        expect(await users.text()).to.contain("The user database (mongo) cannot be reached right now");
        // Requests by mesh name spread over both nodeapp tasks (re-resolved per request).
        for (let i = 0; i < 10; i++) await fetch(`http://${node1}:${cfg.apps.nginx.hostPort}/helloworld`);
    });

    it("nginx's and nodeapp's logs land on node1 under /var/log/remote/<host>/<date>/docker/<app>/docker.log", async () => {
        const found = await poll("nginx and nodeapp lines on node1", 60, async () => {
            const r = await lab.hosts.node1.sh(
                `for app in nginx nodeapp; do for f in /var/log/remote/*/*/*/*/docker/$app/docker.log; do [ -f "$f" ] && grep -q 'GET /helloworld' "$f" && ` +
                    `echo "$app $f"; done; done`,
            );
            const lines = r.stdout.split("\n").filter(Boolean);
            return lines.some((l) => l.startsWith("nginx ")) && lines.some((l) => l.startsWith("nodeapp ")) ? lines : undefined;
        });
        const hosts = new Set(found.filter((l) => l.startsWith("nodeapp ")).map((l) => l.split("/")[4]));
        expect([...hosts].sort()).to.deep.equal(["node2", "node3"]);
        expect(found.find((l) => l.startsWith("nginx "))).to.match(/^nginx \/var\/log\/remote\/node1\/\d{4}\/\d\d\/\d\d\/docker\/nginx\/docker\.log$/);
    });

    it("scales nodeapp 2 -> 3 with one PUT: a third task, and the page is still served", async () => {
        const c = created.find((x) => x.id === NODEAPP_ID)!;
        const definition = await known(
            definitionOf({ marathon: { url: "unused" }, ...nodeappApp({ ...cfg.apps.nodeapp, instances: 3 }, images.nodeapp, layers) }, "nodeapp"),
        );
        const puts = marathon.writes().length;
        const { outs } = await updateApp(NODEAPP_ID, c.outs, inputs(definition));
        c.outs = outs;
        expect(marathon.writes().length - puts).to.equal(1);
        expect(Object.keys(await containerizer.running(NODEAPP_ID))).to.have.length(3);
        const r = await poll("the page after scaling", 60, async () =>
            (await fetch(`http://${node1}:${cfg.apps.nginx.hostPort}/`)).status === 200 ? true : undefined,
        );
        expect(r).to.equal(true);
    });

    it("reaches a node through mgmt as an SSH jump host (the AWS path), with the stack's key", async () => {
        const key = JSON.parse(lab.stackConfig()["microservice:sshPrivateKey"]);
        const t = await openTunnel({
            url: `http://${node1}:${cfg.apps.nginx.hostPort}`,
            jump: { host: lab.hosts.mgmt.ip, user: "root", privateKey: key, hostKey: lab.hostKey("mgmt") },
        });
        try {
            const page = await (await fetch(`${t.access.url}/`)).text();
            expect(page).to.contain("Welcome to Express");
            // The client's own calls go the same way (nginx -> nodeapp answers this path 404: no such app).
            expect(await getApp(t.access, "/none")).to.equal(undefined);
        } finally {
            await t.close();
        }
    });

    it("prunes older tags of a repository from the registry (keep 1)", async () => {
        const ctx = (n: number) => {
            const d = fs.mkdtempSync(path.join(os.tmpdir(), "prune-ctx-"));
            fs.writeFileSync(path.join(d, "Dockerfile"), `FROM ${IMAGE}\nCOPY version /version\n`);
            fs.writeFileSync(path.join(d, "version"), `${n}\n`);
            return d;
        };
        const build = (dir: string, label: string) =>
            lab.run(
                (hosts) => ({
                    ref: new AppImage("prune-image", {
                        host: hosts.find((h) => h.name === "mgmt")!,
                        registry,
                        context: dir,
                        repository: "lab/prune-test",
                        keep: 1,
                    }).imageRef,
                }),
                label,
            );
        const first = await build(ctx(1), "prune: first");
        const second = await build(ctx(2), "prune: second");
        expect(first.ok && second.ok, describeFailures(second)).to.equal(true);
        const [t1, t2] = [first, second].map((r) => String(r.outputs.ref).split(":").pop());
        const tags = await lab.hosts.mgmt.sh(`${REGISTRY_API} ${registryAddress()} ${await known(registry.username)} https GET /v2/lab/prune-test/tags/list`);
        expect(tags.stdout).to.contain(`"${t2}"`).and.not.contain(`"${t1}"`);
        expect(second.steps.find((s) => s.resource === "prune-image-mgmt-image")!.stderr).to.contain(`pruned lab/prune-test:${t1}`);
    });

    function registryAddress(): string {
        return String((run.outputs as any).platform.registry);
    }
});
