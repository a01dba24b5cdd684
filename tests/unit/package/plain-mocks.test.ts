import { expect } from "chai";
import { spawn } from "child_process";
import * as path from "path";
import { MOCK_PEM } from "../../../components/testing";
import { ROOT } from "./checkout";

type Result = { caCert: string; certPem: string; daemonJson: string; servers: string; localPrivateKey: string; errors: string[] };

/** Runs a consumer's unit test in its own process (its own mocks, not the suite's). */
function consumerTest(mode: "plain" | "platform"): Promise<Result> {
    return new Promise((resolve, reject) => {
        const child = spawn(process.execPath, ["-r", "ts-node/register/transpile-only", path.join(__dirname, "plain-mocks-program.ts"), mode], { cwd: ROOT });
        let out = "";
        let err = "";
        child.stdout.on("data", (d) => (out += d));
        child.stderr.on("data", (d) => (err += d));
        // (Its exit status is not the point: Pulumi's runtime fails a program whose outputs never resolved.)
        child.on("close", () => {
            const line = out.split("\n").find((l) => l.startsWith("{"));
            if (line) resolve(JSON.parse(line));
            else reject(new Error(`no result from the consumer test (${mode}):\n${out}\n${err}`));
        });
    });
}

describe("the components under a consumer's mocks (own process)", function () {
    this.timeout(120000);
    let plain: Result;
    let platform: Result;
    before(async () => {
        [plain, platform] = await Promise.all([consumerTest("plain"), consumerTest("platform")]);
    });

    it("Pulumi's plain mocks (state = inputs): steps build with an empty payload; the key parser says its stdout must be mocked", () => {
        const r = plain;
        expect(
            r.errors.filter((e) => /Cannot read properties of undefined/.test(e)),
            r.errors.join("\n"),
        ).to.deep.equal([]);
        expect(r.caCert).to.equal("");
        expect(r.certPem).to.equal("");
        expect(r.daemonJson).to.equal("string");
        expect(r.servers).to.equal("10.0.15.11:2181");
        // A key pair cannot be made up: LocalHosts' key fails, naming the cause and the cure.
        expect(r.localPrivateKey).to.equal("(never resolved)");
        expect(r.errors.length, r.errors.join("\n")).to.be.greaterThan(0);
        for (const e of r.errors) {
            expect(e).to.match(/(StackSshKey|SshHostKey): the ssh-keygen command printed nothing/);
            expect(e).to.contain("mock that command's stdout");
            expect(e).to.contain("microservice-platform/testing");
            expect(e).to.not.contain("openssh-client");
        }
    });

    it("microservice-platform/testing's PlatformMocks: everything resolves as the real commands would print it", () => {
        const r = platform;
        expect(r.errors).to.deep.equal([]);
        expect(r.caCert).to.equal(MOCK_PEM.ca);
        expect(r.certPem).to.equal(MOCK_PEM.cert);
        expect(r.localPrivateKey).to.equal("-----BEGIN OPENSSH PRIVATE KEY-----");
    });
});
