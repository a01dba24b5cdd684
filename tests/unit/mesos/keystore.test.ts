import { expect } from "chai";
import { spawnSync } from "child_process";
import * as fs from "fs";
import { renderScript, STEP_RESULT } from "../../../components/provision";
import { keystoreOps, KeystorePaths } from "../../../components/mesos/ops";
import { marathonCredentialsEnv } from "../../../components/mesos/render";
import { LocalHost } from "../provision/run-local";
import { issue, makeCa, openssl, serveWith } from "./tls-fixtures";

describe("Marathon's keystore step (openssl run locally)", function () {
    let h: LocalHost;
    let paths: KeystorePaths;
    const PASSWORD = "keystore-Kq8/x+3Wm5zR7t";
    before(function () {
        if (process.getuid?.() !== 0) this.skip(); // the step makes the keystore root's, as on a host
    });
    beforeEach(() => {
        h = new LocalHost();
        const ca = makeCa(h.root);
        const server = issue(h.root, ca);
        paths = { cert: server.cert, key: server.key, ca: ca.ca, keystore: h.p("keystore.p12"), passwordEnv: h.p("credentials.env") };
        fs.writeFileSync(paths.passwordEnv, marathonCredentialsEnv("marathon", "marathon-Pw7/k+2Lr9zT4vB8nM1", PASSWORD), { mode: 0o600 });
    });
    afterEach(() => h?.cleanup());

    const run = () => {
        const r = h.run(renderScript("t", "keystore", keystoreOps(paths, "marathon-config")));
        expect(r.code, r.stderr).to.equal(0);
        return STEP_RESULT.exec(r.stdout)![2];
    };
    const fingerprint = () => openssl(["x509", "-in", paths.cert, "-noout", "-fingerprint", "-sha256"]).trim();

    it("makes a 0600 PKCS12 keystore of the certificate, its chain and the key, that opens with the password only", async () => {
        expect(run()).to.equal("changed");
        expect((fs.statSync(paths.keystore).mode & 0o777).toString(8)).to.equal("600");
        const pfx = fs.readFileSync(paths.keystore);
        // Node reads it (the lab's double serves with it); a client that trusts the CA gets through.
        expect(await serveWith(pfx, PASSWORD, paths.ca)).to.equal(200);
        const inside = spawnSync("openssl", ["pkcs12", "-in", paths.keystore, "-passin", "stdin", "-nokeys"], { input: `${PASSWORD}\n`, encoding: "utf8" });
        expect(inside.status, inside.stderr).to.equal(0);
        expect(inside.stdout.match(/BEGIN CERTIFICATE/g), "the certificate and the CA").to.have.length(2);
        // Java 8 reads 3DES-encrypted PKCS12 with a SHA-1 MAC (not OpenSSL 3's AES/PBKDF2 default).
        const info = spawnSync("openssl", ["pkcs12", "-in", paths.keystore, "-passin", "stdin", "-info", "-noout"], {
            input: `${PASSWORD}\n`,
            encoding: "utf8",
        });
        expect(info.stderr).to.contain("MAC: sha1").and.contain("pbeWithSHA1And3-KeyTripleDES-CBC");
        const wrong = spawnSync("openssl", ["pkcs12", "-in", paths.keystore, "-passin", "stdin", "-nokeys"], { input: "wrong\n", encoding: "utf8" });
        expect(wrong.status).to.not.equal(0);
    });

    it("a second run changes nothing; a renewed certificate, a new password or a hand-changed mode rebuilds it", () => {
        expect(run()).to.equal("changed");
        const first = fs.readFileSync(paths.keystore);
        expect(run()).to.equal("unchanged");
        expect(fs.readFileSync(paths.keystore).equals(first)).to.equal(true);

        // Re-signed (same key, new serial and dates): the keystore follows.
        const before = fingerprint();
        openssl([
            "x509",
            "-req",
            "-in",
            h.p("server.csr"),
            "-CA",
            paths.ca,
            "-CAkey",
            h.p("ca.key"),
            "-set_serial",
            "0x02",
            "-days",
            "2",
            "-sha256",
            "-extfile",
            h.p("server.ext"),
            "-out",
            paths.cert,
        ]);
        expect(fingerprint()).to.not.equal(before);
        expect(run()).to.equal("changed");
        const inside = spawnSync("openssl", ["pkcs12", "-in", paths.keystore, "-passin", "stdin", "-nokeys", "-clcerts"], {
            input: `${PASSWORD}\n`,
            encoding: "utf8",
        });
        expect(openssl(["x509", "-noout", "-fingerprint", "-sha256"], inside.stdout).trim()).to.equal(fingerprint());
        expect(run()).to.equal("unchanged");

        // A new password (rotation): the old keystore no longer opens with it.
        fs.writeFileSync(paths.passwordEnv, marathonCredentialsEnv("marathon", "marathon-Pw7/k+2Lr9zT4vB8nM1", "rotated-Kq8/x+3Wm5zR7t"));
        expect(run()).to.equal("changed");
        expect(run()).to.equal("unchanged");

        fs.chmodSync(paths.keystore, 0o644);
        expect(run()).to.equal("changed");
        expect((fs.statSync(paths.keystore).mode & 0o777).toString(8)).to.equal("600");
    });

    it("never puts the password on a command line: openssl reads it on a file descriptor from the env file", () => {
        const script = renderScript("t", "keystore", keystoreOps(paths));
        expect(script).to.not.contain(PASSWORD);
        expect(script).to.contain("-passout fd:3").and.contain("-passin fd:3");
    });
});
