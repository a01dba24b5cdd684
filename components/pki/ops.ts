import { directory, emit, exec, file, Op, packages, q } from "../provision";

/**
 * Pure generators of the PKI steps. The CA key is made on the CA host and never leaves it; a
 * server key is made on its server and never leaves it; only the CSR and the certificate travel
 * (as step stdout, parsed with `stepPayload`).
 */

/** Re-issue (or regenerate) what expires within this many seconds, when its step runs. */
export const RENEW_BEFORE_SECONDS = 30 * 24 * 3600;

export interface CaSpec {
    /** Directory on the CA host (0700): ca.key (0600), ca.crt, issued/<name>/. */
    dir: string;
    commonName: string;
    validityDays: number;
}

const samePublicKey = (a: string, b: string) => `[ "$(${a} 2>/dev/null)" = "$(${b} 2>/dev/null)" ] && [ -n "$(${a} 2>/dev/null)" ]`;
const certPub = (f: string) => `openssl x509 -in ${q(f)} -noout -pubkey`;
const keyPub = (f: string) => `openssl pkey -in ${q(f)} -pubout`;
const csrPub = (f: string) => `openssl req -in ${q(f)} -noout -pubkey`;
const validFor = (f: string) => `openssl x509 -in ${q(f)} -noout -checkend ${RENEW_BEFORE_SECONDS} >/dev/null`;

export function caConfig(commonName: string): string {
    return [
        "[req]",
        "prompt = no",
        "distinguished_name = dn",
        "x509_extensions = v3_ca",
        "[dn]",
        `CN = ${commonName}`,
        "[v3_ca]",
        "basicConstraints = critical, CA:TRUE, pathlen:0",
        "keyUsage = critical, keyCertSign, cRLSign",
        "subjectKeyIdentifier = hash",
        "authorityKeyIdentifier = keyid:always",
        "",
    ].join("\n");
}

/** What the CA step and every certificate's key step install (on the CA host and on each certificate's host). */
export const PKI_PACKAGES: readonly string[] = ["openssl"];

/** Ops of the CA step: generate the CA once (kept while valid), then print its certificate. */
export function caOps(spec: CaSpec): Op[] {
    const key = `${spec.dir}/ca.key`;
    const crt = `${spec.dir}/ca.crt`;
    const cnf = `${spec.dir}/ca.cnf`;
    return [
        packages(...PKI_PACKAGES),
        directory(spec.dir, { mode: "0700" }),
        directory(`${spec.dir}/issued`, { mode: "0700" }),
        file(cnf, caConfig(spec.commonName), { mode: "0600" }),
        exec(
            "generate the stack CA",
            `test -s ${q(key)} && test -s ${q(crt)} && ${validFor(crt)} && ${samePublicKey(certPub(crt), keyPub(key))}`,
            [
                `umask 077`,
                // eslint-disable-next-line max-len -- one rendered command, kept whole as it runs
                `openssl req -x509 -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -config ${q(cnf)} -days ${spec.validityDays} -keyout ${q(key + ".new")} -out ${q(crt + ".new")}`,
                `chmod 0600 ${q(key + ".new")}`,
                `chmod 0644 ${q(crt + ".new")}`,
                `mv -f ${q(key + ".new")} ${q(key)}`,
                `mv -f ${q(crt + ".new")} ${q(crt)}`,
            ].join(" && "),
            "ca",
        ),
        emit(`cat ${q(crt)}`),
    ];
}

export interface SubjectSpec {
    commonName: string;
    ips: string[];
    dnsNames: string[];
}

/** The subjectAltName value: IPs then DNS names, deduplicated, in a stable order. */
export function subjectAltName(s: SubjectSpec): string {
    const ips = [...new Set(s.ips)].map((ip) => `IP:${ip}`);
    const dns = [...new Set(s.dnsNames)].map((d) => `DNS:${d}`);
    return [...ips, ...dns].join(",");
}

export function csrConfig(s: SubjectSpec): string {
    return [
        "[req]",
        "prompt = no",
        "distinguished_name = dn",
        "req_extensions = ext",
        "[dn]",
        `CN = ${s.commonName}`,
        "[ext]",
        `subjectAltName = ${subjectAltName(s)}`,
        "",
    ].join("\n");
}

export interface KeySpec extends SubjectSpec {
    /** Directory on the server: key.pem, csr.pem, csr.cnf. */
    dir: string;
    /** Group that may read the key (the service's group); the key is root:<group> 0640. */
    keyGroup: string;
}

