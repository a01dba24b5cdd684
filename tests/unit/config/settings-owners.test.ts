import { expect } from "chai";
import { StackConfig, stackConfigSchema } from "../../../config/schema";
import { DockerEngine, DockerRegistry, dockerSettingsSchema, registrySettingsSchema } from "../../../components/docker";
import { ZooKeeperEnsemble, zookeeperSettingsSchema } from "../../../components/zookeeper";
import { validate } from "../../../components/validate";
import { fakeHost } from "../provision/fake-host";
import { valueOf } from "../../support/outputs";

/**
 * Issue 14.1: the `zookeeper`, `docker` and `registry` config sections' schemas are the components'
 * `settings` schemas, so every default has one owner and the stack copies no field.
 */
describe("ZooKeeper, Docker and registry settings: one schema with the stack's section", () => {
    const cfg = () => validate(stackConfigSchema, { mesh: { implementation: "overlay" } }, "stack config") as StackConfig;
    const zk = (name: string, last: number, id: number) => fakeHost(name, `10.0.15.${last}`, ["zookeeper"], { zookeeperId: id });

    it("a stack without the sections gets exactly the components' own defaults", () => {
        const c = cfg();
        expect(c.zookeeper).to.deep.equal(zookeeperSettingsSchema.parse({}));
        expect(c.docker).to.deep.equal(dockerSettingsSchema.parse({}));
        expect(c.registry).to.deep.equal(registrySettingsSchema.parse({}));
        expect(c.zookeeper).to.include({ clientPort: 2181, tickTime: 2000, initLimit: 5, syncLimit: 2, dataDir: "/var/lib/zookeeper", adminServerPort: 8181 });
        expect(c.docker).to.deep.include({ logDriver: "json-file", logOpts: { "max-size": "10m", "max-file": "3" }, insecureRegistries: [] });
        expect(c.registry).to.deep.include({ port: 5000, insecure: false, username: "microservice", gcSchedule: "Sun *-*-* 03:00:00", dnsNames: [] });
    });

    it("ZooKeeperEnsemble: no settings and the stack's parsed section configure the same ensemble", () => {
        const alone = new ZooKeeperEnsemble("alone", { hosts: [zk("a", 11, 1)] });
        const fromStack = new ZooKeeperEnsemble("stack", { hosts: [zk("b", 12, 1)], settings: cfg().zookeeper });
        expect(alone.settings).to.deep.equal(fromStack.settings);
    });

    it("DockerEngine and DockerRegistry: no settings and the stack's parsed sections render the same", async () => {
        const alone = new DockerEngine("alone", { hosts: [fakeHost("a", "10.0.15.11")] });
        const fromStack = new DockerEngine("stack", { hosts: [fakeHost("b", "10.0.15.12")], settings: cfg().docker });
        expect(await valueOf(alone.daemonJson)).to.equal(await valueOf(fromStack.daemonJson));
        const r1 = new DockerRegistry("r1", {
            host: fakeHost("c", "10.0.15.13", ["registry"]),
            settings: { insecure: true },
            password: "correct-horse-battery",
        });
        const r2 = new DockerRegistry("r2", {
            host: fakeHost("d", "10.0.15.13", ["registry"]),
            settings: { ...cfg().registry, insecure: true },
            password: "correct-horse-battery",
        });
        expect(await valueOf(r1.address)).to.equal(await valueOf(r2.address));
        expect(await valueOf(r1.username)).to.equal("microservice");
        expect(r1.insecure).to.equal(true);
    });

    it("an invalid key fails the component naming settings.<key> and the expected value", () => {
        expect(() => new ZooKeeperEnsemble("bad", { hosts: [zk("a", 11, 1)], settings: { dataDir: "/etc" } })).to.throw(
            /settings\.dataDir: expected a directory of its own/,
        );
        expect(() => new DockerEngine("bad", { hosts: [fakeHost("a", "10.0.15.11")], settings: { logDriver: "Json File" } })).to.throw(
            /settings\.logDriver: expected a Docker log driver name/,
        );
        expect(() => new DockerEngine("bad2", { hosts: [fakeHost("a", "10.0.15.11")], logDriver: "json-file" } as never)).to.throw(/logDriver/);
    });
});
