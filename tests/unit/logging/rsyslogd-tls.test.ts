import { expect } from "chai";
import { ChildProcess, execFileSync, spawn } from "child_process";
import * as fs from "fs";
import * as net from "net";
import * as os from "os";
import * as path from "path";
import { baseConf, ClientSpec, dockerConf, serverConf, ServerSpec } from "../../../components/logging/render";
import type { CertificateUsage } from "../../../components/pki/ops";
import { freePort, issue, makeCa } from "./test-pki";

/**
 * The rendered configurations on a real rsyslogd (Debian's rsyslog, rsyslog-gnutls, rsyslog-relp):
 * one server and one forwarder per case on loopback, unprivileged ports, every path under a temp
 * dir. tls "mutual" takes a forwarder whose certificate the stack CA issued for a permitted name,
 * over TCP and RELP, and refuses one with no certificate, one from another CA, one for a name
 * that is not a stack host and one whose certificate is for servers (serverAuth), not clients.
 */

const RSYSLOGD = "/usr/sbin/rsyslogd";
const MODULE_DIRS = ["/usr/lib/x86_64-linux-gnu/rsyslog", "/usr/lib/aarch64-linux-gnu/rsyslog", "/usr/lib/rsyslog"];
const NEEDED = ["lmnsd_gtls.so", "imrelp.so", "omrelp.so"];

function missing(): string | undefined {
    if (!fs.existsSync(RSYSLOGD)) return `no ${RSYSLOGD}`;
    const dir = MODULE_DIRS.find((d) => fs.existsSync(path.join(d, "imtcp.so")));
    const lacking = NEEDED.filter((m) => !dir || !fs.existsSync(path.join(dir, m)));
    if (lacking.length) return `rsyslog modules missing: ${lacking.join(", ")}`;
    try {
        execFileSync("openssl", ["version"], { stdio: "ignore" });
    } catch {
        return "no openssl";
    }
    return undefined;
}

