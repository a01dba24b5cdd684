import { expect } from "chai";
import { assertThat, masked, Op, renderScript } from "../../../components/provision";
import * as weave from "../../../components/mesh/weave/ops";
import * as overlay from "../../../components/mesh/overlay/ops";
import * as zfs from "../../../components/volumes/zfs/ops";
import * as ebs from "../../../components/volumes/ebs/ops";
import { registryLoginOps, registryOps, gcOps } from "../../../components/docker/ops";
import { buildOps } from "../../../components/images/ops";
import { keyOps } from "../../../components/pki/ops";
import { findInjections, Marker } from "./shell";

/**
 * The other half of the injection fix: the renderers quote (q()) every string that reaches shell
 * code, whatever the schema lets through. Each renderer below gets a hostile value in one string
 * argument, with no schema in between; the detector of ./shell.ts must find nothing. (Values that
 * reach other formats, such as systemd units, can only be kept safe by the schema: see
 * injection.test.ts, which runs the whole stack.)
 */

// No "/": some renderers derive file names from a value (a repository's history file) by replacing it.
const DANGER = "$(touch${IFS}pwned)`id`';id;'\";id;\"\nid\n*|&>x";
const M: Marker = { start: "qzxSTARTq", end: "qzxENDq", payload: `qzxSTARTq${DANGER}qzxENDq` };
const P = M.payload;
const PIN = `weaveworks/weave:2.8.1@sha256:${"1".repeat(64)}`;
const weaveSettings = (o: object) => ({
    version: "2.8.1",
    scriptUrl: "https://github.com/weaveworks/weave/releases/download/v2.8.1/weave",
    scriptSha256: "a".repeat(64),
    dockerhubUser: "weaveworks",
    images: { weave: PIN, weaveexec: PIN, weavedb: PIN },
    ipRange: "10.2.0.0/16",
    dnsDomain: "weave.local",
    scope: { enabled: false, port: 4040 },
    ...o,
});

const cases: [string, () => Op[] | string][] = [
    ["weave installOps: scriptUrl", () => weave.installOps(weaveSettings({ scriptUrl: `https://example.org/${P}` }) as any)],
    ["weave installOps: version", () => weave.installOps(weaveSettings({ version: P }) as any).slice(0, 3)],
    ["weave peersOps: a peer", () => weave.peersOps(["10.0.15.11", P], 3).slice(1)],
    ["weave reclaimScript: nickname", () => weave.reclaimScript(P, "10.0.15.12")],
    ["weave reclaimScript: ip", () => weave.reclaimScript("node2", P)],
    ["overlay managerInitOps: ip", () => overlay.managerInitOps(P)],
    ["overlay networkOps: name", () => overlay.networkOps({ name: P, subnet: "10.2.0.0/16" } as any)],
    ["overlay networkOps: subnet", () => overlay.networkOps({ name: "mesh", subnet: P } as any)],
    ["overlay workerJoinOps: manager", () => overlay.workerJoinOps("10.0.15.12", P, "token").slice(1)],
    ["overlay nodeRemoveScript: ip", () => overlay.nodeRemoveScript(P)],
    ["zfs datasetOps: name", () => zfs.datasetOps(P, 1)],
    ["zfs zfsOps: pool name", () => zfs.zfsOps({ implementation: "kernel", name: P, vdevSizeGb: 10, vdevPath: "/var/lib/flocker/pool.img" })],
    [
        // The user op itself refuses such a name (tests/unit/provision/host-ops.test.ts); its home paths are quoted.
        "zfs replicationOps: user (its home directories)",
        () =>
            zfs
                .replicationOps({
                    hostName: "n",
                    hostIp: "10.0.15.12",
                    pool: "flocker",
                    mountRoot: "/flocker",
                    user: P,
                    publicKey: "ssh-ed25519 AAAA",
                    appTimeoutSeconds: 5,
                    transferTimeoutSeconds: 5,
                })
                .filter((o) => o.kind === "directory"),
    ],
    ["provision masked: condition", () => [masked("x.service", P)]],
    ["provision assertThat: every string", () => [assertThat(P, P, P)]],
    [
        "zfs toolConf (sourced by bash): every value",
        () => [
            {
                kind: "file",
                path: zfs.PATHS.conf,
                content: zfs.toolConf({
                    hostName: P,
                    hostIp: P,
                    pool: P,
                    mountRoot: P,
                    user: P,
                    publicKey: "k",
                    appTimeoutSeconds: 5,
                    transferTimeoutSeconds: 5,
                }),
            } as Op,
        ],
    ],
    ["ebs attachMountCommand: every argument", () => ebs.attachMountCommand(P, P, P, P)],
    ["ebs releaseCommand: name", () => ebs.releaseCommand(P)],
    [
        "docker registryLoginOps: username",
        () => registryLoginOps({ address: "10.0.15.11:5000", username: P, password: "pw-123456789012", caCert: "" }).slice(1),
    ],
    [
        "docker registryLoginOps: address",
        () => registryLoginOps({ address: P, username: "u", password: "pw-123456789012", caCert: "" }).filter((o) => o.kind === "exec"),
    ],
    [
        "docker registryOps: username",
        () =>
            registryOps({
                port: 5000,
                address: "10.0.15.11:5000",
                username: P,
                password: "pw-123456789012",
                storageDir: "/var/lib/r",
                logLevel: "info",
                gcSchedule: "weekly",
                readySeconds: 5,
            }).filter((o) => o.kind === "exec" || o.kind === "waitFor"),
    ],
    [
        "docker registryOps: address",
        () =>
            registryOps({
                port: 5000,
                address: P,
                username: "u",
                password: "pw-123456789012",
                storageDir: "/var/lib/r",
                logLevel: "info",
                gcSchedule: "weekly",
                readySeconds: 5,
                tls: { certPem: "c", keyPath: "/k", caPem: "c" },
            }).filter((o) => o.kind === "waitFor"),
    ],
    ["docker gcOps: schedule (the check)", () => gcOps(P).slice(0, 1)],
    [
        "images buildOps: every string",
        () => buildOps({ address: P, username: P, secure: true, repository: P, tag: P, contextDir: P, buildArgs: { BASE_IMAGE: P }, keep: 3 }),
    ],
    [
        "pki keyOps: key group",
        () => keyOps({ commonName: "cn", ips: ["10.0.15.11"], dnsNames: [], dir: "/etc/x", keyGroup: P }).filter((o) => o.kind === "exec"),
    ],
];

describe("security: renderers single-quote every string that reaches shell code", () => {
    for (const [what, render] of cases) {
        it(what, () => {
            const out = render();
            const script = typeof out === "string" ? out : renderScript("host", "step", out);
            expect(script).to.contain(M.start);
            const findings = findInjections(script, M, what);
            expect(findings, findings.map((f) => `${f.why}\n${f.excerpt}`).join("\n")).to.deep.equal([]);
        });
    }
});
