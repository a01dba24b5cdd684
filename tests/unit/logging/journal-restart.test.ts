import { expect } from "chai";
import { execFile, execFileSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { baseConf, ClientSpec, dockerConf, serverConf } from "../../../components/logging/render";

/**
 * The rendered forwarder on a real journald (252) and rsyslogd (8.2302), in a private mount
 * namespace (journal-restart.sh): 30,000 lines written into the journal under a docker/<app> tag,
 * the server stopped three times, the forwarder's rsyslog restarted during the second outage. The
 * host's file holds every line exactly once: imjournal reads on from its saved cursor. The server's
 * counts are printed, not asserted: forwarding is not exactly-once (docs/logging.md, "Measured with
 * the journal"); engine lab 05 asserts both. journald forwards to the syslog socket too (Debian's
 * default), and the container lines taken there are dropped: none reaches the catch-all. Needs root, unshare, journald, systemd-cat, rsyslog's
 * imjournal; skipped with the reason otherwise.
 */
const LINES = 30_000;
const MODULE_DIRS = ["/usr/lib/x86_64-linux-gnu/rsyslog", "/usr/lib/aarch64-linux-gnu/rsyslog", "/usr/lib/rsyslog"];

function missing(): string | undefined {
    if (process.getuid?.() !== 0) return "not root (mounts in a private namespace)";
    for (const f of ["/usr/sbin/rsyslogd", "/lib/systemd/systemd-journald", "/usr/bin/systemd-cat", "/usr/bin/unshare", "/var/log/journal", "/etc/systemd"]) {
        if (!fs.existsSync(f)) return `no ${f}`;
    }
    if (!MODULE_DIRS.some((d) => fs.existsSync(path.join(d, "imjournal.so")))) return "no rsyslog imjournal module";
    try {
        execFileSync("unshare", ["-m", "--propagation", "private", "true"], { stdio: "ignore" });
    } catch {
        return "unshare -m is not allowed here";
    }
    return undefined;
}

/** Every absolute path the renderers write, moved under `root`. */
const relocate = (conf: string, root: string) => conf.replace(/"\/(var\/log|var\/spool\/rsyslog)\b/g, `"${root}/$1`);

function instance(root: string, conf: string): void {
    fs.mkdirSync(path.join(root, "work"), { recursive: true });
    fs.mkdirSync(path.join(root, "var/spool/rsyslog"), { recursive: true });
    fs.writeFileSync(path.join(root, "rsyslog.conf"), `global(workDirectory="${root}/work")\n${relocate(conf, root)}`);
    execFileSync("/usr/sbin/rsyslogd", ["-N1", "-f", path.join(root, "rsyslog.conf")], { stdio: "ignore" });
}

describe("imjournal on a real journald: a restart of the host's rsyslog loses and repeats nothing in its files", function () {
    const why = missing();
    let tmp: string;

    before(function () {
        if (why) {
            console.log(`      skipped: ${why}`);
            this.skip();
        }
        tmp = fs.mkdtempSync(path.join(os.tmpdir(), "journal-restart-"));
    });

    after(() => {
        if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
    });

    it("30,000 lines, three server outages, the forwarder restarted during one: every line once in the host's file", async function () {
        this.timeout(300_000);
        const port = 20000 + (process.pid % 20000);
        const client: ClientSpec = {
            host: "node2",
            localPort: port + 1,
            target: { protocol: "tcp", address: "127.0.0.1", port },
            queueMaxDiskSpace: "64m",
            forwardJournal: [],
        };
        // As Debian's rsyslog.conf: imuxsock on journald's syslog socket, and a catch-all after the drop-ins.
        const imuxsock = `module(load="imuxsock" SysSock.Name="/run/systemd/journal/syslog")\n`;
        const catchAll = `*.* ${path.join(tmp, "client/syslog")}\n`;
        instance(path.join(tmp, "client"), imuxsock + baseConf(client) + dockerConf(client) + catchAll);
        const own = { ...client, host: "server", localPort: port + 2, target: { protocol: "tcp" as const, address: "127.0.0.1", port: 9 } };
        instance(path.join(tmp, "server"), baseConf(own) + serverConf({ port, allowedSenders: [], tls: "off" }));
        const script = path.join(__dirname, "journal-restart.sh");
        const out = await new Promise<string>((resolve, reject) =>
            execFile(
                "unshare",
                ["-m", "--propagation", "private", "bash", script, tmp, String(port), String(LINES)],
                { timeout: 280_000 },
                (err, stdout, stderr) => (err ? reject(new Error(`${err.message}\n${stdout}${stderr}`)) : resolve(stdout)),
            ),
        );
        const result = (file: string) => {
            const line = out.split("\n").find((l) => l.startsWith(file));
            if (!line) throw new Error(`no count for ${file}:\n${out}`);
            const [, lines, lost, dup] = /lines=(\d+) missing=(\d+) .* duplicated=(\d+)/.exec(line)!.map(Number);
            return { lines, lost, dup, line };
        };
        const host = result(path.join(tmp, "client/var/log/docker/jtest/docker.log"));
        const server = result(path.join(tmp, "server/var/log/remote"));
        console.log(`      host's file: ${host.line.slice(host.line.indexOf("lines="))}`);
        console.log(`      server's file (not asserted): ${server.line.slice(server.line.indexOf("lines="))}`);
        expect({ lines: host.lines, lost: host.lost, duplicated: host.dup }, out).to.deep.equal({ lines: LINES, lost: 0, duplicated: 0 });
        // journald's socket copy of each line was dropped: none in the catch-all (as /var/log/syslog).
        const syslog = path.join(tmp, "client/syslog");
        expect(
            fs.existsSync(syslog)
                ? fs
                      .readFileSync(syslog, "utf8")
                      .split("\n")
                      .filter((l) => l.includes("jtest seq=")).length
                : 0,
            "container lines in the catch-all",
        ).to.equal(0);
        // The forwarder read the journal: its cursor is saved.
        expect(fs.readFileSync(path.join(tmp, "client/var/spool/rsyslog/microservice-imjournal.state"), "utf8")).to.match(/^s=[0-9a-f]+;i=[0-9a-f]+;/);
    });
});
