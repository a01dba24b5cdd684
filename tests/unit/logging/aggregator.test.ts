import { expect } from "chai";
import * as pulumi from "@pulumi/pulumi";
import { RsyslogAggregator, RsyslogAggregatorArgs } from "../../../components/logging";
import { StackCa } from "../../../components/pki";
import { stackConfigSchema, StackConfig } from "../../../config/schema";
import { validate } from "../../../components/validate";
import { deployLogging } from "../../../stack/logging";
import { fakeHost, labLayout, PEM, realisticStepOutputs, steps } from "../provision/fake-host";
import { mocks } from "../../support/setup";
import { settle, valueOf } from "../../support/outputs";

const build = (name: string, extra: Partial<RsyslogAggregatorArgs> = {}) => new RsyslogAggregator(name, { hosts: labLayout(), ...extra });
const script = (name: string) => steps().find((s) => s.name === name)!;

describe("RsyslogAggregator", () => {
    it("runs a client step on every host and the server step only on the logServer host, nothing secret", async () => {
        const agg = build("logging");
        await settle();
        const names = steps()
            .filter((s) => s.name.startsWith("logging-"))
            .map((s) => s.name);
        expect(names).to.deep.equal([
            "logging-mgmt-logging-client",
            "logging-node1-logging-client",
            "logging-node2-logging-client",
            "logging-node3-logging-client",
            "logging-node1-logging-server",
            "logging-mgmt-logging-sender",
            "logging-node1-logging-sender",
            "logging-node2-logging-sender",
            "logging-node3-logging-sender",
        ]);
        expect(steps().filter((s) => s.secret)).to.deep.equal([]);
        expect(agg.server.name).to.equal("node1");
        expect(await valueOf(agg.serverAddress)).to.equal("10.0.15.11:19532");
        expect(agg.ready).to.have.length(9);
        // logging.protocol journal (default): each host's shipper sends its journal lines to node1's receiver;
        // its rsyslog writes the host's own files and forwards nothing.
        const node3 = script("logging-node3-logging-client").stdin;
        expect(node3).to.contain('"host": "node3"').and.contain('"address": "10.0.15.11"').and.contain('"port": 19532');
        expect(node3).to.contain("ExecStart=/usr/bin/python3 /usr/local/sbin/microservice-log-shipper /etc/microservice/logging/shipper.json");
        expect(node3).not.to.contain('type="omfwd"');
        expect(node3).not.to.contain("20-microservice-server.conf");
        const srv = script("logging-node1-logging-server").stdin;
        // Each host is taken from its own address only, under its own name; other syslog senders on 514 from the allow-list.
        expect(srv).to.contain('"node3": "10.0.15.13"').and.contain('"port": 19532');
        expect(srv).to.contain("$AllowedSender TCP, 127.0.0.1, 10.0.15.10, 10.0.15.11, 10.0.15.12, 10.0.15.13\n");
    });

    it('protocol "tcp" (the original): rsyslog forwards over TCP 514, each host under its own stack name', async () => {
        const agg = build("logging", { settings: { protocol: "tcp" } });
        await settle();
        expect(await valueOf(agg.serverAddress)).to.equal("10.0.15.11:514");
        const node3 = script("logging-node3-logging-client").stdin;
        expect(node3).to.contain('target="10.0.15.11" port="514" protocol="tcp"');
        expect(node3).to.contain("%TIMESTAMP:::date-rfc3339% node3 %syslogtag%");
        expect(node3).not.to.contain("microservice-log-shipper");
        expect(script("logging-node1-logging-server").stdin).not.to.contain("microservice-log-receiver");
    });

    it("hands out the Docker flags of the LogShipping contract: the host's journal, docker/<app> tag", () => {
        const agg = build("logging");
        expect(agg.dockerParameters("nginx")).to.deep.equal([
            { key: "log-driver", value: "journald" },
            { key: "log-opt", value: "tag=docker/nginx" },
        ]);
        expect(agg.dockerParameters("/application/app/nodeapp")[1].value).to.equal("tag=docker/application.app.nodeapp");
        expect(() => agg.dockerParameters("bad app")).to.throw(/log app name/);
        // No address: the flags do not depend on the local port (kept for containers with the former flags).
        expect(build("l2", { settings: { localPort: 1514 } }).dockerParameters("x")).to.deep.equal(agg.dockerParameters("x"));
    });

    it("blast radius: server retention changes only the server step; client retention only the client steps", async () => {
        build("a");
        build("b", { settings: { retentionDays: { server: 60 } } });
        build("c", { settings: { retentionDays: { client: 3 } } });
        await settle();
        const differ = (x: string, y: string) =>
            steps()
                .filter((s) => s.name.startsWith(`${x}-`))
                .filter((s) => script(`${y}-${s.name.slice(x.length + 1)}`).stdin !== s.stdin)
                .map((s) => s.name.slice(x.length + 1));
        expect(differ("a", "b")).to.deep.equal(["node1-logging-server"]);
        expect(differ("a", "c")).to.deep.equal(["mgmt-logging-client", "node1-logging-client", "node2-logging-client", "node3-logging-client"]);
    });

    it("blast radius: a new host adds its client step and widens the server's sender list, nothing else", async () => {
        build("a");
        build("b", { hosts: [...labLayout(), fakeHost("node4", "10.0.15.14")] });
        await settle();
        const changed = steps()
            .filter((s) => s.name.startsWith("b-"))
            .filter((s) => steps().find((o) => o.name === `a-${s.name.slice(2)}`)?.stdin !== s.stdin)
            .map((s) => s.name);
        expect(changed).to.deep.equal(["b-node4-logging-client", "b-node1-logging-server", "b-node4-logging-sender"]);
    });

    it("with TLS: the server certificate from the stack CA (key made on node1), the CA on every forwarder, name checked", async () => {
        realisticStepOutputs();
        const hosts = labLayout();
        const ca = new StackCa("stack-ca", { host: hosts[0] });
        const agg = new RsyslogAggregator("logging", { hosts, ca, settings: { tls: "server", protocol: "tcp" } });
        await settle();
        expect(agg.certificate).to.not.equal(undefined);
        expect(steps().map((s) => s.name)).to.include.members(["logging-tls-node1-tls-key", "logging-tls-mgmt-tls-sign"]);
        const node2 = script("logging-node2-logging-client").stdin;
        expect(node2).to.contain(`${PEM.ca}\n`);
        expect(node2).to.contain('StreamDriverPermittedPeers="node1"');
        expect(node2).to.contain("rsyslog-gnutls");
        const srv = script("logging-node1-logging-server").stdin;
        expect(srv).to.contain(`${PEM.cert}\n`);
        expect(srv).to.contain('streamDriver.KeyFile="/etc/microservice/tls/logging-tls/key.pem"');
        expect(srv).not.to.contain("PRIVATE KEY");
    });

    it('tls "mutual" with RELP: a client certificate per host (key made there, clientAuth) for a server taking only the stack\'s host names', async () => {
        realisticStepOutputs();
        const hosts = labLayout();
        const ca = new StackCa("stack-ca", { host: hosts[0] });
        const agg = new RsyslogAggregator("logging", { hosts, ca, settings: { tls: "mutual", protocol: "relp" } });
        await settle();
        expect(Object.keys(agg.clientCertificates)).to.deep.equal(hosts.map((h) => h.name));
        const names = steps().map((s) => s.name);
        for (const h of hosts) expect(names).to.include.members([`logging-client-${h.name}-${h.name}-tls-key`, `logging-client-${h.name}-mgmt-tls-sign`]);
        expect(script("logging-client-node2-mgmt-tls-sign").stdin).to.contain("extendedKeyUsage = clientAuth");
        // Readable by an rsyslog that dropped to user syslog (Ubuntu; a member of adm), not only by root.
        for (const key of ["logging-client-node2-node2-tls-key", "logging-tls-node1-tls-key"]) expect(script(key).stdin, key).to.contain("root adm 640");
        expect(script("logging-tls-mgmt-tls-sign").stdin).to.contain("extendedKeyUsage = serverAuth");
        const node2 = script("logging-node2-logging-client").stdin;
        expect(node2).to.contain('tls.myPrivKey="/etc/microservice/tls/logging-client-node2/key.pem"');
        expect(node2).to.contain("/etc/microservice/logging/client.pem");
        expect(node2).not.to.contain("PRIVATE KEY");
        const srv = script("logging-node1-logging-server").stdin;
        expect(srv).to.contain(`tls.permittedPeer=[${hosts.map((h) => `"${h.name}"`).join(", ")}]`);
        expect(srv).to.contain('streamDriver.authMode="x509/name"');
    });

    it("with RELP: forwarders use omrelp to the RELP port; the server keeps TCP 514 open beside it", async () => {
        const agg = build("logging", { settings: { protocol: "relp" } });
        await settle();
        expect(await valueOf(agg.serverAddress)).to.equal("10.0.15.11:2514");
        expect(script("logging-node2-logging-client").stdin).to.contain('type="omrelp" name="microservice_forward" target="10.0.15.11" port="2514"');
        expect(script("logging-node1-logging-server").stdin).to.contain('input(type="imrelp" port="2514" ruleset="microservice_remote")');
    });

    it("rejects bad args before creating anything, naming the key", () => {
        const hosts = labLayout();
        const before = mocks.resources.length;
        expect(() => new RsyslogAggregator("x", { hosts, settings: { tls: "server" } })).to.throw(
            /RsyslogAggregator "x": invalid input\n {2}ca: required when settings.tls is "server"/,
        );
        expect(() => new RsyslogAggregator("x", { hosts: [] })).to.throw(/hosts: expected at least one host/);
        expect(() => new RsyslogAggregator("x", { hosts: [...hosts, hosts[1]] })).to.throw(/hosts: expected unique host names/);
        expect(() => new RsyslogAggregator("x", { hosts: hosts.slice(2), server: hosts[1] })).to.throw(/server: expected one of the hosts \(node2, node3\)/);
        expect(() => new RsyslogAggregator("x", { hosts: hosts.slice(2) })).to.throw(/exactly one host must have role "logServer", found 0/);
        expect(() => new RsyslogAggregator("x", { hosts, settings: { port: 0 } })).to.throw(/settings.port: expected a port from 1 to 65535, got 0/);
        expect(mocks.resources.filter((r) => r.type === "microservice:index:RsyslogAggregator").length).to.equal(
            mocks.resources.slice(0, before).filter((r) => r.type === "microservice:index:RsyslogAggregator").length,
        );
    });

    it("takes an explicit server among the hosts", async () => {
        const hosts = labLayout();
        const agg = new RsyslogAggregator("logging", { hosts, server: hosts[2] });
        await settle();
        expect(agg.server.name).to.equal("node2");
        expect(
            steps()
                .filter((s) => s.name.endsWith("logging-server"))
                .map((s) => s.name),
        ).to.deep.equal(["logging-node2-logging-server"]);
    });
});

