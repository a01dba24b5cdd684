import { expect } from "chai";
import * as pulumi from "@pulumi/pulumi";
import { DockerEngine, DockerRegistry } from "../../../components/docker";
import { daemonJson, engineOps, gcOps, registryConfigYaml, registryLoginOps, registryOps } from "../../../components/docker/ops";
import { StackCa } from "../../../components/pki";
import { renderScript } from "../../../components/provision";
import { expectGolden, stepBody } from "../provision/golden";
import { fakeHost, PEM, realisticStepOutputs } from "../provision/fake-host";
import { runsAfter } from "../provision/deps";
import { mocks } from "../../support/setup";
import { settle, valueOf } from "../../support/outputs";

const PASSWORD = "correct-horse-battery-42";
const daemon = { logDriver: "json-file", logOpts: { "max-size": "10m", "max-file": "3" }, insecureRegistries: [], extra: {} };

describe("Docker scripts (golden)", () => {
    it("daemon.json: sorted keys, log options, no insecure registry by default", () => {
        expectGolden(__dirname, "daemon.json", daemonJson(daemon));
        expect(JSON.parse(daemonJson(daemon))).to.not.have.property("insecure-registries");
    });

    it("daemon.json in insecure mode with a bip and an extra key", () => {
        expectGolden(
            __dirname,
            "daemon-insecure.json",
            daemonJson({ ...daemon, bip: "172.31.0.1/24", insecureRegistries: ["10.0.15.11:5000"], extra: { "max-concurrent-downloads": 5 } }),
        );
    });

    it("engine step: package, daemon.json, docker restarted only on daemon.json, bounded wait", () => {
        expectGolden(__dirname, "engine.sh", stepBody(renderScript("node2", "docker", engineOps(daemon, 90))));
    });

    it("registry config.yml with TLS, and without it in insecure mode", () => {
        const tls = { certPem: PEM.cert, keyPath: "/etc/microservice/tls/registry-tls/key.pem", caPem: PEM.ca };
        expectGolden(__dirname, "registry-tls.yml", registryConfigYaml({ port: 5000, storageDir: "/var/lib/docker-registry", logLevel: "info", tls }));
        const plain = registryConfigYaml({ port: 5001, storageDir: "/srv/registry", logLevel: "warn" });
        expectGolden(__dirname, "registry-insecure.yml", plain);
        expect(plain).to.not.contain("tls:");
    });

    it("registry step: the password only in a 0600 file, htpasswd fed from it, restart on config, cert or htpasswd", () => {
        const ops = registryOps({
            port: 5000,
            address: "10.0.15.11:5000",
            username: "microservice",
            password: PASSWORD,
            storageDir: "/var/lib/docker-registry",
            logLevel: "info",
            gcSchedule: "weekly",
            readySeconds: 60,
            tls: { certPem: PEM.cert, keyPath: "/k.pem", caPem: PEM.ca },
        });
        const s = renderScript("node1", "registry", ops);
        expect(s).to.contain(`ensure_file '/etc/docker/registry/password' '0600' 'root' 'root'`);
        expect(s.split(PASSWORD).length - 1, "password appears once, as file content").to.equal(1);
        expect(s).to.match(new RegExp(`<<'__EOF_[0-9a-f]+__'\\n${PASSWORD}\\n__EOF`));
        expect(s).to.match(/htpasswd -iBc \/etc\/docker\/registry\/htpasswd.new \S+microservice\S+ <\/etc\/docker\/registry\/password/);
        expect(s).to.contain("ensure_service 'docker-registry' 1 'registry-config' 'registry-tls' 'registry-htpasswd'");
        expect(s).to.contain("--cacert /etc/docker/registry/tls/ca.pem '\\''https://10.0.15.11:5000/v2/'\\'')\" = 401 ]");
        expectGolden(__dirname, "registry.sh", stepBody(s));
    });

    it("refuses a password that htpasswd or docker login would mangle", () => {
        expect(() =>
            registryOps({
                port: 5000,
                address: "a:5000",
                username: "u",
                password: "has space in it",
                storageDir: "/s",
                logLevel: "info",
                gcSchedule: "weekly",
                readySeconds: 60,
            }),
        ).to.throw(/no whitespace/);
    });

    it("login step: CA trusted for exactly this address, password via stdin from a 0600 file", () => {
        const s = renderScript(
            "node2",
            "registry",
            registryLoginOps({ address: "10.0.15.11:5000", username: "microservice", password: PASSWORD, caCert: PEM.ca }),
        );
        expect(s).to.contain("ensure_file '/etc/docker/certs.d/10.0.15.11:5000/ca.crt' '0644' 'root' 'root' 'registry-trust'");
        expect(s).to.contain(
            "docker login --username '\\''microservice'\\'' --password-stdin '\\''10.0.15.11:5000'\\'' " +
                "<'\\''/etc/microservice/registry-login/10.0.15.11:5000.password'\\''",
        );
        expect(s).to.not.match(/ensure_service 'docker'/); // certs.d is read per request: no restart
        expect(renderScript("n", "r", registryLoginOps({ address: "a:1", username: "u", password: PASSWORD, caCert: "" }))).to.not.contain("certs.d");
    });

    it("garbage collection: a timer and a oneshot that stops the registry around it", () => {
        expectGolden(__dirname, "registry-gc.sh", stepBody(renderScript("node1", "registry-gc", gcOps("Sun *-*-* 03:00:00"))));
    });
});

