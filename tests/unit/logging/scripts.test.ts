import { expect } from "chai";
import { Op, renderScript } from "../../../components/provision";
import { clientOps, IMKLOG_OFF_IN_CONTAINER, serverOps } from "../../../components/logging/ops";
import { FILES } from "../../../components/logging/render";
import { expectGolden, stepBody } from "../provision/golden";
import { CA_PEM, CERT_PEM, client, server } from "./fixtures";

const of = <K extends Op["kind"]>(ops: Op[], kind: K) => ops.filter((o) => o.kind === kind) as Extract<Op, { kind: K }>[];

describe("logging steps", () => {
    it("client step (golden): packages, files, config check before the restart, listener check, retention", () => {
        const ops = clientOps(client());
        expectGolden(__dirname, "client-step.sh", stepBody(renderScript("node2", "logging-client", ops)));
        expect(of(ops, "packages")[0].names).to.deep.equal(["rsyslog", "logrotate"]);
        const kinds = ops.map((o) => (o.kind === "file" ? `file ${o.path}` : o.kind === "service" ? `service ${o.name}` : o.kind));
        // The config is checked after every rsyslog file is written and before rsyslog restarts with it.
        const check = ops.findIndex((o) => o.kind === "assert" && o.check === "rsyslogd -N1 -f /etc/rsyslog.conf");
        expect(check).to.be.greaterThan(kinds.indexOf(`file ${FILES.journal}`));
        expect(check).to.be.lessThan(kinds.indexOf("service rsyslog"));
        expect(ops[kinds.indexOf("service rsyslog") + 1]).to.deep.include({ kind: "waitFor", check: "ss -Hltn 'src 127.0.0.1:10514' | grep -q ." });
        expect(of(ops, "service").map((s) => s.name)).to.deep.equal(["rsyslog", "logrotate.timer", "microservice-log-retention.timer"]);
        expect(of(ops, "unit").map((u) => u.name)).to.deep.equal(["microservice-log-retention.service", "microservice-log-retention.timer"]);
    });

    it("restarts rsyslog only when one of its own files changed", () => {
        const ops = clientOps(client({ target: { protocol: "tcp", address: "10.0.15.11", port: 514, tls: { peerName: "node1" } }, caPem: CA_PEM }));
        const rsyslog = of(ops, "service").find((s) => s.name === "rsyslog")!;
        expect(rsyslog.restartOn).to.deep.equal(["rsyslog-config"]);
        const tagged = of(ops, "file")
            .filter((f) => f.tag === "rsyslog-config")
            .map((f) => f.path);
        expect(tagged).to.deep.equal(["/etc/microservice/logging/ca.pem", FILES.base, FILES.docker, FILES.journal]);
        // logrotate and the retention units never restart rsyslog.
        expect(of(ops, "file").find((f) => f.path === FILES.logrotate)!.tag).to.equal(undefined);
        expect(of(ops, "exec")).to.deep.equal([IMKLOG_OFF_IN_CONTAINER]);
        expect(IMKLOG_OFF_IN_CONTAINER.tag).to.equal("rsyslog-config");
    });

    it("turns imklog off only in a container host, once", () => {
        expect(IMKLOG_OFF_IN_CONTAINER.unless).to.equal(
            `! systemd-detect-virt --container --quiet || ! grep -Eq '^[[:space:]]*module\\(load="imklog"' /etc/rsyslog.conf`,
        );
        expect(IMKLOG_OFF_IN_CONTAINER.run).to.contain("sed -i -E");
    });

    it("adds rsyslog-relp / rsyslog-gnutls only when the settings need them", () => {
        expect(of(clientOps(client({ target: { protocol: "relp", address: "10.0.15.11", port: 2514 } })), "packages")[0].names).to.deep.equal([
            "rsyslog",
            "logrotate",
            "rsyslog-relp",
        ]);
        expect(
            of(clientOps(client({ target: { protocol: "tcp", address: "a", port: 514, tls: { peerName: "node1" } }, caPem: CA_PEM })), "packages")[0].names,
        ).to.deep.equal(["rsyslog", "logrotate", "rsyslog-gnutls"]);
        expect(of(serverOps(server({ relpPort: 2514 })), "packages")[0].names).to.deep.equal(["rsyslog-relp"]);
        expect(of(serverOps(server()), "packages")).to.deep.equal([]);
        expect(() => clientOps(client({ target: { protocol: "tcp", address: "a", port: 514, tls: { peerName: "node1" } } }))).to.throw(
            /TLS needs the stack CA certificate/,
        );
    });

    it('client step with tls "mutual" installs its own certificate beside the CA (its key never travels)', () => {
        const tls = { peerName: "node1", clientKeyPath: "/etc/microservice/tls/logging-client-node2/key.pem" };
        const ops = clientOps(client({ target: { protocol: "relp", address: "10.0.15.11", port: 2514, tls }, caPem: CA_PEM, clientCertPem: CERT_PEM }));
        expect(
            of(ops, "file")
                .filter((f) => f.tag === "rsyslog-config")
                .map((f) => f.path)
                .slice(0, 2),
        ).to.deep.equal(["/etc/microservice/logging/ca.pem", "/etc/microservice/logging/client.pem"]);
        expect(of(ops, "packages")[0].names).to.deep.equal(["rsyslog", "logrotate", "rsyslog-relp", "rsyslog-gnutls"]);
        expect(JSON.stringify(ops)).not.to.contain("PRIVATE KEY");
        expect(() => clientOps(client({ target: { protocol: "tcp", address: "a", port: 514, tls }, caPem: CA_PEM }))).to.throw(
            /tls "mutual" needs this host's client certificate/,
        );
    });

    it("server step (golden): tree, config check, listener checks, its own retention timer", () => {
        const ops = serverOps(server({ relpPort: 2514 }));
        expectGolden(__dirname, "server-step.sh", stepBody(renderScript("node1", "logging-server", ops)));
        expect(of(ops, "assert").map((w) => w.check)).to.deep.equal(["rsyslogd -N1 -f /etc/rsyslog.conf"]);
        expect(of(ops, "waitFor").map((w) => w.check)).to.deep.equal(["ss -Hltn 'sport = :514' | grep -q .", "ss -Hltn 'sport = :2514' | grep -q ."]);
        expect(of(ops, "unit").map((u) => u.name)).to.deep.equal(["microservice-log-retention-remote.service", "microservice-log-retention-remote.timer"]);
        expect(of(ops, "unit")[0].content).to.contain("-mmin +43200 -delete");
    });

    it("server step with TLS installs the certificate and CA, and restarts rsyslog when they change", () => {
        const ops = serverOps(server({ tls: "server", certPem: CERT_PEM, caPem: CA_PEM, keyPath: "/etc/microservice/tls/logging-tls/key.pem" }));
        const files = of(ops, "file");
        expect(files.map((f) => [f.path, f.tag])).to.deep.equal([
            ["/etc/microservice/logging/ca.pem", "rsyslog-config"],
            ["/etc/microservice/logging/server.pem", "rsyslog-config"],
            [FILES.server, "rsyslog-config"],
        ]);
        expect(files[1].content).to.equal(`${CERT_PEM}\n`);
        expect(() => serverOps(server({ tls: "server", caPem: CA_PEM }))).to.throw(/TLS needs the server certificate/);
    });

    it('protocol "journal", client (golden): rsyslog writes the host\'s files and forwards nothing; the shipper restarts on its own files only', () => {
        const ops = clientOps(
            client({
                target: { protocol: "journal", address: "10.0.15.11", port: 19532, tls: { peerName: "node1", clientKeyPath: "/k.pem" } },
                caPem: CA_PEM,
                clientCertPem: CERT_PEM,
            }),
        );
        expectGolden(__dirname, "client-step-journal.sh", stepBody(renderScript("node2", "logging-client", ops)));
        expect(of(ops, "packages")[0].names).to.deep.equal(["rsyslog", "logrotate", "python3"]);
        expect(of(ops, "file").find((f) => f.path === FILES.base)!.content).not.to.contain("omfwd");
        // TLS files serve only the shipper: a new certificate restarts it, not rsyslog.
        const restarts = Object.fromEntries(of(ops, "service").map((sv) => [sv.name, sv.restartOn ?? []]));
        expect(restarts).to.deep.include({ rsyslog: ["rsyslog-config"], "microservice-log-shipper": ["log-shipper"] });
        expect(
            of(ops, "file")
                .filter((f) => f.tag === "log-shipper")
                .map((f) => f.path),
        ).to.deep.equal([
            "/etc/microservice/logging/ca.pem",
            "/etc/microservice/logging/client.pem",
            "/usr/local/sbin/microservice-log-shipper",
            "/etc/microservice/logging/shipper.json",
        ]);
        // A host that forwarded with rsyslog until now starts its shipper at the journal's end (read before the forwarding config is replaced).
        const startAt = of(ops, "exec").find((e) => e.description.includes("journal's end"))!;
        expect(ops.indexOf(startAt)).to.be.lessThan(ops.findIndex((o) => o.kind === "file" && o.path === FILES.base));
    });

    it('protocol "journal", server (golden): the receiver beside rsyslog, each host\'s address listed, both restarted on the server certificate', () => {
        const hosts = { node1: "10.0.15.11", node2: "10.0.15.12" };
        const ops = serverOps(
            server({ tls: "server", certPem: CERT_PEM, caPem: CA_PEM, keyPath: "/etc/microservice/tls/logging-tls/key.pem", journal: { port: 19532, hosts } }),
        );
        expectGolden(__dirname, "server-step-journal.sh", stepBody(renderScript("node1", "logging-server", ops)));
        const restarts = Object.fromEntries(of(ops, "service").map((sv) => [sv.name, sv.restartOn ?? []]));
        expect(restarts).to.deep.include({ rsyslog: ["rsyslog-config", "logging-tls"], "microservice-log-receiver": ["log-receiver", "logging-tls"] });
        expect(JSON.parse(of(ops, "file").find((f) => f.path === "/etc/microservice/logging/receiver.json")!.content).hosts).to.deep.equal(hosts);
        expect(of(ops, "waitFor").map((w) => w.check)).to.include("ss -Hltn 'sport = :19532' | grep -q .");
    });
});
