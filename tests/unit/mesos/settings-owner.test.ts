import { expect } from "chai";
import * as pulumi from "@pulumi/pulumi";
import { StackConfig, stackConfigSchema } from "../../../config/schema";
import { MesosCluster, mesosSettingsSchema } from "../../../components/mesos";
import { validate } from "../../../components/validate";
import { deployMesos } from "../../../stack/mesos";
import { evaluate, stackConfig } from "../../support/program";
import { mocks } from "../../support/setup";
import { settle } from "../../support/outputs";
import { IMAGES, layers, layout, PASSWORD, registry, stackCa, ZK_PASSWORD } from "./fixtures";

/**
 * Issue 14.1: the `mesos` config section's schema is MesosCluster's `settings` schema, so every
 * default has one owner and the stack copies no field.
 */
describe("MesosCluster settings: one schema with the stack's `mesos` section", () => {
    it("a stack with no mesos config runs with exactly the defaults the component's own schema gives (mirroring included)", async () => {
        const cfg = validate(stackConfigSchema, { mesh: { implementation: "overlay" }, mesos: { images: IMAGES } }, "stack config") as StackConfig;
        const hosts = layout();
        const stack = deployMesos(cfg, hosts, layers(hosts, cfg)).cluster;
        await settle();
        expect(stack.settings).to.deep.equal(mesosSettingsSchema.parse({ images: IMAGES }));
        // The stack mirrors today (mirrorToRegistry true), and so does the component left to its default.
        expect(stack.settings.mirrorToRegistry).to.equal(true);
        expect(mocks.resources.map((r) => r.name)).to.include("mesos-mgmt-mesos-mirror");

        mocks.reset();
        const own = layout();
        const alone = new MesosCluster("alone", {
            hosts: own,
            images: IMAGES,
            ca: stackCa(own),
            registry: registry(),
            marathonPassword: pulumi.secret(PASSWORD),
            zookeeperPassword: pulumi.secret(ZK_PASSWORD),
        });
        await settle();
        const { images: _images, ...defaults } = stack.settings;
        expect(alone.settings).to.deep.equal(defaults);
        expect(mocks.resources.map((r) => r.name)).to.include("alone-mgmt-mesos-mirror");
    });

    it("the component without a registry names the setting to turn mirroring off", () => {
        const hosts = layout();
        expect(
            () => new MesosCluster("bad", { hosts, images: IMAGES, ca: stackCa(hosts), marathonPassword: PASSWORD, zookeeperPassword: ZK_PASSWORD }),
        ).to.throw(
            new RegExp(
                /MesosCluster "bad": invalid input\n\s+registry: required when mirrorToRegistry is true \(the default\)[^\n]*settings: \{ /.source +
                    /mirrorToRegistry: false \}/.source,
            ),
        );
    });

    it("an invalid mesos key fails the stack naming mesos.<key> and the expected value, before any resource is registered", async () => {
        const cfg = stackConfig({}, "node2", { mesos: { images: IMAGES, masterPort: 70000, agentPrivileges: "root" } });
        let msg = "";
        try {
            await evaluate(cfg);
        } catch (e) {
            msg = (e as Error).message;
        }
        expect(msg).to.match(/mesos\.masterPort: [^\n]*65535[^\n]*, got 70000/);
        expect(msg).to.contain('mesos.agentPrivileges: expected privileged or capabilities, got "root"');
        expect(mocks.resources.map((r) => `${r.type} ${r.name}`)).to.deep.equal([]);
    });

    it("the component refuses the same bad key under `settings`, before any resource is registered", () => {
        const hosts = layout();
        mocks.reset();
        expect(
            () =>
                new MesosCluster("bad", {
                    hosts,
                    images: IMAGES,
                    ca: stackCa(hosts),
                    registry: registry(),
                    marathonPassword: PASSWORD,
                    zookeeperPassword: ZK_PASSWORD,
                    settings: { masterPort: 70000 },
                }),
        ).to.throw(/MesosCluster "bad": invalid input\n\s+settings\.masterPort: [^\n]*65535[^\n]*, got 70000/);
        expect(
            mocks.resources.filter(
                (r) => r.type !== "microservice:index:StackCa" && !/^(mgmt|node\d)-(ready|fake)$/.test(r.name) && !r.name.startsWith("stack-ca"),
            ),
        ).to.deep.equal([]);
    });
});