describe("DockerEngine and DockerRegistry (mocks)", () => {
    const layout = () => ({
        mgmt: fakeHost("mgmt", "10.0.15.10", ["mgmt"]),
        node1: fakeHost("node1", "10.0.15.11", ["registry", "agent"]),
        node2: fakeHost("node2", "10.0.15.12", ["agent"]),
    });

    it("provisions every host, and logs in only after the registry serves", async () => {
        realisticStepOutputs();
        const h = layout();
        const ca = new StackCa("pki", { host: h.mgmt });
        const registry = new DockerRegistry("registry", { host: h.node1, ca, password: pulumi.secret(PASSWORD) });
        const engine = new DockerEngine("docker", { hosts: [h.mgmt, h.node1, h.node2], registry: registry.endpoint });
        expect(await valueOf(registry.address)).to.equal("10.0.15.11:5000");
        expect(await valueOf(registry.caCert)).to.equal(PEM.ca);
        await settle();
        const names = mocks
            .byType("pulumi-nodejs:dynamic/exec:RemoteCommand")
            .map((r) => r.name)
            .filter((n) => !n.endsWith("-ready"));
        expect(names).to.have.members([
            "pki-mgmt-ca",
            "registry-node1-registry-packages",
            "registry-tls-node1-tls-key",
            "registry-tls-mgmt-tls-sign",
            "registry-node1-registry",
            "registry-node1-registry-gc",
            "docker-mgmt-docker",
            "docker-node1-docker",
            "docker-node2-docker",
            "docker-mgmt-registry",
            "docker-node1-registry",
            "docker-node2-registry",
        ]);
        for (const host of ["mgmt", "node1", "node2"]) {
            expect(runsAfter(`docker-${host}-registry`, "registry-node1-registry"), host).to.equal(true);
            expect(runsAfter(`docker-${host}-registry`, `docker-${host}-docker`), host).to.equal(true);
            expect(runsAfter(`docker-${host}-registry`, "pki-mgmt-ca"), host).to.equal(true);
            expect(mocks.named(`docker-${host}-docker`).inputs.stdin).to.contain(await valueOf(engine.daemonJson));
        }
        expect(runsAfter("registry-tls-node1-tls-key", "registry-node1-registry-packages")).to.equal(true); // key group exists first
        expect(mocks.named("registry-node1-registry").inputs.stdin).to.contain(PEM.cert);
    });

    it("keeps the password secret: every input that holds it is a secret, and those steps log nothing", async () => {
        realisticStepOutputs();
        const h = layout();
        const ca = new StackCa("pki", { host: h.mgmt });
        const registry = new DockerRegistry("registry", { host: h.node1, ca, password: PASSWORD });
        new DockerEngine("docker", { hosts: [h.node2], registry: registry.endpoint });
        expect(await valueOf((registry.password as any).isSecret)).to.equal(true);
        await settle();
        const holders = mocks.resources.filter((r) => JSON.stringify(r.inputs).includes(PASSWORD));
        expect(holders.map((r) => r.name)).to.have.members(["registry-node1-registry", "docker-node2-registry"]);
        for (const r of holders) {
            for (const [k, v] of Object.entries(r.inputs)) if (JSON.stringify(v).includes(PASSWORD)) expect(r.secretInputs, `${r.name}.${k}`).to.include(k);
            expect(r.inputs.logging).to.equal("none");
            expect(r.inputs.create).to.not.contain(PASSWORD);
        }
    });

    it("insecure mode: no CA, no certificate, insecure-registries in every daemon.json", async () => {
        const h = layout();
        const registry = new DockerRegistry("registry", { host: h.node1, settings: { insecure: true, username: "u" }, password: PASSWORD });
        const engine = new DockerEngine("docker", { hosts: [h.node2], registry: registry.endpoint, registryInsecure: registry.insecure });
        expect(JSON.parse(await valueOf(engine.daemonJson))["insecure-registries"]).to.deep.equal(["10.0.15.11:5000"]);
        expect(await valueOf(registry.caCert)).to.equal("");
        await settle();
        expect(mocks.resources.map((r) => r.name).filter((n) => /tls|-ca$/.test(n))).to.deep.equal([]);
        expect(mocks.named("docker-node2-registry").inputs.stdin).to.not.contain("certs.d");
    });

    it("rejects bad arguments, naming the key, the value and what is expected", () => {
        const h = layout();
        expect(() => new DockerRegistry("r1", { host: h.node1, settings: { username: "u" }, password: PASSWORD })).to.throw(
            /DockerRegistry "r1"[\s\S]*ca: expected a ca \(StackCa\) unless settings.insecure is true/,
        );
        expect(() => new DockerRegistry("r2", { host: h.node1, settings: { insecure: true, port: 70000 }, password: PASSWORD })).to.throw(
            /settings\.port: .*got 70000/,
        );
        expect(() => new DockerRegistry("r3", { host: h.node1, settings: { insecure: true, username: "Bad User" }, password: PASSWORD })).to.throw(
            /settings\.username: expected a user name/,
        );
        expect(() => new DockerRegistry("r4", { host: h.node1, settings: { insecure: true }, password: "short" })).to.throw(
            /password: expected at least 12 characters, got \(hidden\)/,
        );
        expect(() => new DockerRegistry("r5", { host: h.node1, settings: { insecure: true, gcSchedule: "daily; rm -rf /" }, password: PASSWORD })).to.throw(
            /settings\.gcSchedule: expected a systemd OnCalendar expression/,
        );
        expect(() => new DockerEngine("e1", { hosts: [h.node1], settings: { bip: "172.31.0.1" } })).to.throw(
            /DockerEngine "e1"[\s\S]*settings\.bip: expected an IPv4 CIDR/,
        );
        expect(() => new DockerEngine("e2", { hosts: [h.node1], daemonConfig: { "log-driver": "syslog" } })).to.throw(
            /daemonConfig: expected no key that DockerEngine sets itself/,
        );
        expect(() => new DockerEngine("e3", { hosts: [] })).to.throw(/hosts: expected at least one host/);
    });
});
