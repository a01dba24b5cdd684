import { expect } from "chai";
import * as net from "net";
import { Lab, LabRun, describeFailures } from "./harness";
import { firstRun, lab as theLab } from "./shared";
import { DockerEngine } from "../../components/docker";
import { StackCa } from "../../components/pki";
import { RsyslogAggregator } from "../../components/logging";
import { dockerTag, journaldDriverParameters } from "../../components/logging/render";
import { loggingSettingsSchema } from "../../components/logging/settings";

/**
 * Log aggregation for real on the lab's hosts (Debian's rsyslog 8.2302, Docker's journald driver read by imjournal,
 * logging.protocol journal: each host's shipper sends its journal lines to node1's receiver):
 * a container's line reaches the server under the right path, the server is stopped (rsyslog, its socket and the receiver)
 * for OUTAGE seconds while 10,000 numbered lines are written, and every line arrives exactly once
 * after it comes back. Every wait is a bounded poll; the outage itself is the scenario's duration.
 *
 * LOGGING_LAB_ISOLATED=1 runs only DockerEngine + RsyslogAggregator (for developing this file).
 */
const IMAGE = "microservice/debian-minbase:bookworm";
const OUTAGE_SECONDS = Number(process.env.LOGGING_OUTAGE_SECONDS ?? 60);
const LINES = 10_000;
const settings = loggingSettingsSchema.parse({});
/** The log server's inputs on node1: rsyslog (syslog senders) and the journal receiver (the hosts' shippers). */
const LOG_SERVER_UNITS = "syslog.socket rsyslog.service microservice-log-receiver.service";

/** The flags the component hands to Marathon, as `docker run` arguments. */
const dockerFlags = (app: string) =>
    journaldDriverParameters(dockerTag(app))
        .map((p) => `--${p.key}=${p.value}`)
        .join(" ");

async function poll<T>(what: string, seconds: number, attempt: () => Promise<T | undefined>): Promise<T> {
    const deadline = Date.now() + seconds * 1000;
    for (;;) {
        const v = await attempt();
        if (v !== undefined) return v;
        if (Date.now() > deadline) throw new Error(`timed out after ${seconds} s waiting for ${what}`);
        await new Promise((r) => setTimeout(r, 500));
    }
}

