import { expect } from "chai";
import { MARATHON_APP_TYPE } from "../../../components/marathon";
import { changed, evaluate, stackConfig } from "../../support/program";

describe("apps in the whole stack program (mocks)", function () {
    this.timeout(120000);

    it("deploys images on mgmt and three Marathon apps with the layers' flags, and outputs the app's URL", async () => {
        const { byName, outputs } = await evaluate(stackConfig());
        const apps = [...byName.values()].filter((r) => r.type === MARATHON_APP_TYPE);
        expect(apps.map((r) => r.name).sort()).to.deep.equal(["mongo", "nginx", "nodeapp"]);
        const nodeapp = byName.get(`${MARATHON_APP_TYPE}::nodeapp`)!.inputs.definition;
        expect(nodeapp).to.deep.include({ id: "/application/app/nodeapp", instances: 2, cpus: 0.1, mem: 128, networks: [{ mode: "container", name: "mesh" }] });
        expect(nodeapp.constraints).to.deep.equal([["slavetype", "CLUSTER", "app"]]);
        expect(nodeapp.env.MONGO_URL).to.equal("mongodb://mongo:27017/node");
        const params = nodeapp.container.docker.parameters.map((p: any) => `${p.key}=${p.value}`);
        expect(params.slice(0, 2)).to.deep.equal(["network-alias=nodeapp", "hostname=nodeapp"]);
        expect(params.some((p: string) => p === "log-driver=journald")).to.equal(true);
        expect(nodeapp.container.docker.image).to.match(/^10\.0\.15\.11:5000\/application\/app\/nodeapp:[0-9a-f]{12}$/);
        const nginx = byName.get(`${MARATHON_APP_TYPE}::nginx`)!.inputs.definition;
        expect(nginx.constraints).to.deep.equal([
            ["slavetype", "CLUSTER", "system"],
            ["hostname", "CLUSTER", "10.0.15.11"],
        ]);
        expect(nginx.container.docker.parameters).to.deep.include({ key: "publish", value: "9080:80" });
        expect(nginx.env).to.deep.equal({ UPSTREAM: "nodeapp:3000" });
        const mongo = byName.get(`${MARATHON_APP_TYPE}::mongo`)!.inputs.definition;
        expect(mongo.instances).to.equal(1);
        expect(mongo.upgradeStrategy).to.deep.equal({ minimumHealthCapacity: 0, maximumOverCapacity: 0 });
        expect(mongo.constraints).to.deep.equal([["hostname", "CLUSTER", "10.0.15.12"]]);
        expect(mongo.container.volumes).to.deep.equal([{ containerPath: "/data/db", hostPath: "/flocker/mongo", mode: "RW" }]);
        for (const app of apps) expect(app.secretInputs).to.include("marathon");
        // Built on mgmt: the context copied there, then one build step per app.
        const copies = [...byName.values()].filter((r) => r.type === "pulumi-nodejs:dynamic/exec:CopyToRemote");
        expect(copies.map((c) => c.name).sort()).to.deep.equal(["mongo-image-context", "nginx-image-context", "nodeapp-image-context"]);
        expect(copies.every((c) => c.inputs.connection.host === "10.0.15.10")).to.equal(true);
        const build = byName.get("pulumi-nodejs:dynamic/exec:RemoteCommand::nodeapp-image-mgmt-image")!.inputs.stdin as string;
        expect(build).to.match(/ensure_exec 'image 10\.0\.15\.11:5000\/application\/app\/nodeapp:[0-9a-f]{12} in the registry'/);
        expect(build).to.contain("docker build -t ").and.contain("docker push ");
        expect(outputs.appUrl).to.equal("http://10.0.15.11:9080/");
        expect(outputs.apps.marathonAccess).to.equal("direct");
    });

    it("blast radius: nodeapp 2 -> 3 by config changes exactly one resource, the nodeapp MarathonApp, and only its instances", async () => {
        const two = await evaluate(stackConfig({ nodeapp: { instances: 2 } }));
        const three = await evaluate(stackConfig({ nodeapp: { instances: 3 } }));
        expect(two.byName.size).to.be.greaterThan(50);
        expect(changed(two.byName, three.byName)).to.deep.equal([`${MARATHON_APP_TYPE}::nodeapp`]);
        const before = two.byName.get(`${MARATHON_APP_TYPE}::nodeapp`)!.inputs.definition;
        const after = three.byName.get(`${MARATHON_APP_TYPE}::nodeapp`)!.inputs.definition;
        expect({ ...after, instances: 2 }).to.deep.equal(before);
        expect(after.instances).to.equal(3);
    });

    it("moving mongo's volume node2 -> node3 by config re-pins only mongo (and the volume's own placement)", async () => {
        const a = await evaluate(stackConfig({}, "node2"));
        const b = await evaluate(stackConfig({}, "node3"));
        const apps = changed(a.byName, b.byName).filter((n) => n.startsWith(MARATHON_APP_TYPE));
        expect(apps).to.deep.equal([`${MARATHON_APP_TYPE}::mongo`]);
        expect(b.byName.get(`${MARATHON_APP_TYPE}::mongo`)!.inputs.definition.constraints).to.deep.equal([["hostname", "CLUSTER", "10.0.15.13"]]);
        // Nothing of the images, nodeapp or nginx moves with it.
        expect(changed(a.byName, b.byName).filter((n) => /image|nodeapp|nginx/.test(n))).to.deep.equal([]);
    });

    it("the same source never makes a new tag: a second evaluation registers identical image steps", async () => {
        const a = await evaluate(stackConfig());
        const b = await evaluate(stackConfig());
        expect(changed(a.byName, b.byName)).to.deep.equal([]);
    });

    it("on target aws reaches Marathon through mgmt and publishes the app on mgmt's entry", async () => {
        const cfg = stackConfig({ marathonAccess: "mgmt", entry: { enabled: true, port: 80 } });
        const { byName, outputs } = await evaluate(cfg);
        const nodeapp = byName.get(`${MARATHON_APP_TYPE}::nodeapp`)!;
        expect(nodeapp.inputs.marathon.jump).to.include({ host: "10.0.15.10", user: "root" });
        expect(nodeapp.inputs.marathon.jump.privateKey).to.be.a("string").and.not.equal("");
        expect(nodeapp.secretInputs).to.include("marathon");
        const entry = byName.get("pulumi-nodejs:dynamic/exec:RemoteCommand::apps-entry-mgmt-haproxy")!;
        expect(entry.inputs.stdin).to.contain("    server nginx 10.0.15.11:9080 check");
        expect(outputs.appUrl).to.equal("http://10.0.15.10/");
        expect(outputs.apps.marathonAccess).to.equal("through mgmt (SSH jump)");
    });
});
