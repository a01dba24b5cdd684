import { spawnSync } from "child_process";
import * as fs from "fs";
import * as https from "https";
import { AddressInfo } from "net";

/** Certificates as the stack's PKI makes them (EC P-256), made with the real openssl for the TLS tests. */

export const openssl = (args: string[], input?: string) => {
    const r = spawnSync("openssl", args, { input, encoding: "utf8" });
    if (r.status !== 0) throw new Error(`openssl ${args.join(" ")}: ${r.stderr}`);
    return r.stdout;
};

/** A CA, as the stack's PKI makes it (EC P-256), in `dir`; `issue` signs a server certificate for one IP with it. */
export function makeCa(dir: string, name = "ca"): { ca: string; caKey: string } {
    const ca = `${dir}/${name}.pem`;
    const caKey = `${dir}/${name}.key`;
    openssl([
        "req",
        "-x509",
        "-new",
        "-newkey",
        "ec",
        "-pkeyopt",
        "ec_paramgen_curve:P-256",
        "-nodes",
        "-subj",
        `/CN=test ${name}`,
        "-days",
        "2",
        "-keyout",
        caKey,
        "-out",
        ca,
        "-addext",
        "basicConstraints=critical,CA:TRUE",
        "-addext",
        "keyUsage=critical,keyCertSign,cRLSign",
    ]);
    return { ca, caKey };
}

export function issue(dir: string, c: { ca: string; caKey: string }, name = "server", ip = "127.0.0.1"): { cert: string; key: string } {
    const key = `${dir}/${name}.key`;
    const cert = `${dir}/${name}.pem`;
    openssl(["genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256", "-out", key]);
    const csr = openssl(["req", "-new", "-key", key, "-subj", `/CN=${ip}`]);
    fs.writeFileSync(
        `${dir}/${name}.ext`,
        `basicConstraints=critical,CA:FALSE\nkeyUsage=critical,digitalSignature,keyEncipherment\nextendedKeyUsage=serverAuth\nsubjectAltName=IP:${ip}\n`,
    );
    fs.writeFileSync(`${dir}/${name}.csr`, csr);
    openssl([
        "x509",
        "-req",
        "-in",
        `${dir}/${name}.csr`,
        "-CA",
        c.ca,
        "-CAkey",
        c.caKey,
        "-set_serial",
        "0x01",
        "-days",
        "2",
        "-sha256",
        "-extfile",
        `${dir}/${name}.ext`,
        "-out",
        cert,
    ]);
    return { cert, key };
}

/** An https server on 127.0.0.1 with the keystore (as the lab's Marathon double reads it); a GET trusting `ca`. */
export async function serveWith(pfx: Buffer, passphrase: string, ca: string | undefined): Promise<number> {
    const server = https.createServer({ pfx, passphrase }, (_q, res) => res.end("pong"));
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    try {
        return await new Promise<number>((resolve, reject) => {
            const req = https.get(
                { host: "127.0.0.1", port: (server.address() as AddressInfo).port, path: "/ping", ca: ca ? fs.readFileSync(ca) : undefined, agent: false },
                (res) => {
                    res.resume();
                    resolve(res.statusCode ?? 0);
                },
            );
            req.on("error", reject);
        });
    } finally {
        server.close();
    }
}