/** Ops of the key step on the server: a key made once (kept while it parses), a CSR for the wanted names, printed. */
export function keyOps(k: KeySpec): Op[] {
    const key = `${k.dir}/key.pem`;
    const csr = `${k.dir}/csr.pem`;
    const cnf = `${k.dir}/csr.cnf`;
    const perm = `root ${k.keyGroup} 640`;
    return [
        packages(...PKI_PACKAGES),
        directory(k.dir, { mode: "0750", owner: "root", group: k.keyGroup }),
        file(cnf, csrConfig(k), { mode: "0644" }),
        exec(
            "generate the private key",
            `test -s ${q(key)} && openssl pkey -in ${q(key)} -noout`,
            [
                "umask 077",
                `openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out ${q(key + ".new")}`,
                `chown root:${q(k.keyGroup)} ${q(key + ".new")}`,
                `chmod 0640 ${q(key + ".new")}`,
                `mv -f ${q(key + ".new")} ${q(key)}`,
            ].join(" && "),
            "key",
        ),
        exec(
            "key owner and mode",
            `[ "$(stat -c '%U %G %a' ${q(key)})" = ${q(perm)} ]`,
            `chown root:${q(k.keyGroup)} ${q(key)} && chmod 0640 ${q(key)}`,
            "key",
        ),
        exec(
            "make the certificate request",
            `test -s ${q(csr)} && cmp -s ${q(cnf)} ${q(cnf + ".used")} && ${samePublicKey(csrPub(csr), keyPub(key))}`,
            [
                `openssl req -new -key ${q(key)} -config ${q(cnf)} -out ${q(csr + ".new")}`,
                `mv -f ${q(csr + ".new")} ${q(csr)}`,
                `cp ${q(cnf)} ${q(cnf + ".used")}`,
            ].join(" && "),
            "csr",
        ),
        emit(`cat ${q(csr)}`),
    ];
}

/** What a certificate is for: a TLS server (serverAuth) or a TLS client that proves who it is (clientAuth). */
export type CertificateUsage = "server" | "client";

export function serverExtensions(s: SubjectSpec): string {
    return certificateExtensions(s, "server");
}

/**
 * The extensions the CA signs with. A client certificate is good for clientAuth only (a server
 * checking the purpose refuses a server certificate presented as a client's, and the reverse); its
 * EC key signs, it never enciphers.
 */
export function certificateExtensions(s: SubjectSpec, usage: CertificateUsage): string {
    return [
        "basicConstraints = critical, CA:FALSE",
        usage === "server" ? "keyUsage = critical, digitalSignature, keyEncipherment" : "keyUsage = critical, digitalSignature",
        `extendedKeyUsage = ${usage === "server" ? "serverAuth" : "clientAuth"}`,
        "subjectKeyIdentifier = hash",
        "authorityKeyIdentifier = keyid",
        `subjectAltName = ${subjectAltName(s)}`,
        "",
    ].join("\n");
}

export interface SignSpec extends SubjectSpec {
    /** The CA directory (CaSpec.dir) on the CA host. */
    caDir: string;
    /** Certificate name: issued/<name>/ on the CA host. */
    name: string;
    csrPem: string;
    caPem: string;
    validityDays: number;
    /** Default "server". */
    usage?: CertificateUsage;
}

/**
 * Ops of the signing step on the CA host: re-sign only when there is no valid certificate for this
 * CSR, these names and this CA. The names come from the stack (ext.cnf), never from the CSR.
 */
export function signOps(s: SignSpec): Op[] {
    const d = `${s.caDir}/issued/${s.name}`;
    const [csr, ext, crt, ca] = [`${d}/csr.pem`, `${d}/ext.cnf`, `${d}/cert.pem`, `${d}/ca.crt`];
    return [
        directory(d, { mode: "0700" }),
        file(csr, ensureNewline(s.csrPem), { mode: "0600" }),
        file(ext, certificateExtensions(s, s.usage ?? "server"), { mode: "0600" }),
        // The CA this certificate must chain to: a new CA re-signs it (and re-runs this step).
        file(ca, ensureNewline(s.caPem), { mode: "0644" }),
        exec(
            `sign ${s.name}`,
            [
                `test -s ${q(crt)}`,
                `cmp -s ${q(ca)} ${q(`${s.caDir}/ca.crt`)}`,
                `cmp -s ${q(ext)} ${q(ext + ".used")}`,
                `openssl verify -CAfile ${q(ca)} ${q(crt)} >/dev/null`,
                validFor(crt),
                samePublicKey(certPub(crt), csrPub(csr)),
            ].join(" && "),
            [
                `openssl req -in ${q(csr)} -noout -verify`,
                // eslint-disable-next-line max-len -- one rendered command, kept whole as it runs
                `openssl x509 -req -in ${q(csr)} -CA ${q(`${s.caDir}/ca.crt`)} -CAkey ${q(`${s.caDir}/ca.key`)} -set_serial 0x$(openssl rand -hex 16) -days ${s.validityDays} -sha256 -extfile ${q(ext)} -out ${q(crt + ".new")}`,
                `mv -f ${q(crt + ".new")} ${q(crt)}`,
                `cp ${q(ext)} ${q(ext + ".used")}`,
            ].join(" && "),
            "cert",
        ),
        emit(`cat ${q(crt)}`),
    ];
}

export function ensureNewline(pem: string): string {
    return pem.endsWith("\n") ? pem : `${pem}\n`;
}
