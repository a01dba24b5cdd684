import * as pulumi from "@pulumi/pulumi";
import { expect } from "chai";
import { execFileSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { providerFor } from "../../../components/exec/provider";
import { COPY_TO_REMOTE, CopyToRemote, LOCAL_COMMAND, LocalCommand, REMOTE_COMMAND, RemoteCommand } from "../../../components/exec/command";
import { mocks } from "../../support/setup";
import { isSecret, settle } from "../../support/outputs";

// eslint-disable-next-line @typescript-eslint/no-require-imports -- require-from-string has no typings here
const requireFromString = require("require-from-string");

describe("exec/provider: the serialized provider", () => {
    it("stays small: it loads impl by absolute path instead of capturing modules", async () => {
        const sf = await pulumi.runtime.serializeFunction(() => providerFor("remote"));
        expect(sf.text.length).to.be.lessThan(2500);
        // What a resource actually stores: the provider object itself.
        const p = providerFor("copy");
        const stored = await pulumi.runtime.serializeFunction(() => p);
        expect(stored.text.length).to.be.lessThan(2500);
        expect(stored.text).to.include(require.resolve("../../../components/exec/impl"));
        expect(stored.text).to.not.include("runSsh");
    });

    it("works when loaded the way the dynamic provider host loads it (require-from-string)", async () => {
        const p = providerFor("local");
        const sf = await pulumi.runtime.serializeFunction(() => p);
        const loaded = requireFromString(sf.text).handler() as pulumi.dynamic.ResourceProvider;
        expect(await loaded.check!({}, { create: "echo hi" })).to.deep.equal({ inputs: { create: "echo hi" }, failures: [] });
        const created = await loaded.create({ create: "echo hi" });
        expect(created.outs).to.deep.equal({ create: "echo hi", stdout: "hi", stderr: "" });
        expect((await loaded.diff!(created.id, created.outs, { create: "echo hi", triggers: [1] })).replaces).to.deep.equal(["triggers"]);
        expect(await loaded.read!(created.id, created.outs)).to.deep.equal({ id: created.id, props: created.outs }); // no check: the stored state
    });

    it("works in a fresh node process elsewhere (no ts-node preloaded), like pulumi-resource-pulumi-nodejs", async () => {
        const p = providerFor("local");
        const sf = await pulumi.runtime.serializeFunction(() => p);
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "exec-provider-"));
        try {
            fs.writeFileSync(path.join(dir, "provider.js"), sf.text);
            const script = [
                `const p = require(${JSON.stringify(require.resolve("require-from-string"))})(require("fs").readFileSync("provider.js", "utf8")).handler();`,
                `p.create({ create: "echo $((6 * 7))" }).then((r) => console.log(JSON.stringify(r.outs)));`,
            ].join("\n");
            const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith("TS_NODE") && k !== "NODE_OPTIONS"));
            const out = execFileSync(process.execPath, ["-e", script], { cwd: dir, env, encoding: "utf8" });
            expect(JSON.parse(out)).to.deep.equal({ create: "echo $((6 * 7))", stdout: "42", stderr: "" });
        } finally {
            fs.rmSync(dir, { recursive: true, force: true });
        }
    });
});

describe("exec/command: resources", () => {
    it("registers the three types with their inputs; the connection is secret", async () => {
        const conn = { host: "10.0.15.11", user: "root", privateKey: "KEY" };
        const remote = new RemoteCommand("r", {
            connection: conn,
            create: "exec bash -s",
            stdin: "echo x",
            triggers: ["t"],
            logging: "none",
            addPreviousOutputInEnv: false,
        });
        new LocalCommand("l", { create: "echo hi", interpreter: ["/bin/bash", "-c"], dir: "/tmp" });
        const copy = new CopyToRemote("c", { connection: conn, source: new pulumi.asset.StringAsset("text"), remotePath: "/etc/x" });
        await settle();
        const r = mocks.named("r");
        expect(r.type).to.equal(REMOTE_COMMAND);
        expect(REMOTE_COMMAND).to.equal("pulumi-nodejs:dynamic/exec:RemoteCommand");
        expect(r.inputs).to.include({ create: "exec bash -s", stdin: "echo x", logging: "none", addPreviousOutputInEnv: false });
        expect(r.inputs.connection).to.deep.equal(conn);
        expect(r.secretInputs).to.include("connection");
        expect(r.inputs.__provider.length).to.be.lessThan(2500);
        expect(mocks.named("l").type).to.equal(LOCAL_COMMAND);
        expect(mocks.named("l").inputs.interpreter).to.deep.equal(["/bin/bash", "-c"]);
        const c = mocks.named("c");
        expect(c.type).to.equal(COPY_TO_REMOTE);
        expect(c.secretInputs).to.include("connection");
        expect(c.inputs.remotePath).to.equal("/etc/x");
        expect(await isSecret(remote.connection)).to.equal(true);
        expect(await isSecret(copy.connection)).to.equal(true);
        expect(pulumi.Output.isInstance(remote.stdout)).to.equal(true);
    });
});
