import { expect } from "chai";
import * as crypto from "crypto";
import * as fs from "fs";
import * as path from "path";
import { toDefinition } from "../../../components/marathon/definition";
import { definitionErrors, validateDefinition } from "../../../components/marathon/schema";
import { nodeappSpec } from "./fixtures";

const COPY = path.join(__dirname, "../../../components/marathon/schema/AppDefinition.json");
const SHARED = path.join(__dirname, "../../../../shared/marathon-schema/AppDefinition.json");
const SHA = "3f16c46fd876a03a2fbf471d1dc51820e8f177c4589a82530f54482716e49c4e";
const sha = (f: string) => crypto.createHash("sha256").update(fs.readFileSync(f)).digest("hex");

describe("Marathon schema copy and validation", () => {
    it("the committed copy is byte-for-byte the shared AppDefinition.json (sha256)", () => {
        expect(sha(COPY)).to.equal(SHA);
        expect(fs.readFileSync(path.join(path.dirname(COPY), "README.md"), "utf8"))
            .to.contain(SHA)
            .and.contain("de213f34ddcfe7cc13c6cd737aa692d88a6e7dec");
        if (fs.existsSync(SHARED)) expect(sha(SHARED)).to.equal(sha(COPY));
    });

    it("accepts what toDefinition makes for each shape we use (bridge, host, mesh network, volume, ports)", () => {
        expect(definitionErrors(toDefinition(nodeappSpec()))).to.deep.equal([]);
        const all = toDefinition(
            nodeappSpec({
                network: { mode: "container", name: "mesh" },
                portMappings: [{ containerPort: 80, hostPort: 9080, name: "http" }],
                volumes: [{ containerPath: "/data/db", hostPath: "/flocker/mongo", mode: "RW" }],
                labels: { app: "nodeapp" },
                upgradeStrategy: { minimumHealthCapacity: 0, maximumOverCapacity: 0 },
                args: ["--port", "3000"],
            }),
        );
        expect(definitionErrors(all)).to.deep.equal([]);
        expect(definitionErrors(toDefinition(nodeappSpec({ network: { mode: "host" } })))).to.deep.equal([]);
    });

    it("always carries id and never version", () => {
        const d = toDefinition(nodeappSpec());
        expect(d.id).to.equal("/application/app/nodeapp");
        expect(d).not.to.have.property("version");
        const { id: _id, ...noId } = d;
        expect(definitionErrors(noId)).to.deep.equal(["/: must have required property 'id'"]);
    });

    it("names every violation and the app", () => {
        const d: any = toDefinition(nodeappSpec());
        d.upgradeStrategy.minimumHealthCapacity = 2;
        d.container.docker.parameters.push({ key: "", value: "x" });
        d.networks = [{ mode: "overlay" }];
        d.healthChecks[0].protocol = "GRPC";
        d.extra = true;
        expect(() => validateDefinition(d, 'MarathonApp "nodeapp"')).to.throw(
            new RegExp(
                /MarathonApp "nodeapp" \/application\/app\/nodeapp fails Marathon's AppDefinition schema:[\s\S]*\/: must NOT have additional /.source +
                    /properties \("extra"\)[\s\S]*\/container\/docker\/parameters\/3\/key: must NOT have fewer than 1 /.source +
                    /characters[\s\S]*\/upgradeStrategy\/minimumHealthCapacity: must be <= 1/.source,
            ),
        );
        const lines = definitionErrors(d);
        expect(lines).to.include("/networks/0/mode: must be equal to one of the allowed values (container, container/bridge, host)");
        expect(lines.some((l) => l.startsWith("/healthChecks/0/protocol"))).to.equal(true);
    });
});