const layout = [
    { name: "mgmt", roles: ["mgmt"], ip: "10.0.15.10" },
    { name: "node1", roles: ["zookeeper", "master", "marathon", "registry", "logServer", "agent"], ip: "10.0.15.11", zookeeperId: 1 },
];
const config = (extra: object = {}): StackConfig =>
    validate(stackConfigSchema, { hosts: layout, mesh: { implementation: "overlay" }, ...extra }, "stack config");

describe("logging stack config and deployLogging", () => {
    it("defaults: journal shipping to 19532 (rsyslog's TCP 514 open beside it), 1 GB queue, 7/30 days, scheduler programs forwarded, TLS off", () => {
        expect(config().logging).to.deep.equal({
            port: 514,
            protocol: "journal",
            journalPort: 19532,
            relpPort: 2514,
            localPort: 10514,
            tls: "off",
            retentionDays: { client: 7, server: 30 },
            forwardJournal: ["mesos-master", "mesos-slave", "mesos-agent", "marathon", "zookeeper"],
            queueMaxDiskSpace: "1g",
            allowedSenders: [],
        });
        expect(config({ logging: { retentionDays: { server: 90 } } }).logging.retentionDays).to.deep.equal({ client: 7, server: 90 });
    });

    it("rejects bad settings with the key, the value and what is expected", () => {
        const bad: [object, RegExp][] = [
            [{ port: 70000 }, /logging.port: expected a port from 1 to 65535, got 70000/],
            [{ port: "514" }, /logging.port: expected a port number for the central server/],
            [{ localPort: 514 }, /logging.localPort: expected a port other than the server's \(514, 19532\)/],
            [{ protocol: "tcp", localPort: 514 }, /logging.localPort: expected a port other than the server's \(514\)/],
            [{ journalPort: 514 }, /logging.journalPort: expected a port other than port \(514\)/],
            [{ protocol: "relp", localPort: 2514 }, /logging.localPort: expected a port other than the server's \(514, 2514\)/],
            [{ protocol: "relp", relpPort: 514 }, /logging.relpPort: expected a port other than port \(514\)/],
            [{ protocol: "udp" }, /logging.protocol: expected journal, tcp or relp, got "udp"/],
            [{ protocol: "relp", tls: "server" }, /logging.tls: expected "mutual" or "off" with protocol relp/],
            [
                { tls: true },
                new RegExp(
                    /logging.tls: expected "off", "server" or "mutual" \(a boolean is no longer taken: true was "server"; "mutual" adds client /.source +
                        /certificates\), got true/.source,
                ),
            ],
            [{ tls: false }, /logging.tls: expected "off", "server" or "mutual" \(a boolean is no longer taken.*got false/],
            [
                { tls: "mutual", allowedSenders: ["10.9.0.0/16"] },
                new RegExp(
                    /logging.allowedSenders: expected none with tls "mutual": the server takes only the stack's hosts, by their certificates.*got /.source +
                        /\["10.9.0.0\/16"\]/.source,
                ),
            ],
            [{ retentionDays: { client: 0 } }, /logging.retentionDays.client: expected at least 1 day, got 0/],
            [{ retentionDays: { weeks: 1 } }, /logging.retentionDays.weeks: unknown key/],
            [{ forwardJournal: ['mesos"; stop'] }, /logging.forwardJournal\[0\]: expected a program name \(SyslogIdentifier\)/],
            [{ forwardJournal: ["marathon", "marathon"] }, /logging.forwardJournal: expected no duplicates/],
            [{ queueMaxDiskSpace: "1TB" }, /logging.queueMaxDiskSpace: expected a size like 512m or 1g, got "1TB"/],
            [{ allowedSenders: ["10.0.0.0"] }, /logging.allowedSenders\[0\]: expected an IPv4 CIDR/],
            [{ tls: "yes" }, /logging.tls: .*got "yes"/],
            [{ elk: true }, /logging.elk: unknown key/],
        ];
        for (const [logging, re] of bad) expect(() => config({ logging }), JSON.stringify(logging)).to.throw(re);
    });

    it("deployLogging builds the aggregator and describes where logs go", async () => {
        const hosts = labLayout();
        const l = deployLogging(config({ logging: { allowedSenders: ["10.9.0.0/16"] } }), hosts);
        await settle();
        expect(l.shipping.dockerParameters("web")[1]).to.deep.equal({ key: "log-opt", value: "tag=docker/web" });
        expect(await valueOf(l.outputs.serverAddress as pulumi.Output<string>)).to.equal("10.0.15.11:19532");
        expect(l.outputs.remotePath).to.equal("/var/log/remote/<host>/<YYYY>/<MM>/<DD>/docker/<app>/docker.log");
        expect(l.outputs.example).to.equal("--log-driver=journald --log-opt=tag=docker/<app>");
        expect(script("logging-node1-logging-server").stdin).to.contain("10.0.15.13, 10.9.0.0/16\n");
    });

    it("deployLogging with tls needs the platform's CA", () => {
        expect(() => deployLogging(config({ logging: { tls: "server" } }), labLayout())).to.throw(/logging.tls: needs the stack CA/);
    });
});
