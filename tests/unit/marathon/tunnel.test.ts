import { expect } from "chai";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { openTunnel, sshArgs, withMarathon } from "../../../components/marathon/tunnel";
import { getApp } from "../../../components/marathon/client";
import { createApp } from "../../../components/marathon/provider";
import { MarathonStandin } from "../../support/marathon-standin";
import { inputs, PASSWORD, USER } from "./fixtures";

const KEY = "-----BEGIN OPENSSH PRIVATE KEY-----\nZmFrZSBrZXkgZm9yIHRlc3Rz\n-----END OPENSSH PRIVATE KEY-----";
const HOST_KEY = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIbWdtdCBob3N0IGtleQ";

// A stand-in for the ssh client: records what it was given and forwards -L itself (no sshd here).
const FAKE_SSH = `#!/usr/bin/env node
const fs = require("fs"), net = require("net");
process.on("SIGTERM", () => process.exit(0));
const argv = process.argv.slice(2);
const key = argv[argv.indexOf("-i") + 1];
const [, lport, thost, tport] = argv[argv.indexOf("-L") + 1].split(":");
const known = argv.find((a) => a.startsWith("UserKnownHostsFile=")).slice("UserKnownHostsFile=".length);
const keyMode = (fs.statSync(key).mode & 0o777).toString(8);
fs.writeFileSync(process.env.FAKE_SSH_RECORD, JSON.stringify({ argv, keyMode, key: fs.readFileSync(key, "utf8"), knownHosts: fs.readFileSync(known, "utf8") }));
net.createServer((c) => {
  const u = net.connect(Number(tport), thost);
  c.pipe(u); u.pipe(c);
  u.on("error", () => c.destroy()); c.on("error", () => u.destroy());
}).listen(Number(lport), "127.0.0.1");
`;

