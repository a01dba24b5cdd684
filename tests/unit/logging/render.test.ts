import { expect } from "chai";
import * as render from "../../../components/logging/render";
import { expectGolden } from "../provision/golden";
import { CA_PEM, client, server } from "./fixtures";

const { FILES } = render;

describe("logging renderers (golden)", () => {
    it("renders the client files: the journal read with a kept cursor, per-app + combined files, one disk-assisted forwarding queue", () => {
        const base = render.baseConf(client());
        const docker = render.dockerConf(client());
        expectGolden(__dirname, "client-10-base.conf", base);
        expectGolden(__dirname, "client-30-docker.conf", docker);
        expectGolden(__dirname, "client-40-journal.conf", render.journalConf(client()));
        // The queue settings the original lacked (resumeRetryCount) and the ones it had.
        for (const key of [
            'queue.type="LinkedList"',
            'queue.filename="microservice_forward"',
            'queue.saveOnShutdown="on"',
            'action.resumeRetryCount="-1"',
            'queue.maxDiskSpace="1g"',
            'queue.spoolDirectory="/var/spool/rsyslog"',
        ]) {
            expect(base).to.contain(key);
        }
        expect(base).to.contain('type="omfwd" name="microservice_forward" target="10.0.15.11" port="514" protocol="tcp"');
        // The server files lines under the stack's host name, whatever the machine calls itself.
        expect(base).to.match(/template\(name="MicroserviceForward"[\s\S]*%TIMESTAMP:::date-rfc3339% node2 %syslogtag%/);
        // The journal, read on after a restart from the saved cursor, never from its end, with no rate limit.
        expect(docker).to.contain(
            'module(load="imjournal" StateFile="/var/spool/rsyslog/microservice-imjournal.state" IgnorePreviousMessages="off"\n       Ratelimit.Interval="0" ' +
                'PersistStateInterval="10")',
        );
        // Containers still running with the former syslog-driver flags keep their input.
        expect(docker).to.contain('input(type="imtcp" address="127.0.0.1" port="10514" ruleset="microservice_docker")');
        expect(docker).to.contain('constant(value="/var/log/docker/") property(name="$.app" securepath="replace") constant(value="/docker.log")');
        expect(docker).to.contain('file="/var/log/docker/combined.log"');
    });

    it("renders the server: TCP 514 into its own ruleset, per-host/date tree, stack hosts as the only senders", () => {
        const conf = render.serverConf(server());
        expectGolden(__dirname, "server-20-server.conf", conf);
        expect(conf).to.contain("$AllowedSender TCP, 127.0.0.1, 10.0.15.10, 10.0.15.11, 10.0.15.12, 10.0.15.13\n");
        expect(conf).to.contain('input(type="imtcp" port="514" ruleset="microservice_remote")');
        expect(conf).not.to.contain("imrelp");
        // <host>/<YYYY>/<MM>/<DD>/docker/<app>/docker.log, from the time the line was logged.
        expect(conf).to.match(
            new RegExp(
                /constant\(value="\/var\/log\/remote\/"\) property\(name="hostname" securepath="replace"\)\s+constant\(value="\/"\) /.source +
                    /property\(name="timereported" dateFormat="year"\)\s+constant\(value="\/"\) property\(name="timereported" /.source +
                    /dateFormat="month"\)\s+constant\(value="\/"\) property\(name="timereported" dateFormat="day"\)\s+constant\(value="\/docker\/"\) /.source +
                    /property\(name="\$\.app" securepath="replace"\) constant\(value="\/docker.log"\)/.source,
            ),
        );
        // The original wrote untagged lines to a local /var/log/docker path: here everything stays under /var/log/remote.
        expect(conf.match(/\/var\/log\/[a-z]+\//g)!.every((p) => p === "/var/log/remote/")).to.equal(true);
        for (const m of ['dirCreateMode="0755"', 'fileCreateMode="0640"']) expect(conf).to.contain(m);
    });

    it("renders RELP as an option: omrelp on the forwarder, imrelp beside imtcp on the server", () => {
        const base = render.baseConf(client({ target: { protocol: "relp", address: "10.0.15.11", port: 2514 } }));
        expect(base).to.contain('module(load="omrelp")');
        expect(base).to.contain('type="omrelp" name="microservice_forward" target="10.0.15.11" port="2514"');
        expect(base).to.contain('queue.saveOnShutdown="on"');
        const conf = render.serverConf(server({ relpPort: 2514 }));
        expect(conf).to.contain('input(type="imtcp" port="514" ruleset="microservice_remote")');
        expect(conf).to.contain('module(load="imrelp")\ninput(type="imrelp" port="2514" ruleset="microservice_remote")');
        expect(() => render.baseConf(client({ target: { protocol: "relp", address: "10.0.15.11", port: 2514, tls: { peerName: "node1" } } }))).to.throw(
            /not supported: tls "server" with protocol relp/,
        );
        expect(() => render.serverConf(server({ relpPort: 2514, tls: "server", keyPath: "/k" }))).to.throw(/not supported: tls "server" with protocol relp/);
    });

    it("renders TLS: the forwarder checks the server's certificate against the stack CA and the server's name", () => {
        const base = render.baseConf(client({ target: { protocol: "tcp", address: "10.0.15.11", port: 514, tls: { peerName: "node1" } } }));
        expect(base).to.contain('StreamDriver="gtls" StreamDriverMode="1" StreamDriverAuthMode="x509/name"');
        expect(base).to.contain('StreamDriverPermittedPeers="node1" streamDriver.CAFile="/etc/microservice/logging/ca.pem"');
        const conf = render.serverConf(server({ tls: "server", keyPath: "/etc/microservice/tls/logging-tls/key.pem" }));
        expectGolden(__dirname, "server-20-server-tls.conf", conf);
        expect(conf).to.contain('streamDriver.name="gtls" streamDriver.mode="1" streamDriver.authMode="anon"');
        expect(conf).to.contain(
            'streamDriver.CertFile="/etc/microservice/logging/server.pem" streamDriver.KeyFile="/etc/microservice/tls/logging-tls/key.pem"',
        );
        expect(CA_PEM).to.be.a("string");
    });

    it('renders tls "mutual": forwarders present client certificates, the server takes only stack-CA ones for its hosts\' names (TCP and RELP)', () => {
        const key = "/etc/microservice/tls/logging-client-node2/key.pem";
        const tcp = render.baseConf(client({ target: { protocol: "tcp", address: "10.0.15.11", port: 514, tls: { peerName: "node1", clientKeyPath: key } } }));
        expectGolden(__dirname, "client-10-base-mutual.conf", tcp);
        expect(tcp).to.contain(
            `streamDriver.CertFile="/etc/microservice/logging/client.pem" streamDriver.KeyFile="${key}" streamDriver.CheckExtendedKeyPurpose="on"`,
        );
        const relp = render.baseConf(
            client({ target: { protocol: "relp", address: "10.0.15.11", port: 2514, tls: { peerName: "node1", clientKeyPath: key } } }),
        );
        expect(relp).to.contain('tls="on" tls.authMode="name" tls.permittedPeer=["node1"]');
        expect(relp).to.contain(`tls.caCert="/etc/microservice/logging/ca.pem" tls.myCert="/etc/microservice/logging/client.pem" tls.myPrivKey="${key}"`);
        const peers = ["mgmt", "node1", "node2", "node3"];
        const conf = render.serverConf(server({ tls: "mutual", relpPort: 2514, keyPath: "/etc/microservice/tls/logging-tls/key.pem", permittedPeers: peers }));
        expectGolden(__dirname, "server-20-server-mutual.conf", conf);
        expect(conf).to.contain(
            'streamDriver.authMode="x509/name"\n      permittedPeer=["mgmt", "node1", "node2", "node3"] streamDriver.CheckExtendedKeyPurpose="on"',
        );
        expect(conf).to.contain('tls="on" tls.authMode="name" tls.permittedPeer=["mgmt", "node1", "node2", "node3"]');
        expect(conf).not.to.contain("anon");
        expect(() => render.serverConf(server({ tls: "mutual", keyPath: "/k" }))).to.throw(/tls "mutual" needs the forwarders' names/);
        // "server" stays as it was: no restart for stacks that keep it.
        expect(render.baseConf(client({ target: { protocol: "tcp", address: "10.0.15.11", port: 514, tls: { peerName: "node1" } } }))).not.to.contain(
            "CertFile",
        );
    });

    it("renders retention: logrotate with rsyslog's HUP (no copytruncate), find by minutes, a daily persistent timer", () => {
        expectGolden(__dirname, "logrotate-microservice-docker", render.logrotateConf(7));
        expect(render.logrotateConf(7)).not.to.contain("copytruncate");
        const client = render.retentionService("/var/log/docker", 7, ["/var/log/docker/combined.log"]);
        expectGolden(__dirname, "microservice-log-retention.service", client);
        expect(client).to.contain("ExecStart=/usr/bin/find /var/log/docker -mindepth 1 -type f ! -path /var/log/docker/combined.log -mmin +10080 -delete\n");
        const srv = render.retentionService("/var/log/remote", 30);
        expect(srv).to.contain("ExecStart=/usr/bin/find /var/log/remote -mindepth 1 -type f -mmin +43200 -delete\n");
        expect(srv).to.contain("ExecStart=/usr/bin/find /var/log/remote -mindepth 1 -type d -empty -delete\n");
        const timer = render.retentionTimer("/var/log/remote");
        expectGolden(__dirname, "microservice-log-retention.timer", timer);
        expect(timer).to.contain("OnCalendar=daily\n").and.contain("Persistent=true\n").and.contain("WantedBy=timers.target\n");
    });
});

describe("logging rule ordering", () => {
    const files = (): Record<string, string> => ({
        [FILES.base]: render.baseConf(client()),
        [FILES.server]: render.serverConf(server()),
        [FILES.docker]: render.dockerConf(client()),
        [FILES.journal]: render.journalConf(client()),
    });

    it("names the drop-ins so that rsyslog reads them in dependency order", () => {
        const names = Object.keys(files());
        expect([...names].sort()).to.deep.equal([FILES.base, FILES.server, FILES.docker, FILES.journal]);
        // Modules and the forwarding ruleset come first; everything after only uses them.
        const sorted = [...names].sort().map((n) => files()[n]);
        const firstUse = (re: RegExp) => sorted.findIndex((t) => re.test(t));
        expect(firstUse(/ruleset\(name="microservice_forward"\)/)).to.equal(0);
        expect(firstUse(/call microservice_forward/)).to.be.greaterThan(0);
        expect(firstUse(/module\(load="imtcp"\)/)).to.equal(0);
        expect(
            sorted.slice(1).some((t) => /module\(load="imtcp"\)/.test(t)),
            "imtcp loaded twice",
        ).to.equal(false);
    });

    it("never discards a line before it is written or forwarded (the original's 00-ignore bug)", () => {
        for (const [name, text] of Object.entries(files())) {
            expect(text, name).not.to.match(/^\s*[^#\n]*\s~\s*$/m); // legacy discard action
            const stops = [...text.matchAll(/^\s*stop\s*$/gm)].map((m) => m.index!);
            for (const at of stops) {
                const before = text.slice(0, at);
                // imjournal's lines other than the containers' reach rsyslog through imuxsock too (journald forwards them).
                if (name === FILES.docker && /\nif \$inputname == "imjournal" then \{\n[^]*$/.test(before)) continue;
                const block = before.slice(before.lastIndexOf("{"));
                expect(block, `${name}: a stop with nothing written before it`).to.match(/call microservice_forward|action\(/);
            }
        }
        // Each container line is taken once: from the journal (imjournal), not from journald's copy on the syslog socket.
        const docker = render.dockerConf(client());
        expect(docker).to.contain(
            'if $inputname == "imjournal" then {\n  if re_match($syslogtag, "^docker/") then {\n    call microservice_docker\n  }\n  stop\n}',
        );
        expect(docker).to.contain('if $inputname == "imuxsock" and re_match($syslogtag, "^docker/") then stop\n');
        expect(docker.match(/\bstop\b/g)).to.have.length(2);
        const journal = render.journalConf(client());
        expect(journal).to.contain(
            'if $programname == ["mesos-master", "mesos-slave", "mesos-agent", "marathon", "zookeeper"] then {\n  call microservice_forward\n  stop\n}',
        );
        expect(render.journalConf(client({ forwardJournal: [] }))).not.to.match(/stop|call/);
    });

    it("keeps Docker and remote lines in their own rulesets (out of /var/log/syslog) without a stop", () => {
        expect(render.dockerConf(client())).to.match(/input\(type="imtcp"[^)]*ruleset="microservice_docker"\)/);
        expect(render.serverConf(server())).to.match(/input\(type="imtcp"[^)]*ruleset="microservice_remote"\)/);
    });
});

describe("logging tag format", () => {
    it("tags each container docker/<app> and reads the app back from the tag Docker sends", () => {
        expect(render.dockerTag("nginx")).to.equal("docker/nginx");
        // Marathon ids lose their slashes, so the tag is one path segment.
        expect(render.dockerTag("/application/app/nodeapp")).to.equal("docker/application.app.nodeapp");
        // rfc3164 as Docker >= 1.12 sends it (tag verbatim), as rsyslog sees $syslogtag; Docker 1.11's own prefix gives the same form.
        expect(render.appFromTag("docker/nginx[1234]:")).to.equal("nginx");
        expect(render.appFromTag("docker/application.app.nodeapp[7]:")).to.equal("application.app.nodeapp");
        expect(render.appFromTag("docker/a-very-long-application-name.with.dots-and-more[746]:")).to.equal("a-very-long-application-name.with.dots-and-more");
        // What the original's rules missed on a current engine: a bare tag, and a tag with no app.
        expect(render.appFromTag("nginx[1234]:")).to.equal("no_tag");
        expect(render.appFromTag("docker[1]:")).to.equal("no_tag");
        expect(render.appFromTag("docker/[1]:")).to.equal("no_tag");
    });

    it("uses the same pattern in the rules as in appFromTag", () => {
        expect(render.APP_FROM_TAG).to.equal('re_extract($syslogtag, "^docker/([A-Za-z0-9_.-]+)", 0, 1, "no_tag")');
        expect(render.dockerConf(client())).to.contain(`set $.app = ${render.APP_FROM_TAG};`);
        expect(render.serverConf(server())).to.contain(`set $.app = ${render.APP_FROM_TAG};`);
    });

    it("rejects app names that cannot be a tag or a path segment", () => {
        for (const bad of ["", "/", "a b", "../etc", "a:b", "app[1]", "x".repeat(101)]) {
            expect(() => render.dockerTag(bad), JSON.stringify(bad)).to.throw(/log app name: expected an app id of letters, digits, _ . - and \//);
        }
    });
});
