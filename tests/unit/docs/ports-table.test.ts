import { expect } from "chai";
import * as fs from "fs";
import * as path from "path";
import { hostTarget, stackConfigSchema } from "../../../config/schema";
import { nginxHostOf } from "../../../apps/settings";
import { platformPorts, portLabel, PortUse, Reach } from "../../../components/ports";

const ROOT = path.resolve(__dirname, "../../..");
const DOC = path.join(ROOT, "docs/hosts.md");
const pin = (c: string) => `sha256:${c.repeat(64)}`;

const WHO: Record<Reach, string> = {
    cluster: "the other hosts (aws: the VPC)",
    admin: "the admin network (`aws.adminCidr`)",
    entry: "`apps.entry.allowFrom` (default `aws.adminCidr`)",
};

/** One table row per port, service, place and reach, over configs that turn every port on. */
function expectedRows(): string[] {
    const weave = {
        implementation: "weave",
        weave: {
            scriptSha256: "7df817a9537d037639533934fe31f466712f638cb074444c28c5ce8ee7b9f5a9",
            images: {
                weave: `weaveworks/weave:2.8.1@${pin("1")}`,
                weaveexec: `weaveworks/weaveexec:2.8.1@${pin("2")}`,
                weavedb: `weaveworks/weavedb:latest@${pin("3")}`,
            },
            scope: { enabled: true, image: `weaveworks/scope:1.13.2@${pin("4")}` },
        },
    };
    const uses: PortUse[] = [];
    for (const mesh of [{ implementation: "overlay" }, weave]) {
        for (const protocol of ["journal", "relp"]) {
            const c = stackConfigSchema.parse({ target: "aws", aws: { adminCidr: "198.51.100.0/24" }, mesh, logging: { protocol } });
            uses.push(...platformPorts(c, nginxHostOf(c), hostTarget(c.target)));
        }
    }
    const row = (p: PortUse) =>
        `| ${portLabel(p)} | ${p.service}${p.key ? ` (\`${p.key.join(".")}\`)` : ""} | ${p.on} | ` +
        `${p.reach.length ? p.reach.map((r) => WHO[r]).join("; ") : "this host only (loopback)"} |`;
    // By port (ICMP last), then as the platform lists them.
    const order = (p: PortUse) => (p.protocol === "icmp" ? 65536 : p.from);
    return [...new Set([...uses].sort((a, b) => order(a) - order(b)).map(row))];
}

/** The rows of the table under "## Ports" in docs/hosts.md. */
function documentedRows(): string[] {
    const text = fs.readFileSync(DOC, "utf8");
    const section = /^## Ports\n([\s\S]*?)(?=^## )/m.exec(text);
    if (!section) throw new Error('docs/hosts.md has no "## Ports" section');
    return section[1].split("\n").filter((l) => l.startsWith("| ") && !l.startsWith("| port ") && !l.startsWith("|---"));
}

describe("docs/hosts.md: the Ports table is components/ports.ts's", () => {
    it("lists every port the platform uses, where, and who may reach it (the rows the AWS security groups are made of)", () => {
        const expected = expectedRows();
        expect(documentedRows(), `docs/hosts.md "## Ports" should hold exactly:\n${expected.join("\n")}\n`).to.deep.equal(expected);
    });
});