describe("20 logging: rsyslog on every host, central server on node1", function () {
    this.timeout(20 * 60 * 1000);
    let lab: Lab;
    let run: LabRun;
    const stamp = Date.now().toString(36);
    const sh = async (host: string, cmd: string, timeoutMs = 120_000) => {
        const r = await lab.hosts[host].sh(cmd, { timeoutMs });
        if (r.code !== 0) throw new Error(`${host}: ${cmd}\nexit ${r.code}: ${r.stderr}`);
        return r.stdout;
    };
    /** Today's date on a host, as the server's path has it (the line's own time). */
    const today = (host: string) => sh(host, "date +%Y/%m/%d").then((d) => d.trim());
    const remoteFile = async (host: string, app: string) => `/var/log/remote/${host}/${await today(host)}/docker/${app}/docker.log`;
    const lineCount = async (host: string, file: string) => Number((await sh(host, `cat ${file} 2>/dev/null | wc -l`)).trim());

    before(async function () {
        if (process.env.LOGGING_LAB_ISOLATED === "1") {
            lab = await theLab();
            run = await lab.run((hosts) => {
                new DockerEngine("docker", { hosts });
                const logging = new RsyslogAggregator("logging", { hosts });
                return { logging: { serverAddress: logging.serverAddress } };
            }, "logging (isolated)");
        } else {
            ({ lab, run } = await firstRun());
        }
        await lab.loadImage("node2", IMAGE);
    });

    after(async function () {
        // The server must be up for the files after this one, whatever happened here.
        await lab?.hosts.node1.sh(`systemctl start ${LOG_SERVER_UNITS}`);
        await lab?.hosts.node3.sh("systemctl reset-failed 'lab-fake-marathon-*' 2>/dev/null || true");
    });

    it("runs a client step on every host and the server step on node1 only, without a failure", async () => {
        const failures = run.failures.filter((f) => /(^|[^a-z])logging-/.test(f.resource));
        expect(failures, describeFailures(run)).to.deep.equal([]);
        const mine = run.steps
            .map((s) => /logging-([a-z0-9]+)-logging-(client|server)$/.exec(s.resource))
            .filter((m): m is RegExpExecArray => !!m)
            .map((m) => `${m[1]} ${m[2]}`)
            .sort();
        expect(mine).to.deep.equal(["mgmt client", "node1 client", "node1 server", "node2 client", "node3 client"]);
        for (const host of Object.keys(lab.hosts)) {
            const out = await sh(
                host,
                `rsyslogd -N1 >/dev/null 2>&1 && echo valid; ss -Hltn 'src 127.0.0.1:${settings.localPort}' | wc -l; grep -c '^module(load="imklog")' ` +
                    `/etc/rsyslog.conf || true`,
            );
            // Valid config, the loopback Docker input, and no kernel input (a lab host is a container).
            expect(out.trim().split("\n"), host).to.deep.equal(["valid", "1", "0"]);
        }
        expect(await sh("node1", `ss -Hltn 'sport = :${settings.port}' | grep -c '0.0.0.0:${settings.port}'`)).to.equal("1\n");
    });

    it("enables the retention timers (logrotate, client, server) so that they really run", async () => {
        for (const host of Object.keys(lab.hosts)) {
            const timers = await sh(host, "systemctl list-timers --all --no-legend | awk '{for (i=1;i<=NF;i++) if ($i ~ /\\.timer$/) print $i}' | sort");
            expect(timers, host).to.contain("logrotate.timer").and.contain("microservice-log-retention.timer");
            expect(await sh(host, "systemctl is-enabled microservice-log-retention.timer logrotate.timer"), host).to.equal("enabled\nenabled\n");
            expect(timers.includes("microservice-log-retention-remote.timer"), host).to.equal(host === "node1");
        }
    });

    it("takes a container's line on node2 to /var/log/docker/<app> there and to node1 under /var/log/remote/node2/<date>/docker/<app>", async () => {
        const app = `lab-hello-${stamp}`;
        const line = `hello from node2 ${stamp}`;
        await sh("node2", `docker run --rm ${dockerFlags(app)} ${IMAGE} echo '${line}'`);
        const file = await remoteFile("node2", app);
        const got = await poll(`the line in ${file} on node1`, 60, async () => {
            const r = await lab.hosts.node1.sh(`cat ${file} 2>/dev/null`);
            return r.stdout.includes(line) ? r.stdout : undefined;
        });
        expect(got).to.match(new RegExp(`^\\S+ node2 docker/${app}\\[\\d+\\]: ${line}\\n$`));
        expect(await sh("node1", `cat /var/log/remote/node2/${await today("node2")}/docker/combined.log`)).to.contain(line);
        expect(await sh("node1", `stat -c '%a' ${file} $(dirname ${file})`)).to.equal("640\n755\n");
        // On node2 itself: its per-app file and combined file, and not /var/log/syslog.
        expect(await sh("node2", `cat /var/log/docker/${app}/docker.log`)).to.contain(line);
        expect(await sh("node2", "cat /var/log/docker/combined.log")).to.contain(line);
        expect(await sh("node2", `grep -c '${line}' /var/log/syslog || true`)).to.equal("0\n");
    });

    it("forwards journald lines of the scheduler programs (marathon here) and keeps them out of /var/log/syslog", async () => {
        const marker = `marathon-lab-${stamp}`;
        await sh("node3", `systemd-run --quiet --unit=lab-fake-marathon-${stamp} -p SyslogIdentifier=marathon /bin/echo ${marker}`);
        const file = `/var/log/remote/node3/${await today("node3")}/marathon.log`;
        await poll(`${marker} in ${file}`, 60, async () => ((await lab.hosts.node1.sh(`cat ${file} 2>/dev/null`)).stdout.includes(marker) ? true : undefined));
        expect(await sh("node3", `journalctl -t marathon --no-pager -o cat | grep -c ${marker}`)).to.equal("1\n");
        // (systemd's own "Started ... /bin/echo <marker>" line is in syslog, as it should be: not marathon's.)
        expect(await sh("node3", `grep -c ' marathon\\[[0-9]*\\]: ${marker}' /var/log/syslog || true`)).to.equal("0\n");
    });

    it("refuses a sender that is not a stack host", async () => {
        // This machine (the lab network's gateway) is not one of the stack's hosts.
        const app = `lab-intruder-${stamp}`;
        await new Promise<void>((resolve) => {
            const s = net.connect({ host: lab.hosts.node1.ip, port: settings.port }, () =>
                s.end(`<14>Jan  1 00:00:00 intruder docker/${app}[1]: not allowed\n`),
            );
            s.on("error", () => resolve());
            s.on("close", () => resolve());
            s.setTimeout(10_000, () => s.destroy());
        });
        await poll("rsyslog's refusal in node1's journal", 30, async () =>
            (await lab.hosts.node1.sh(`journalctl -u rsyslog --since '-2min' --no-pager | grep -c 'disallowed sender'`)).stdout.trim() !== "0"
                ? true
                : undefined,
        );
        expect(await sh("node1", `find /var/log/remote -path '*${app}*' | wc -l`)).to.equal("0\n");
    });

    it(`loses nothing and duplicates nothing while the server is down ${OUTAGE_SECONDS} s: ${LINES} numbered lines from node2`, async () => {
        const app = `lab-outage-${stamp}`;
        const t0 = Date.now();
        await sh("node1", `systemctl stop ${LOG_SERVER_UNITS}`);
        expect(
            await sh("node1", `ss -Hltn '( sport = :${settings.port} or sport = :${settings.journalPort} )' | wc -l`),
            "nothing listens during the outage",
        ).to.equal("0\n");
        const loop = `i=1; while [ $i -le ${LINES} ]; do echo "${app} seq=$i"; i=$((i+1)); done`;
        // The container starts and logs although the server is down: it only talks to node2's journal.
        await sh("node2", `docker run --rm ${dockerFlags(app)} ${IMAGE} sh -c '${loop}' >/dev/null`);
        const local = `/var/log/docker/${app}/docker.log`;
        await poll(`${LINES} lines in ${local} on node2`, 60, async () => ((await lineCount("node2", local)) >= LINES ? true : undefined));
        const written = (Date.now() - t0) / 1000;
        const file = await remoteFile("node2", app);
        // The outage lasts its full length (the scenario), then the server comes back.
        await new Promise((r) => setTimeout(r, Math.max(0, OUTAGE_SECONDS * 1000 - (Date.now() - t0))));
        expect(await lineCount("node1", file), "nothing arrives while the server is down").to.equal(0);
        await sh("node1", `systemctl start ${LOG_SERVER_UNITS}`);
        const t1 = Date.now();
        await poll(`${LINES} lines in ${file} on node1`, 180, async () => ((await lineCount("node1", file)) >= LINES ? true : undefined));
        const caughtUp = (Date.now() - t1) / 1000;
        // Anything late (a duplicate) would land within the forwarder's retry interval.
        await new Promise((r) => setTimeout(r, 6000));
        const seen = (await sh("node1", `grep -o 'seq=[0-9]*' ${file} | cut -d= -f2`)).trim().split("\n").map(Number);
        const counts = new Map<number, number>();
        for (const n of seen) counts.set(n, (counts.get(n) ?? 0) + 1);
        const missing = Array.from({ length: LINES }, (_, i) => i + 1).filter((n) => !counts.has(n));
        const twice = [...counts].filter(([, c]) => c > 1).map(([n]) => n);
        console.log(
            `      outage ${OUTAGE_SECONDS} s: ${LINES} lines written locally ${written.toFixed(1)} s after the stop; ` +
                `all on node1 ${caughtUp.toFixed(1)} s after the restart`,
        );
        expect({ lines: seen.length, missing: missing.slice(0, 20), duplicated: twice.slice(0, 20) }).to.deep.equal({
            lines: LINES,
            missing: [],
            duplicated: [],
        });
        expect(file).to.match(/^\/var\/log\/remote\/node2\/\d{4}\/\d{2}\/\d{2}\/docker\/lab-outage-[a-z0-9]+\/docker\.log$/);
    });

    it("retention deletes what is older than the limit, only there (client 7 days, server 30 days)", async () => {
        await sh(
            "node2",
            `set -e; mkdir -p /var/log/docker/lab-old-${stamp} /var/log/docker/lab-new-${stamp}
            echo old >/var/log/docker/lab-old-${stamp}/docker.log; touch -d '8 days ago' /var/log/docker/lab-old-${stamp}/docker.log
            echo new >/var/log/docker/lab-new-${stamp}/docker.log; touch -d '6 days ago' /var/log/docker/lab-new-${stamp}/docker.log
            systemctl start microservice-log-retention.service`,
        );
        expect(await sh("node2", `ls -d /var/log/docker/lab-old-${stamp} /var/log/docker/lab-new-${stamp} 2>/dev/null | xargs -n1 basename`)).to.equal(
            `lab-new-${stamp}\n`,
        );
        expect(await sh("node2", "test -f /var/log/docker/combined.log && echo kept")).to.equal("kept\n");
        const base = `/var/log/remote/lab-${stamp}/2000/01`;
        await sh(
            "node1",
            `set -e; mkdir -p ${base}/01/docker/a ${base}/02/docker/a
            echo old >${base}/01/docker/a/docker.log; touch -d '31 days ago' ${base}/01/docker/a/docker.log
            echo new >${base}/02/docker/a/docker.log; touch -d '29 days ago' ${base}/02/docker/a/docker.log
            systemctl start microservice-log-retention-remote.service`,
        );
        expect(await sh("node1", `find /var/log/remote/lab-${stamp} -type f`)).to.equal(`${base}/02/docker/a/docker.log\n`);
        await sh("node1", `rm -rf /var/log/remote/lab-${stamp}`);
        await sh("node2", `rm -rf /var/log/docker/lab-new-${stamp}`);
    });

    it("a second run changes nothing (isolated mode; the full stack's is in 80-idempotence)", async function () {
        if (process.env.LOGGING_LAB_ISOLATED !== "1") this.skip();
        const again = await lab.run((hosts) => {
            new DockerEngine("docker", { hosts });
            new RsyslogAggregator("logging", { hosts });
        }, "logging (isolated, again)");
        expect(again.failures, describeFailures(again)).to.deep.equal([]);
        expect(again.changedSteps()).to.deep.equal([]);
    });

    it("with tls: forwarders reach the server over TLS (stack CA, server name checked), then back to the default", async () => {
        // Its own CA directory: the stack's CA (and the registry's certificate) stay untouched.
        const tlsProgram = (tls: "server" | "off") => (hosts: Parameters<Parameters<Lab["run"]>[0]>[0]) => {
            const ca =
                tls === "server"
                    ? new StackCa("logging-lab-ca", { host: hosts.find((h) => h.name === "mgmt")!, dir: "/etc/microservice/pki-logging-lab" })
                    : undefined;
            new RsyslogAggregator("logging", { hosts, ca, settings: { tls } });
        };
        const app = `lab-tls-${stamp}`;
        try {
            const on = await lab.run(tlsProgram("server"), "logging with TLS");
            expect(on.failures, describeFailures(on)).to.deep.equal([]);
            const hello = await sh(
                "node1",
                "echo | openssl s_client -connect 127.0.0.1:514 -CAfile /etc/microservice/logging/ca.pem -verify_return_error 2>&1 | grep -E " +
                    "'^subject=|Verify return code'",
            );
            expect(hello).to.match(/subject=CN ?= ?node1\n\s*Verify return code: 0 \(ok\)/);
            // The journal receiver serves the same certificate (the shippers check it against node1's name).
            const receiver = await sh(
                "node1",
                `echo | openssl s_client -connect 127.0.0.1:${settings.journalPort} -CAfile /etc/microservice/logging/ca.pem -verify_return_error 2>&1 | ` +
                    "grep -E '^subject=|Verify return code'",
            );
            expect(receiver).to.match(/subject=CN ?= ?node1\n\s*Verify return code: 0 \(ok\)/);
            await sh("node2", `docker run --rm ${dockerFlags(app)} ${IMAGE} echo 'over tls ${stamp}'`);
            const file = await remoteFile("node2", app);
            await poll(`the TLS line in ${file}`, 60, async () =>
                (await lab.hosts.node1.sh(`cat ${file} 2>/dev/null`)).stdout.includes(`over tls ${stamp}`) ? true : undefined,
            );
        } finally {
            const off = await lab.run(tlsProgram("off"), "logging back without TLS");
            expect(off.failures, describeFailures(off)).to.deep.equal([]);
        }
        const plain = await sh(
            "node1",
            `ss -Hltn 'sport = :${settings.port}' | grep -c '0.0.0.0:${settings.port}'; grep -c gtls /etc/rsyslog.d/20-microservice-server.conf || true`,
        );
        expect(plain).to.equal("1\n0\n");
    });
});