/** Every absolute path the renderers write, moved under `root`. */
function relocate(conf: string, root: string): string {
    return conf.replace(/"\/(etc\/microservice|var\/log|var\/spool\/rsyslog)\b/g, `"${root}/$1`);
}

interface Instance {
    name: string;
    root: string;
    proc?: ChildProcess;
}

/** One rsyslogd: the rendered drop-ins (relocated), its own work dir and pid file; its own messages go to stderr.log. */
function writeInstance(tmp: string, name: string, dropIns: string[], files: Record<string, string>): Instance {
    const root = path.join(tmp, name);
    for (const [p, content] of Object.entries(files)) {
        fs.mkdirSync(path.dirname(root + p), { recursive: true });
        fs.writeFileSync(root + p, content, { mode: 0o600 });
    }
    fs.mkdirSync(path.join(root, "rsyslog.d"), { recursive: true });
    fs.mkdirSync(path.join(root, "work"), { recursive: true });
    dropIns.forEach((c, i) => fs.writeFileSync(path.join(root, "rsyslog.d", `${i}.conf`), relocate(c, root)));
    fs.writeFileSync(path.join(root, "rsyslog.conf"), `global(workDirectory="${root}/work")\n$IncludeConfig ${root}/rsyslog.d/*.conf\n`);
    const check = spawnSyncText(RSYSLOGD, ["-N1", "-f", path.join(root, "rsyslog.conf")]);
    if (check.status !== 0) throw new Error(`${name}: rsyslogd -N1 refused the rendered configuration:\n${check.out}`);
    return { name, root };
}

function spawnSyncText(cmd: string, args: string[]): { status: number; out: string } {
    try {
        return { status: 0, out: execFileSync(cmd, args, { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] }) };
    } catch (e: any) {
        return { status: e.status ?? 1, out: `${e.stdout ?? ""}${e.stderr ?? ""}` };
    }
}

function start(i: Instance): void {
    const err = fs.openSync(path.join(i.root, "stderr.log"), "a");
    i.proc = spawn(RSYSLOGD, ["-n", "-f", path.join(i.root, "rsyslog.conf"), "-i", path.join(i.root, "rsyslogd.pid")], { stdio: ["ignore", "ignore", err] });
    fs.closeSync(err);
}

/** What rsyslogd said about itself (errors, refusals). */
const said = (i: Instance) => (fs.existsSync(path.join(i.root, "stderr.log")) ? fs.readFileSync(path.join(i.root, "stderr.log"), "utf8") : "");

async function poll<T>(what: string, seconds: number, f: () => T | undefined): Promise<T> {
    const end = Date.now() + seconds * 1000;
    for (;;) {
        const v = f();
        if (v !== undefined) return v;
        if (Date.now() > end) throw new Error(`timed out after ${seconds} s: ${what}`);
        await new Promise((r) => setTimeout(r, 200));
    }
}

const connects = (port: number) =>
    new Promise<boolean>((resolve) => {
        const s = net.connect(port, "127.0.0.1", () => (s.destroy(), resolve(true)));
        s.on("error", () => resolve(false));
    });

/** Waits until `i` accepts connections on `port` (20 s at most; the failure carries what rsyslogd said). */
async function listening(i: Instance, port: number): Promise<void> {
    const end = Date.now() + 20000;
    while (!(await connects(port))) {
        if (Date.now() > end) throw new Error(`${i.name} does not listen on ${port}: ${said(i)}`);
        await new Promise((r) => setTimeout(r, 200));
    }
}

/** One line as Docker's syslog driver sends it (rfc3164, tag docker/<app>) into the forwarder's loopback input. */
function send(port: number, line: string): Promise<void> {
    return new Promise((resolve, reject) => {
        const s = net.connect(port, "127.0.0.1", () => s.end(`<14>Dec  2 03:00:00 box docker/tlsapp[1]: ${line}\n`, () => resolve()));
        s.on("error", reject);
    });
}

const remoteLines = (server: Instance, host: string): string => {
    const base = path.join(server.root, "var/log/remote", host);
    if (!fs.existsSync(base)) return "";
    const found = execFileSync("find", [base, "-name", "docker.log", "-path", "*tlsapp*"], { encoding: "utf8" }).trim();
    return found
        ? found
              .split("\n")
              .map((f) => fs.readFileSync(f, "utf8"))
              .join("")
        : "";
};

describe("rsyslogd with the rendered TLS configurations (real rsyslogd on loopback)", function () {
    this.timeout(120000);
    let tmp: string;
    const instances: Instance[] = [];

    before(function () {
        const why = missing();
        if (why) {
            console.log(`      skipped: ${why} (apt-get install -y rsyslog rsyslog-gnutls rsyslog-relp openssl)`);
            this.skip();
        }
        tmp = fs.mkdtempSync(path.join(os.tmpdir(), "rsyslogd-tls-"));
    });

    after(async () => {
        for (const i of instances) {
            if (i.proc && i.proc.exitCode === null) {
                const gone = new Promise((r) => i.proc!.once("exit", r));
                i.proc.kill("SIGTERM");
                await Promise.race([gone, new Promise((r) => setTimeout(r, 5000))]);
                if (i.proc.exitCode === null) i.proc.kill("SIGKILL");
            }
        }
        if (tmp && !process.env.KEEP_RSYSLOGD_TLS) fs.rmSync(tmp, { recursive: true, force: true });
    });

    it("tls \"mutual\" takes a CA-signed client certificate (TCP and RELP); refuses none, another CA's, an unlisted name's, a server-only one", async () => {
        const ca = makeCa(path.join(tmp, "ca"), "microservice stack CA");
        const otherCa = makeCa(path.join(tmp, "other-ca"), "someone else's CA");
        const caPem = fs.readFileSync(path.join(ca, "ca.crt"), "utf8");
        const [port, relpPort] = [await freePort(), await freePort()];
        const keyPath = (name: string) => `/etc/microservice/tls/logging-${name}/key.pem`;
        const permitted = ["server", "good", "goodrelp", "nocert", "foreign", "foreignrelp", "serverusage"];

        // The server, as on the log server host (its own forwarder goes nowhere here).
        const serverKey = keyPath("tls");
        const serverRoot = path.join(tmp, "server");
        const serverSpec: ServerSpec = { port, relpPort, allowedSenders: ["127.0.0.1"], tls: "mutual", keyPath: serverKey, permittedPeers: permitted };
        const serverPem = issue(ca, serverRoot + serverKey, "server", "server");
        const own: ClientSpec = {
            host: "server",
            localPort: await freePort(),
            target: { protocol: "tcp", address: "127.0.0.1", port: 9 },
            queueMaxDiskSpace: "16m",
            forwardJournal: [],
        };
        const server = writeInstance(tmp, "server", [baseConf(own), serverConf(serverSpec)], {
            "/etc/microservice/logging/ca.pem": caPem,
            "/etc/microservice/logging/server.pem": serverPem,
        });
        instances.push(server);
        start(server);
        for (const p of [port, relpPort]) await listening(server, p);

        // Forwarders: [name, protocol, certificate from (none: tls "server", presents nothing), its usage, accepted].
        const cases: [string, "tcp" | "relp", string | undefined, CertificateUsage, boolean][] = [
            ["good", "tcp", ca, "client", true],
            ["goodrelp", "relp", ca, "client", true],
            ["nocert", "tcp", undefined, "client", false],
            ["foreign", "tcp", otherCa, "client", false],
            ["foreignrelp", "relp", otherCa, "client", false],
            ["unlisted", "tcp", ca, "client", false],
            ["serverusage", "tcp", ca, "server", false],
        ];
        const clients: { name: string; port: number; accepted: boolean; inst: Instance }[] = [];
        for (const [name, protocol, issuer, usage, accepted] of cases) {
            const root = path.join(tmp, name);
            const files: Record<string, string> = { "/etc/microservice/logging/ca.pem": caPem };
            if (issuer) files["/etc/microservice/logging/client.pem"] = issue(issuer, root + keyPath(name), name, usage);
            const spec: ClientSpec = {
                host: name,
                localPort: await freePort(),
                target: {
                    protocol,
                    address: "127.0.0.1",
                    port: protocol === "relp" ? relpPort : port,
                    tls: { peerName: "server", clientKeyPath: issuer ? keyPath(name) : undefined },
                },
                queueMaxDiskSpace: "16m",
                forwardJournal: [],
            };
            const inst = writeInstance(tmp, name, [baseConf(spec), dockerConf(spec)], files);
            instances.push(inst);
            start(inst);
            clients.push({ name, port: spec.localPort, accepted, inst });
        }
        await Promise.all(
            clients.map(async (c) => {
                await listening(c.inst, c.port);
                await send(c.port, `hello from ${c.name}`);
            }),
        );

        const diagnose = () => [server, ...clients.map((c) => c.inst)].map((i) => `--- ${i.name}:\n${said(i)}`).join("\n");
        for (const c of clients.filter((x) => x.accepted)) {
            await poll(`${c.name}'s line on the server\n${diagnose()}`, 30, () =>
                remoteLines(server, c.name).includes(`hello from ${c.name}`) ? true : undefined,
            );
        }
        // The refused ones had as long as the accepted ones and more than one retry (action.resumeInterval 5 s).
        await new Promise((r) => setTimeout(r, 7000));
        for (const c of clients.filter((x) => !x.accepted)) {
            expect(remoteLines(server, c.name), `${c.name} must be refused\n${diagnose()}`).to.equal("");
        }
        // Refused for the reasons meant: no certificate, not the stack CA's, a name not on the list.
        const log = said(server);
        expect(log, "the server's refusals").to.match(/peer did not provide a certificate, not permitted to talk to it/);
        expect(log).to.match(/imrelp.*authentication error 'peer did not provide a certificate'|imrelp.*Error in the certificate/);
        expect(log).to.match(/not permitted to talk to peer, certificate invalid: signer not found/);
        expect(log).to.match(/not permitted to talk to it\. Names: DNSname: unlisted/);
        expect(log, "a server certificate presented as a client's").to.match(
            /not permitted to talk to peer, certificate invalid: key purpose OID does not match/,
        );
    });

    it('control: tls "server" (anon) takes the same forwarder without a certificate that "mutual" refuses', async () => {
        const ca = makeCa(path.join(tmp, "ca-control"), "microservice stack CA");
        const caPem = fs.readFileSync(path.join(ca, "ca.crt"), "utf8");
        const port = await freePort();
        const serverKey = "/etc/microservice/tls/logging-tls/key.pem";
        const root = path.join(tmp, "anon-server");
        const serverPem = issue(ca, root + serverKey, "server", "server");
        const own: ClientSpec = {
            host: "server",
            localPort: await freePort(),
            target: { protocol: "tcp", address: "127.0.0.1", port: 9 },
            queueMaxDiskSpace: "16m",
            forwardJournal: [],
        };
        const server = writeInstance(
            tmp,
            "anon-server",
            [baseConf(own), serverConf({ port, allowedSenders: ["127.0.0.1"], tls: "server", keyPath: serverKey })],
            {
                "/etc/microservice/logging/ca.pem": caPem,
                "/etc/microservice/logging/server.pem": serverPem,
            },
        );
        instances.push(server);
        start(server);
        const spec: ClientSpec = {
            host: "nocert",
            localPort: await freePort(),
            target: { protocol: "tcp", address: "127.0.0.1", port, tls: { peerName: "server" } },
            queueMaxDiskSpace: "16m",
            forwardJournal: [],
        };
        const client = writeInstance(tmp, "anon-nocert", [baseConf(spec), dockerConf(spec)], { "/etc/microservice/logging/ca.pem": caPem });
        instances.push(client);
        start(client);
        await listening(server, port);
        await listening(client, spec.localPort);
        await send(spec.localPort, "hello from nocert");
        await poll(`the line without a client certificate on the anon server\n${said(server)}\n${said(client)}`, 30, () =>
            remoteLines(server, "nocert").includes("hello from nocert") ? true : undefined,
        );
    });
});
