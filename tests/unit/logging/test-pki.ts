import { execFileSync } from "child_process";
import * as fs from "fs";
import * as net from "net";
import * as path from "path";
import { caConfig, certificateExtensions, CertificateUsage, csrConfig } from "../../../components/pki/ops";

/** Certificates as the stack makes them (StackCa's openssl configurations), for the logging tests on loopback. */

export function freePort(): Promise<number> {
    return new Promise((resolve, reject) => {
        const s = net.createServer().listen(0, "127.0.0.1", () => {
            const port = (s.address() as net.AddressInfo).port;
            s.close(() => resolve(port));
        });
        s.on("error", reject);
    });
}

export const openssl = (cwd: string, ...args: string[]) => execFileSync("openssl", args, { cwd, stdio: ["ignore", "pipe", "pipe"] });

/** A CA as StackCa makes it (caConfig), in `dir`. */
export function makeCa(dir: string, commonName: string): string {
    fs.mkdirSync(dir, { recursive: true });
    fs.writeFileSync(path.join(dir, "ca.cnf"), caConfig(commonName));
    openssl(
        dir,
        "req",
        "-x509",
        "-new",
        "-newkey",
        "ec",
        "-pkeyopt",
        "ec_paramgen_curve:P-256",
        "-nodes",
        "-config",
        "ca.cnf",
        "-days",
        "2",
        "-keyout",
        "ca.key",
        "-out",
        "ca.crt",
    );
    return dir;
}

/** Key and CSR as keyOps makes them, signed as signOps does (certificateExtensions), key at `keyFile`. */
export function issue(caDir: string, keyFile: string, name: string, usage: CertificateUsage): string {
    const dir = fs.mkdtempSync(path.join(caDir, `${name}-`));
    const subject = { commonName: name, ips: ["127.0.0.1"], dnsNames: [name] };
    fs.writeFileSync(path.join(dir, "csr.cnf"), csrConfig(subject));
    fs.writeFileSync(path.join(dir, "ext.cnf"), certificateExtensions(subject, usage));
    fs.mkdirSync(path.dirname(keyFile), { recursive: true });
    openssl(dir, "genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256", "-out", keyFile);
    openssl(dir, "req", "-new", "-key", keyFile, "-config", "csr.cnf", "-out", "csr.pem");
    openssl(
        dir,
        "x509",
        "-req",
        "-in",
        "csr.pem",
        "-CA",
        path.join(caDir, "ca.crt"),
        "-CAkey",
        path.join(caDir, "ca.key"),
        "-set_serial",
        "0x1234",
        "-days",
        "2",
        "-sha256",
        "-extfile",
        "ext.cnf",
        "-out",
        "cert.pem",
    );
    return fs.readFileSync(path.join(dir, "cert.pem"), "utf8");
}
