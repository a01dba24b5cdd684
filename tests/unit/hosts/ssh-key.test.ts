import { expect } from "chai";
import { execFileSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { keygenScript, parseKeyPair, StackSshKey } from "../../../components/hosts/ssh-key";
import { readyScript } from "../../../components/hosts/ready";
import { sshCommand } from "../../../components/hosts/spec";
import { mocks } from "../../support/setup";
import { isSecret, valueOf } from "../../support/outputs";
import { hostMocks, PRIVATE_KEY, PUBLIC_KEY } from "./support";

describe("stack SSH key and readiness", () => {
    it("the keygen script (run here) prints a fresh ed25519 pair that ssh-keygen accepts, leaving no file behind", () => {
        const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "keygen-tmp-"));
        const out = execFileSync("bash", ["-c", keygenScript("microservice-dev")], { encoding: "utf8", env: { ...process.env, TMPDIR: tmp } });
        expect(fs.readdirSync(tmp)).to.deep.equal([]);
        fs.rmdirSync(tmp);
        const pair = parseKeyPair(out);
        expect(pair.publicKey).to.match(/^ssh-ed25519 \S+ microservice-dev$/);
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "key-check-"));
        try {
            fs.writeFileSync(path.join(dir, "k"), pair.privateKey, { mode: 0o600 });
            // The public half derived from the private one is the one printed.
            expect(
                execFileSync("ssh-keygen", ["-y", "-f", path.join(dir, "k")], { encoding: "utf8" })
                    .trim()
                    .split(" ")
                    .slice(0, 2),
            ).to.deep.equal(pair.publicKey.split(" ").slice(0, 2));
        } finally {
            fs.rmSync(dir, { recursive: true, force: true });
        }
        expect(parseKeyPair(execFileSync("bash", ["-c", keygenScript("x")], { encoding: "utf8" })).privateKey).to.not.equal(pair.privateKey);
    });

    it("refuses output that is not a key pair", () => {
        // Nothing at all: ssh-keygen did not run (a mock without that stdout); the error says so.
        expect(() => parseKeyPair("")).to.throw(/StackSshKey: the ssh-keygen command printed nothing\. Under Pulumi's mocks/);
        expect(() => parseKeyPair(undefined)).to.throw(/printed nothing/);
        expect(() => parseKeyPair(PRIVATE_KEY + "ssh-rsa AAAA x\n")).to.throw(/did not print an ed25519 key pair/);
    });

    it("StackSshKey: silent command, private half secret, public half plain", async () => {
        hostMocks();
        const key = new StackSshKey("k");
        expect(await valueOf(key.privateKey)).to.equal(PRIVATE_KEY);
        expect(await valueOf(key.publicKey)).to.equal(PUBLIC_KEY);
        expect(await isSecret(key.privateKey)).to.equal(true);
        expect(await isSecret(key.publicKey)).to.equal(false);
        expect(mocks.named("k-keygen").inputs.logging).to.equal("none");
        expect(() => new StackSshKey("bad", { comment: "a b'c" })).to.throw(/comment: expected letters, digits, @ \. _ -, got "a b'c"/);
    });

    it("the ready script waits for boot with a bound (systemd, then cloud-init where there is one)", () => {
        const s = readyScript();
        expect(s).to.contain("timeout 300 systemctl is-system-running --wait");
        expect(s).to.contain("running|degraded");
        expect(s).to.contain("timeout 300 cloud-init status --wait");
        expect(s).to.not.match(/\bsleep\b/);
        // On this machine (no systemd as PID 1, no cloud-init) the script still ends; what it prints is the host name.
        const out = execFileSync("bash", ["-c", s.replace("command -v systemctl", "false")], { encoding: "utf8" });
        expect(out).to.equal(`ready: ${os.hostname()}\n`);
    });

    it("ssh command lines: port, key file and a jump host through ProxyCommand (ProxyJump would not pass -i)", () => {
        expect(sshCommand({ user: "root", host: "10.0.15.11", keyFile: "k" })).to.equal("ssh -i k root@10.0.15.11");
        expect(sshCommand({ user: "root", host: "127.0.0.1", port: 2200, keyFile: "k" })).to.equal("ssh -i k -p 2200 root@127.0.0.1");
        expect(sshCommand({ user: "u", host: "10.0.17.11", keyFile: "k", jump: { user: "u", host: "203.0.113.10", port: 2022 } })).to.equal(
            'ssh -i k -o ProxyCommand="ssh -i k -p 2022 -W %h:%p u@203.0.113.10" u@10.0.17.11',
        );
    });
});