describe("Marathon through an SSH jump host (mgmt)", () => {
    let m: MarathonStandin;
    let dir: string;
    const saved = { PATH: process.env.PATH, REC: process.env.FAKE_SSH_RECORD };
    beforeEach(async () => {
        m = new MarathonStandin({ username: USER, password: PASSWORD });
        await m.start();
        dir = fs.mkdtempSync(path.join(os.tmpdir(), "fake-ssh-"));
        fs.writeFileSync(path.join(dir, "ssh"), FAKE_SSH, { mode: 0o755 });
        process.env.PATH = `${dir}:${saved.PATH}`;
        process.env.FAKE_SSH_RECORD = path.join(dir, "record.json");
    });
    afterEach(async () => {
        process.env.PATH = saved.PATH;
        process.env.FAKE_SSH_RECORD = saved.REC;
        fs.rmSync(dir, { recursive: true, force: true });
        await m.stop();
    });

    it("builds a local forward to Marathon's host:port through the jump host, key by file, never on the command line, the jump host's key pinned", () => {
        expect(
            sshArgs({ host: "203.0.113.10", user: "admin", privateKey: KEY, hostKey: HOST_KEY }, "/tmp/t/key", "/tmp/t/known_hosts", 40123, "10.0.17.11", 8080),
        ).to.deep.equal([
            "-N",
            "-i",
            "/tmp/t/key",
            "-p",
            "22",
            "-L",
            "127.0.0.1:40123:10.0.17.11:8080",
            "-o",
            "ExitOnForwardFailure=yes",
            "-o",
            "BatchMode=yes",
            "-o",
            "IdentitiesOnly=yes",
            "-o",
            "StrictHostKeyChecking=yes",
            "-o",
            "UserKnownHostsFile=/tmp/t/known_hosts",
            "-o",
            "GlobalKnownHostsFile=/dev/null",
            "-o",
            "CheckHostIP=no",
            "-o",
            "ServerAliveInterval=15",
            "-o",
            "ConnectTimeout=15",
            "admin@203.0.113.10",
        ]);
    });

    it("a jump host without a pinned key is refused before ssh runs; one with the wrong key fails with ssh's reason", async () => {
        let msg = "";
        await withMarathon({ url: m.url, jump: { host: "203.0.113.10", privateKey: KEY } as any }, async () => "unreached").catch((e) => (msg = e.message));
        expect(msg).to.equal(
            'Marathon through the jump host 203.0.113.10: jump.hostKey is required (its public key, e.g. "ssh-ed25519 AAAA..."): ' +
                "the tunnel never trusts an unknown host",
        );
        expect(fs.existsSync(process.env.FAKE_SSH_RECORD!), "ssh never started").to.equal(false);
        fs.writeFileSync(
            path.join(dir, "ssh"),
            "#!/bin/sh\necho 'Host key for 203.0.113.10 has changed and you have requested strict checking.' >&2\n" +
                "echo 'Host key verification failed.' >&2\nexit 255\n",
            { mode: 0o755 },
        );
        await withMarathon({ url: m.url, jump: { host: "203.0.113.10", privateKey: KEY, hostKey: HOST_KEY } }, async () => "unreached").catch(
            (e) => (msg = e.message),
        );
        expect(msg).to.contain("SSH tunnel to Marathon through 203.0.113.10 failed (exit 255)").and.contain("Host key verification failed.");
    });

    it("deploys through the tunnel: key in a 0600 file, removed afterwards", async () => {
        const target = new URL(m.url);
        const jump = { host: "203.0.113.10", user: "admin", privateKey: KEY, hostKey: HOST_KEY };
        const { outs } = await createApp(inputs(m.url, { marathon: { url: m.url, username: USER, password: PASSWORD, jump } }));
        expect(outs.tasksRunning).to.equal(2);
        const rec = JSON.parse(fs.readFileSync(process.env.FAKE_SSH_RECORD!, "utf8"));
        expect(rec.keyMode).to.equal("600");
        expect(rec.key).to.equal(KEY + "\n");
        expect(rec.knownHosts).to.equal(`203.0.113.10 ${HOST_KEY}\n`);
        expect(rec.argv.join(" ")).not.to.contain("PRIVATE KEY").and.not.contain(PASSWORD);
        expect(rec.argv).to.include(`admin@203.0.113.10`);
        expect(rec.argv.find((a: string) => a.startsWith("127.0.0.1:"))).to.match(new RegExp(`^127\\.0\\.0\\.1:\\d+:127\\.0\\.0\\.1:${target.port}$`));
        const keyFile = rec.argv[rec.argv.indexOf("-i") + 1];
        expect(fs.existsSync(path.dirname(keyFile))).to.equal(false);
        expect(m.requests.length).to.be.greaterThan(2);
    });

    it("closes the tunnel after use, and reports a jump host that cannot be reached", async () => {
        const t = await openTunnel({ url: m.url, username: USER, password: PASSWORD, jump: { host: "203.0.113.10", privateKey: KEY, hostKey: HOST_KEY } });
        try {
            expect(await getApp(t.access, "/nope")).to.equal(undefined);
        } finally {
            await t.close();
        }
        const forwarded = Number(new URL(t.access.url).port);
        const refused = await fetch(`http://127.0.0.1:${forwarded}/ping`).then(
            () => false,
            () => true,
        );
        expect(refused).to.equal(true);
        fs.writeFileSync(path.join(dir, "ssh"), "#!/bin/sh\necho 'ssh: connect to host 203.0.113.10 port 22: Connection refused' >&2\nexit 255\n", {
            mode: 0o755,
        });
        let msg = "";
        await withMarathon({ url: m.url, jump: { host: "203.0.113.10", privateKey: KEY, hostKey: HOST_KEY } }, async () => "unreached").catch(
            (e) => (msg = e.message),
        );
        expect(msg).to.equal("SSH tunnel to Marathon through 203.0.113.10 failed (exit 255): ssh: connect to host 203.0.113.10 port 22: Connection refused");
    });
});
