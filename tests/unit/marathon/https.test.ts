import { expect } from "chai";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import * as pulumi from "@pulumi/pulumi";
import { createApp } from "../../../components/marathon/provider";
import { marathonAccess } from "../../../components/marathon";
import { MarathonStandin } from "../../support/marathon-standin";
import { valueOf } from "../../support/outputs";
import { issue, makeCa } from "../mesos/tls-fixtures";
import { inputs, PASSWORD, USER } from "./fixtures";

const KEY = "-----BEGIN OPENSSH PRIVATE KEY-----\nZmFrZSBrZXkgZm9yIHRlc3Rz\n-----END OPENSSH PRIVATE KEY-----";
const HOST_KEY = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIbWdtdCBob3N0IGtleQ";
// The ssh stand-in of tunnel.test.ts: forwards -L itself (no sshd here).
const FAKE_SSH = `#!/usr/bin/env node
const net = require("net");
process.on("SIGTERM", () => process.exit(0));
const argv = process.argv.slice(2);
const [, lport, thost, tport] = argv[argv.indexOf("-L") + 1].split(":");
net.createServer((c) => {
  const u = net.connect(Number(tport), thost);
  c.pipe(u); u.pipe(c);
  u.on("error", () => c.destroy()); c.on("error", () => u.destroy());
}).listen(Number(lport), "127.0.0.1");
`;

/**
 * MarathonApp's client against Marathon over HTTPS (the stand-in serving a certificate from a test
 * CA, as MesosCluster's Marathon serves one from the stack CA): it trusts the CA it is given and
 * nothing else, directly and through the SSH tunnel, where the certificate must name Marathon's own
 * address although the socket is the tunnel's.
 */
describe("MarathonApp over HTTPS, trusting the stack CA", () => {
    let dir: string;
    let ca: { ca: string; caKey: string };
    let caPem: string;
    let m: MarathonStandin;
    const saved = process.env.PATH;
    const serve = async (host: string, certIp = host) => {
        const server = issue(dir, ca, `server-${certIp}`, certIp);
        m = new MarathonStandin({ username: USER, password: PASSWORD });
        return m.start(0, host, { cert: fs.readFileSync(server.cert), key: fs.readFileSync(server.key) });
    };
    const failure = (p: Promise<unknown>) =>
        p.then(
            () => "(no error)",
            (e: Error) => e.message,
        );

    before(() => {
        dir = fs.mkdtempSync(path.join(os.tmpdir(), "marathon-https-"));
        ca = makeCa(dir);
        caPem = fs.readFileSync(ca.ca, "utf8");
        fs.writeFileSync(path.join(dir, "ssh"), FAKE_SSH, { mode: 0o755 });
    });
    after(() => fs.rmSync(dir, { recursive: true, force: true }));
    afterEach(async () => {
        process.env.PATH = saved;
        await m?.stop();
    });

    it("deploys with the CA; without it (system CAs) or with another CA the request fails on the certificate, before any credentials are sent", async () => {
        const url = await serve("127.0.0.1");
        expect(url).to.match(/^https:\/\/127\.0\.0\.1:\d+$/);
        const { outs } = await createApp(inputs(url, { marathon: { url, username: USER, password: PASSWORD, caCert: caPem } }));
        expect(outs.tasksRunning).to.equal(2);
        const seen = m.requests.length;

        expect(await failure(createApp(inputs(url)))).to.match(
            /^Marathon PUT \/v2\/apps\/application\/app\/nodeapp at https:\/\/127\.0\.0\.1:\d+: unable to verify the first certificate$/,
        );
        const other = fs.readFileSync(makeCa(dir, "other-ca").ca, "utf8");
        expect(await failure(createApp(inputs(url, { marathon: { url, username: USER, password: PASSWORD, caCert: other } })))).to.contain(
            "unable to verify the first certificate",
        );
        expect(m.requests.length, "the stand-in never saw those requests").to.equal(seen);
    });

    it("through the tunnel: the certificate must name Marathon's address (127.0.0.2), not the tunnel's (127.0.0.1)", async function () {
        process.env.PATH = `${dir}:${saved}`;
        const jump = { host: "203.0.113.10", privateKey: KEY, hostKey: HOST_KEY };
        const url = await serve("127.0.0.2");
        const { outs } = await createApp(inputs(url, { marathon: { url, username: USER, password: PASSWORD, caCert: caPem, jump } }));
        expect(outs.tasksRunning).to.equal(2);
        await m.stop();

        // A certificate of the CA for another address, served at 127.0.0.2: refused.
        const wrong = await serve("127.0.0.2", "127.0.0.3");
        expect(await failure(createApp(inputs(wrong, { marathon: { url: wrong, username: USER, password: PASSWORD, caCert: caPem, jump } })))).to.contain(
            "IP: 127.0.0.2 is not in the cert's list: 127.0.0.3",
        );
    });

    it("marathonAccess carries the scheduler's CA when it has one, and none for plain HTTP", async () => {
        const endpoint = (url: string, caCert?: string) => ({
            marathonUrl: pulumi.output(url),
            marathonUsername: pulumi.output(USER),
            marathonPassword: pulumi.secret(PASSWORD),
            ...(caCert === undefined ? {} : { marathonCaCert: pulumi.output(caCert) }),
        });
        expect(await valueOf(marathonAccess(endpoint("https://10.0.15.11:8443", caPem)))).to.deep.equal({
            url: "https://10.0.15.11:8443",
            username: USER,
            password: PASSWORD,
            caCert: caPem,
        });
        expect(await valueOf(marathonAccess(endpoint("http://10.0.15.11:8080", "")))).to.deep.equal({
            url: "http://10.0.15.11:8080",
            username: USER,
            password: PASSWORD,
        });
        expect(await valueOf(marathonAccess(endpoint("http://10.0.15.11:8080")))).to.deep.equal({
            url: "http://10.0.15.11:8080",
            username: USER,
            password: PASSWORD,
        });
    });
});
