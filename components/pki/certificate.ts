import * as pulumi from "@pulumi/pulumi";
import { z } from "zod";
import { Host } from "../hosts/host";
import { file, HostSteps, Op, stepPayload } from "../provision";
import { input, validate } from "../validate";
import { CertificateUsage, ensureNewline, keyOps, signOps } from "./ops";
import type { StackCa } from "./ca";

export interface ServerCertificateArgs {
    ca: StackCa;
    /** The server: its key is made there and never leaves it. */
    host: Host;
    commonName: pulumi.Input<string>;
    /** IP subjectAltNames (Docker and Go check these when a server is reached by address). */
    ips: pulumi.Input<string>[];
    dnsNames?: string[];
    /** Group that may read the key (the service's group, which must exist: pass `after`). */
    keyGroup?: string;
    /** Key directory on the server. Default /etc/microservice/tls/<id>. */
    dir?: string;
    /**
     * The certificate's name on the hosts: its key directory's default and `issued/<id>` on the CA
     * host. Default: the resource's name. A fixed id keeps a rename of the parent component (with an
     * alias) from re-signing anything.
     */
    id?: string;
    /** Steps on the server that must run first (e.g. the package that creates `keyGroup`). */
    after?: pulumi.Resource[];
    /**
     * "server" (default: serverAuth, for a service others connect to) or "client" (clientAuth: the
     * host proves who it is to a server that asks, e.g. a log forwarder under logging.tls "mutual").
     */
    usage?: CertificateUsage;
}

const certName = z.string().regex(/^[a-z0-9][a-z0-9.-]{0,62}$/, "expected a certificate name of lowercase letters, digits, . and -");

const argsSchema = z.object({
    name: certName,
    commonName: input(z.string().min(1).max(64)),
    ips: z.array(input(z.string().min(1))).min(1, "expected at least one IP address"),
    dnsNames: z.array(z.string().regex(/^[A-Za-z0-9]([A-Za-z0-9.-]*[A-Za-z0-9])?$/, "expected a DNS name")).default([]),
    id: certName.optional(),
    keyGroup: z
        .string()
        .regex(/^[a-z_][a-z0-9_-]*$/, "expected a group name")
        .default("root"),
    dir: z
        .string()
        .regex(/^\/[A-Za-z0-9._/-]+$/, "expected an absolute path")
        .optional(),
    usage: z.enum(["server", "client"], { message: 'expected "server" or "client"' }).default("server"),
});

/**
 * A TLS server certificate (or, with `usage: "client"`, a client certificate): key + CSR made on the server, CSR signed on the CA host, the
 * certificate handed back as an output for the server's own step to install (so that the service
 * that uses it restarts when it changes). Private keys never travel.
 */
export class ServerCertificate extends pulumi.ComponentResource {
    /** PEM of the signed certificate. */
    readonly certPem: pulumi.Output<string>;
    /** Path of the private key on the server (root:<keyGroup> 0640). */
    readonly keyPath: string;
    readonly ready: pulumi.Resource[];

    constructor(name: string, args: ServerCertificateArgs, opts?: pulumi.ComponentResourceOptions) {
        const a = validate(argsSchema, { ...args, name, ca: undefined, host: undefined, after: undefined }, `ServerCertificate "${name}"`);
        super("microservice:index:ServerCertificate", name, {}, opts);
        const id = a.id ?? name;
        const dir = a.dir ?? `/etc/microservice/tls/${id}`;
        this.keyPath = `${dir}/key.pem`;
        // From the checked args: an Output commonName or IP that resolves invalid fails this component before its key is made.
        const subject = pulumi.all([a.commonName, pulumi.all(a.ips)]).apply(([commonName, ips]) => ({ commonName, ips, dnsNames: a.dnsNames }));

        const server = new HostSteps(this, name, args.host, args.after ?? []);
        const key = server.add(
            "tls-key",
            subject.apply((s) => keyOps({ ...s, dir, keyGroup: a.keyGroup })),
        );

        const signer = new HostSteps(this, name, args.ca.host, args.ca.ready);
        const csrPem = key.stdout.apply(stepPayload);
        const sign = signer.add(
            "tls-sign",
            pulumi
                .all([subject, csrPem, args.ca.caCert])
                .apply(([s, csr, caPem]) =>
                    signOps({ ...s, caDir: args.ca.dir, name: id, csrPem: csr, caPem, validityDays: args.ca.certificateValidityDays, usage: a.usage }),
                ),
        );
        this.certPem = sign.stdout.apply(stepPayload);
        this.ready = [sign];
        this.registerOutputs({ certPem: this.certPem, keyPath: this.keyPath });
    }

    /** A `file` op that installs the certificate on the server, tagged so its service can restart on it. */
    certificateFile(path: string, tag: string, extra: { mode?: string; owner?: string; group?: string } = {}): pulumi.Output<Op> {
        return this.certPem.apply((pem) => file(path, ensureNewline(pem), { mode: "0644", ...extra, tag }));
    }
}
