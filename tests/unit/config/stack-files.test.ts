import { expect } from "chai";
import * as fs from "fs";
import * as path from "path";
import { platformConfigSchema } from "../../../config/schema";
import { validate } from "../../../components/validate";

// js-yaml: a pinned dev dependency (the Pulumi CLI parses these files the same way).
// eslint-disable-next-line @typescript-eslint/no-require-imports -- js-yaml has no typings here (no @types/js-yaml)
const yaml = require("js-yaml") as { load(text: string): any };
const ROOT = path.resolve(__dirname, "../../..");
const MINE = ["target", "hosts", "network", "local", "vagrant", "aws", "existing", "sshUser", "sshPrivateKey"];

/** The `microservice:*` keys of a stack file, as the Pulumi CLI hands them to the program. */
function stackConfig(stack: string): Record<string, unknown> {
    const doc = yaml.load(fs.readFileSync(path.join(ROOT, `Pulumi.${stack}.yaml`), "utf8"));
    return Object.fromEntries(
        Object.entries(doc.config as Record<string, unknown>)
            .filter(([k]) => k.startsWith("microservice:"))
            .map(([k, v]) => [k.slice("microservice:".length), v]),
    );
}

describe("stack files Pulumi.local/vagrant/aws.yaml", () => {
    for (const [stack, target] of [
        ["local", "local"],
        ["vagrant", "vagrant"],
        ["aws", "aws"],
    ]) {
        it(`${stack}: the hosts layer's keys are valid, the target is ${target}, the hosts are the original topology`, () => {
            const raw = stackConfig(stack);
            expect(raw.target).to.equal(target);
            let lines: string[] = [];
            try {
                validate(platformConfigSchema, raw, `Pulumi.${stack}.yaml`);
            } catch (e) {
                lines = (e as Error).message
                    .split("\n")
                    .slice(1)
                    .map((l) => l.trim());
            }
            expect(lines.filter((l) => MINE.some((k) => l.startsWith(k)) || l.includes("unknown key"))).to.deep.equal([]);
            expect((raw.hosts as { name: string }[]).map((h) => h.name)).to.deep.equal(["mgmt", "node1", "node2", "node3"]);
            expect(JSON.stringify(raw)).to.not.match(/PRIVATE KEY|password/i);
        });
    }
    it("aws: the region comes from the aws provider's config, never from the program", () => {
        const doc = yaml.load(fs.readFileSync(path.join(ROOT, "Pulumi.aws.yaml"), "utf8"));
        expect(doc.config["aws:region"]).to.be.a("string");
        for (const f of fs.readdirSync(path.join(ROOT, "components/hosts/aws"))) {
            expect(fs.readFileSync(path.join(ROOT, "components/hosts/aws", f), "utf8"), f).to.not.match(/(us|eu|ap)-(east|west|central|north|south)-\d/);
        }
    });
});
