import { expect } from "chai";
import { spawnSync } from "child_process";
import * as fs from "fs";
import { renderScript, stepPayload, STEP_RESULT } from "../../../components/provision";
import { StackCa } from "../../../components/pki";
import { caOps, keyOps, signOps, subjectAltName } from "../../../components/pki/ops";
import { LocalHost } from "../provision/run-local";
import { fakeHost, PEM, realisticStepOutputs } from "../provision/fake-host";
import { runsAfter } from "../provision/deps";
import { mocks } from "../../support/setup";
import { settle, valueOf } from "../../support/outputs";

const openssl = (args: string[], input?: string) => spawnSync("openssl", args, { input, encoding: "utf8" });

describe("PKI scripts (openssl run locally)", function () {
    let h: LocalHost;
    before(function () {
        if (process.getuid?.() !== 0) this.skip(); // the steps chown to root, as on a host
    });
    beforeEach(() => (h = new LocalHost()));
    afterEach(() => h?.cleanup());

    const run = (step: string, ops: ReturnType<typeof caOps>) => {
        const r = h.run(renderScript("t", step, ops));
        expect(r.code, r.stderr).to.equal(0);
        return { result: STEP_RESULT.exec(r.stdout)![2], payload: stepPayload(r.stdout) };
    };

    it("makes a CA once, keeps its key 0600 in a 0700 dir, prints only its certificate", () => {
        const spec = { dir: h.p("pki"), commonName: "test stack CA", validityDays: 3650 };
        const first = run("ca", caOps(spec));
        expect(first.result).to.equal("changed");
        expect(first.payload).to.match(/^-----BEGIN CERTIFICATE-----\n[\s\S]+\n-----END CERTIFICATE-----$/);
        expect(openssl(["x509", "-noout", "-subject", "-ext", "basicConstraints"], first.payload).stdout)
            .to.contain("CN = test stack CA")
            .and.contain("CA:TRUE");
        expect((fs.statSync(h.p("pki/ca.key")).mode & 0o777).toString(8)).to.equal("600");
        expect((fs.statSync(h.p("pki")).mode & 0o777).toString(8)).to.equal("700");
        const again = run("ca", caOps(spec));
        expect(again).to.deep.equal({ result: "unchanged", payload: first.payload });
    });

    it("issues a server certificate for the wanted names, and re-issues only when they change", () => {
        const ca = run("ca", caOps({ dir: h.p("pki"), commonName: "test CA", validityDays: 3650 })).payload;
        const subject = { commonName: "node1", ips: ["10.0.15.11"], dnsNames: ["node1"] };
        const key = { ...subject, dir: h.p("tls/registry"), keyGroup: h.group };
        const csr1 = run("key", keyOps(key));
        expect(csr1.payload).to.contain("BEGIN CERTIFICATE REQUEST");
        const keyPem = fs.readFileSync(h.p("tls/registry/key.pem"), "utf8");
        expect((fs.statSync(h.p("tls/registry/key.pem")).mode & 0o777).toString(8)).to.equal("640");

        const sign = (s: typeof subject, csr: string) =>
            run("sign", signOps({ ...s, caDir: h.p("pki"), name: "registry", csrPem: csr, caPem: ca, validityDays: 825 }));
        const cert1 = sign(subject, csr1.payload);
        fs.writeFileSync(h.p("ca.pem"), ca);
        fs.writeFileSync(h.p("cert.pem"), cert1.payload);
        expect(openssl(["verify", "-CAfile", h.p("ca.pem"), h.p("cert.pem")]).stdout).to.contain(": OK");
        expect(openssl(["x509", "-in", h.p("cert.pem"), "-noout", "-ext", "subjectAltName,extendedKeyUsage"]).stdout)
            .to.contain("IP Address:10.0.15.11")
            .and.contain("DNS:node1")
            .and.contain("TLS Web Server Authentication");

        // Second run of each step: nothing is regenerated.
        expect(run("key", keyOps(key))).to.deep.equal({ result: "unchanged", payload: csr1.payload });
        expect(sign(subject, csr1.payload)).to.deep.equal({ result: "unchanged", payload: cert1.payload });

        // A new address: a new CSR with the same key, and a new certificate.
        const moved = { ...subject, ips: ["10.0.15.21"] };
        const csr2 = run("key", keyOps({ ...key, ...moved }));
        expect(csr2.result).to.equal("changed");
        expect(fs.readFileSync(h.p("tls/registry/key.pem"), "utf8")).to.equal(keyPem);
        const cert2 = sign(moved, csr2.payload);
        expect(cert2.result).to.equal("changed");
        expect(openssl(["x509", "-noout", "-ext", "subjectAltName"], cert2.payload).stdout)
            .to.contain("IP Address:10.0.15.21")
            .and.not.contain("10.0.15.11");
    });

    it("re-signs when the CA changed", () => {
        const dir = h.p("pki");
        const ca1 = run("ca", caOps({ dir, commonName: "one", validityDays: 3650 })).payload;
        const subject = { commonName: "n", ips: ["10.0.0.1"], dnsNames: [] };
        const csr = run("key", keyOps({ ...subject, dir: h.p("tls/x"), keyGroup: h.group })).payload;
        run("sign", signOps({ ...subject, caDir: dir, name: "x", csrPem: csr, caPem: ca1, validityDays: 90 }));
        fs.rmSync(h.p("pki/ca.key"));
        const ca2 = run("ca", caOps({ dir, commonName: "one", validityDays: 3650 }));
        expect(ca2.result).to.equal("changed");
        expect(run("sign", signOps({ ...subject, caDir: dir, name: "x", csrPem: csr, caPem: ca2.payload, validityDays: 90 })).result).to.equal("changed");
    });
});

