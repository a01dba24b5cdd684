import { expect } from "chai";
import * as pulumi from "@pulumi/pulumi";
import { DockerEngine, DockerRegistry } from "../../../components/docker";
import { ExistingHosts } from "../../../components/hosts/existing/hosts";
import { LocalHosts } from "../../../components/hosts/local/hosts";
import { StackSshKey } from "../../../components/hosts/ssh-key";
import { AwsHosts, FlockerEbsVolumes } from "../../../components/aws";
import { VagrantHosts } from "../../../components/vagrant";
import { VagrantMachines } from "../../../packages/vagrant-shim/machines";
import { AppImage } from "../../../components/images";
import { MarathonApp } from "../../../components/marathon";
import { ServerCertificate, StackCa } from "../../../components/pki";
import { FlockerZfsCluster } from "../../../components/volumes";
import { ZooKeeperEnsemble } from "../../../components/zookeeper";
import { MesosCluster } from "../../../components/mesos";
import { OverlayMesh, WeaveMesh } from "../../../components/mesh";
import { RsyslogAggregator } from "../../../components/logging";
import { mocks } from "../../support/setup";
import { settle } from "../../support/outputs";
import { labLayout } from "../provision/fake-host";

/**
 * Every component under components/, and the bundled shim's VagrantMachines, checks its args before
 * it registers itself: bad args leave no trace in the stack, not even the component's own (empty)
 * resource.
 */
describe("components validate their args before they register anything (not even themselves)", () => {
    it("each refuses bad args, naming itself, and nothing reaches the engine", async () => {
        const [mgmt, node1, node2, node3] = labLayout();
        const ca = new StackCa("ok-ca", { host: mgmt });
        const registry = {
            address: pulumi.output("10.0.15.11:5000"),
            username: pulumi.output("u"),
            password: pulumi.secret("p"),
            caCert: pulumi.output(""),
            ready: [],
        };
        await settle();
        const cases: [string, () => unknown][] = [
            ["StackCa", () => new StackCa("bad", { host: mgmt, validityDays: 1 })],
            ["ServerCertificate", () => new ServerCertificate("bad", { ca, host: node1, commonName: "x", ips: [] })],
            ["DockerEngine", () => new DockerEngine("bad", { hosts: [] })],
            ["DockerRegistry", () => new DockerRegistry("bad", { host: node1, settings: { insecure: true, username: "u" }, password: "short" })],
            ["ZooKeeperEnsemble", () => new ZooKeeperEnsemble("bad", { hosts: [node1, node2] })],
            ["AppImage", () => new AppImage("bad", { host: mgmt, context: "/nonexistent", repository: "Bad Repo", registry })],
            ["FlockerZfsCluster", () => new FlockerZfsCluster("bad", { hosts: [], datasets: [] } as any)],
            ["FlockerEbsVolumes", () => new FlockerEbsVolumes("bad", { hosts: [node2, node3], datasets: [], availabilityZone: "" } as any)],
            ["ExistingHosts", () => new ExistingHosts("bad", { hosts: [], privateKey: "k" })],
            ["LocalHosts", () => new LocalHosts("bad", { hosts: [] })],
            ["VagrantHosts", () => new VagrantHosts("bad", { hosts: [], dir: ".v" })],
            ["AwsHosts", () => new AwsHosts("bad", { hosts: [], adminCidr: "198.51.100.0/24" })],
            ["StackSshKey", () => new StackSshKey("bad", { comment: "no spaces allowed" })],
            ["VagrantMachines", () => new VagrantMachines("bad", { dir: "/tmp/a b", spec: {} as any })],
            [
                "MesosCluster",
                () => new MesosCluster("bad", { hosts: [node1], images: { master: "m", agent: "a", marathon: "x" }, marathonPassword: "p" } as any),
            ],
            ["OverlayMesh", () => new OverlayMesh("bad", { hosts: [] } as any)],
            ["WeaveMesh", () => new WeaveMesh("bad", { hosts: [node1], password: "short" } as any)],
            ["RsyslogAggregator", () => new RsyslogAggregator("bad", { hosts: [] } as any)],
            ["MarathonApp", () => new MarathonApp("bad", { marathon: { url: "http://m:8080" }, id: "/a", image: "i", instances: -1, cpus: 0.1, mem: 64 })],
        ];
        for (const [component, make] of cases) {
            mocks.reset();
            expect(make, component).to.throw(new RegExp(`${component} "bad"`));
            await settle();
            expect(
                mocks.resources.map((r) => `${r.type} ${r.name}`),
                component,
            ).to.deep.equal([]);
        }
    });
});
