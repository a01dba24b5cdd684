import { expect } from "chai";
import { spawn } from "child_process";
import * as path from "path";
import { REMOTE_COMMAND } from "../../../components/exec/command";

const ROOT = path.resolve(__dirname, "../../..");
type Result = { errors: string[]; registered: { type: string; name: string }[] };

/** Runs secret-inputs-program.ts in its own process (see there why). */
function run(): Promise<Result> {
    return new Promise((resolve, reject) => {
        const child = spawn(process.execPath, ["-r", "ts-node/register/transpile-only", path.join(__dirname, "secret-inputs-program.ts")], { cwd: ROOT });
        let out = "";
        let err = "";
        child.stdout.on("data", (d) => (out += d));
        child.stderr.on("data", (d) => (err += d));
        child.on("close", () => {
            const line = out.split("\n").find((l) => l.startsWith("{"));
            if (line) resolve(JSON.parse(line));
            else reject(new Error(`no result\n${out}\n${err}`));
        });
    });
}

/** The registered steps whose names start with `prefix`. */
const steps = (r: Result, prefix: string) => r.registered.filter((x) => x.type === REMOTE_COMMAND && x.name.startsWith(prefix)).map((x) => x.name);
/** What the program failed with on behalf of one component. */
const errorsOf = (r: Result, component: string) => r.errors.filter((e) => e.includes(component)).join("\n");

describe("inputs given as secrets (or other Outputs) are validated too, when they resolve, before any child uses them", function () {
    this.timeout(180000);
    let r: Result;
    before(async () => {
        r = await run();
    });

    it('ExistingHosts: privateKey: pulumi.secret("hunter2") fails the component by name, never echoed; no host is dialled', () => {
        expect(errorsOf(r, `ExistingHosts "bad-hosts"`)).to.match(
            /ExistingHosts "bad-hosts": invalid input\n\s+privateKey: expected a PEM\/OpenSSH private key, got \(hidden\)/,
        );
        expect(r.errors.join("\n")).to.not.contain("hunter2");
        expect(steps(r, "bad-hosts-")).to.deep.equal([]);
    });

    it("ExistingHosts: a valid secret key still connects", () => {
        expect(errorsOf(r, `"ok-hosts"`)).to.equal("");
        expect(steps(r, "ok-hosts-")).to.have.members(["ok-hosts-mgmt-ready", "ok-hosts-node1-ready"]);
    });

    it('DockerRegistry: password: pulumi.secret("abc") fails the component by name before any of its steps (packages, TLS key, registry, GC) exists', () => {
        expect(errorsOf(r, `DockerRegistry "registry"`)).to.match(
            /DockerRegistry "registry": invalid input\n\s+password: expected at least 12 characters, got \(hidden\)/,
        );
        expect(r.errors.join("\n")).to.not.match(/\babc\b/);
        expect(steps(r, "ca-"), "the CA (no child of the registry) is made").to.deep.equal(["ca-mgmt-ca"]);
        expect(steps(r, "registry-")).to.deep.equal([]);
    });

    it("ServerCertificate: a commonName Output that resolves too long fails by name before the key is made", () => {
        expect(errorsOf(r, `ServerCertificate "cert"`)).to.match(/ServerCertificate "cert": invalid input\n\s+commonName: .*64.*got \(hidden\)/);
        expect(steps(r, "cert-")).to.deep.equal([]);
    });

    it('MesosCluster: marathonPassword: pulumi.secret("short") fails the program naming the component and the key', () => {
        expect(errorsOf(r, `MesosCluster "mesos"`)).to.match(/MesosCluster "mesos": invalid input\n\s+marathonPassword: .*got \(hidden\)/);
        expect(r.errors.join("\n")).to.not.contain("short");
        // Marathon's step is built from the checked password: it never exists with the bad one.
        expect(steps(r, "mesos-node1-marathon")).to.deep.equal([]);
    });

    it('WeaveMesh: password: pulumi.secret("short") fails by name; no weave-service step (which holds it) exists', () => {
        expect(errorsOf(r, `WeaveMesh "weave"`)).to.match(/WeaveMesh "weave": invalid input\n\s+password: .*got \(hidden\)/);
        expect(steps(r, "weave-").filter((n) => n.endsWith("weave-service"))).to.deep.equal([]);
    });
});