describe("PKI components (mocks)", () => {
    it("orders the steps: CA on mgmt, key on the server, signing on mgmt after both", async () => {
        realisticStepOutputs();
        const mgmt = fakeHost("mgmt", "10.0.15.10", ["mgmt"]);
        const node1 = fakeHost("node1", "10.0.15.11", ["registry"]);
        const ca = new StackCa("pki", { host: mgmt, commonName: "dev stack CA" });
        const cert = ca.issue("registry", { host: node1, commonName: "node1", ips: [node1.privateIp], dnsNames: ["node1"], keyGroup: "docker-registry" });
        expect(await valueOf(ca.caCert)).to.equal(PEM.ca);
        expect(await valueOf(cert.certPem)).to.equal(PEM.cert);
        await settle();
        const step = (n: string) => mocks.named(n);
        expect(step("pki-mgmt-ca").inputs.connection.host).to.equal("10.0.15.10");
        expect(step("registry-node1-tls-key").inputs.connection.host).to.equal("10.0.15.11");
        expect(step("registry-mgmt-tls-sign").inputs.connection.host).to.equal("10.0.15.10");
        expect(runsAfter("registry-mgmt-tls-sign", "pki-mgmt-ca")).to.equal(true);
        expect(runsAfter("registry-mgmt-tls-sign", "registry-node1-tls-key")).to.equal(true);
        // The CSR and the CA certificate reach the signing step; no private key is in any script.
        expect(step("registry-mgmt-tls-sign").inputs.stdin).to.contain(PEM.csr).and.contain(PEM.ca).and.contain("IP:10.0.15.11,DNS:node1");
        for (const r of mocks.byType("pulumi-nodejs:dynamic/exec:RemoteCommand")) expect(String(r.inputs.stdin ?? "")).to.not.match(/PRIVATE KEY-----/);
        expect(step("registry-node1-tls-key").inputs.stdin).to.contain("ensure_dir '/etc/microservice/tls/registry' '0750' 'root' 'docker-registry'");
    });

    it("rejects bad arguments with the key, the value and what is expected", () => {
        const mgmt = fakeHost("mgmt", "10.0.15.10", ["mgmt"]);
        expect(() => new StackCa("bad", { host: mgmt, certificateValidityDays: 7 })).to.throw(
            /StackCa "bad"[\s\S]*certificateValidityDays: expected at least 31 days[\s\S]*got 7/,
        );
        const ca = new StackCa("ok", { host: mgmt });
        expect(() => ca.issue("Bad_Name", { host: mgmt, commonName: "x", ips: ["10.0.0.1"] })).to.throw(/name: expected a certificate name/);
        expect(() => ca.issue("noips", { host: mgmt, commonName: "x", ips: [] })).to.throw(/ips: expected at least one IP address/);
    });

    it("renders stable subjectAltNames", () => {
        expect(subjectAltName({ commonName: "x", ips: ["10.0.0.2", "10.0.0.2", "10.0.0.1"], dnsNames: ["a", "a"] })).to.equal("IP:10.0.0.2,IP:10.0.0.1,DNS:a");
    });
});
