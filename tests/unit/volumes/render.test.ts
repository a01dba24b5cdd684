import { expect } from "chai";
import * as fs from "fs";
import * as path from "path";
import { execFileSync } from "child_process";
import { asRoot, renderScript } from "../../../components/provision";
import * as r from "../../../components/volumes/zfs/ops";
import * as ebs from "../../../components/volumes/ebs/ops";
import { splitKeyPair, KEYGEN_SCRIPT } from "../../../components/volumes/zfs/key";
import { expectGolden, stepBody } from "../provision/golden";

const HOST_DIR = path.join(__dirname, "../../../host-programs");
const body = (ops: ReturnType<typeof r.zfsOps>) => stepBody(renderScript("node2", "x", ops));
const pool = { name: "flocker", vdevSizeGb: 10, vdevPath: "/var/lib/flocker/pool.img" };
const repl: r.ReplicationSpec = {
    hostName: "node2",
    hostIp: "10.0.15.12",
    pool: "flocker",
    mountRoot: "/flocker",
    user: "flocker-repl",
    publicKey: "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIPUBLIC microservice-volumes-replication",
    appTimeoutSeconds: 120,
    transferTimeoutSeconds: 3600,
};

describe("volume renderers (golden)", () => {
    it("zfs step with zfs-fuse: installed without its packaged service, own unit, pool created only when absent", () => {
        const text = body(r.zfsOps({ implementation: "fuse", ...pool }));
        expectGolden(__dirname, "zfs-fuse.step.sh", text);
        expect(text).to.contain("exit 101"); // policy-rc.d keeps dpkg from starting the packaged daemon
        expect(text).to.contain("ensure_service 'microservice-zfs-fuse.service' 1");
        expect(text).to.contain("'zpool list -H -o name '\\''flocker'\\'''");
        expect(text).to.contain("truncate -s 10G");
        expect(text).to.contain("zpool import -d");
        // The only wait is the unit's bounded poll for the daemon (120 x 0.5 s), never a fixed sleep.
        expect(text.match(/sleep/g)).to.have.length(1);
        expect(text).to.contain("for i in $(seq 1 120); do if zpool list");
        expectGolden(__dirname, "microservice-zfs-fuse.service", r.fuseUnit());
    });

    it("zfs step with kernel ZFS installs zfsutils-linux and runs no daemon; auto decides on the host", () => {
        const kernel = body(r.zfsOps({ implementation: "kernel", ...pool }));
        expect(kernel).to.contain("ensure_packages 'zfsutils-linux'");
        expect(kernel).not.to.contain("zfs-fuse installed");
        expect(kernel).not.to.contain(r.FUSE_UNIT);
        const auto = body(r.zfsOps({ implementation: "auto", ...pool }));
        expectGolden(__dirname, "zfs-auto.step.sh", auto);
        expect(auto).to.contain("[ -d /sys/module/zfs ] || modprobe -n zfs");
        expect(auto).to.contain("zfsutils-linux");
        expect(auto).to.contain("zfs-fuse");
    });

    it("replication step: dedicated user whose only key runs the tool's serve verb, sudo for peer verbs only, host key on stdout", () => {
        const text = body(r.replicationOps(repl));
        expectGolden(__dirname, "replication.step.sh", text);
        expect(r.authorizedKey(repl.publicKey)).to.equal(
            `restrict,command="/usr/local/sbin/flocker-volume serve" ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIPUBLIC microservice-volumes-replication\n`,
        );
        expect(r.sudoersRule("flocker-repl")).to.contain("flocker-repl ALL=(root) NOPASSWD: /usr/local/sbin/flocker-volume peer *");
        expect(text).to.contain("ensure_user 'flocker-repl' '/var/lib/flocker-repl' '/bin/sh'");
        expect(text).not.to.contain("/root/.ssh");
        expect(text).to.contain("{\ncat /etc/ssh/ssh_host_ed25519_key.pub\n} >&3");
        expect(r.toolConf(repl)).to.contain("HOST_IP='10.0.15.12'\n");
    });

    it("peers step: the private key 0600, peers pinned by host key (no StrictHostKeyChecking=no)", () => {
        const peers = [
            { name: "node2", ip: "10.0.15.12", hostKey: "ssh-ed25519 AAAAkey2 root@node2\n" },
            { name: "node3", ip: "10.0.15.13", hostKey: "ssh-ed25519 AAAAkey3 root@node3" },
        ];
        expect(r.knownHosts(peers)).to.equal("10.0.15.12 ssh-ed25519 AAAAkey2\n10.0.15.13 ssh-ed25519 AAAAkey3\n");
        expect(r.peersFile(peers)).to.equal("node2 10.0.15.12\nnode3 10.0.15.13\n");
        const text = body(r.peersOps("-----BEGIN OPENSSH PRIVATE KEY-----\nX\n-----END OPENSSH PRIVATE KEY-----", peers));
        expect(text).to.contain("ensure_file '/etc/microservice/volumes/id_replication' '0600' 'root' 'root'");
        const tool = fs.readFileSync(path.join(HOST_DIR, "flocker-volume.sh"), "utf8");
        expect(tool).to.contain("StrictHostKeyChecking=yes");
        expect(tool).not.to.contain("StrictHostKeyChecking=no");
    });

    it("hooks step: Marathon access in a 0600 file, command hooks as scripts, absent when a volume has no app", () => {
        const m = {
            url: "https://10.0.15.11:8080",
            username: "marathon",
            password: "s3cret-pw",
            caCert: "-----BEGIN CERTIFICATE-----\nQ0E=\n-----END CERTIFICATE-----",
        };
        const text = body(
            r.hookOps(
                [
                    { name: "mongo", app: { kind: "marathon", appId: "/application/db/mongo" } },
                    { name: "cache", app: { kind: "command", stop: "docker stop cache", start: "docker start cache" } },
                    { name: "plain" },
                ],
                m,
                120,
            ),
        );
        expectGolden(__dirname, "hooks.step.sh", text);
        expect(text).to.match(/ensure_file '\/etc\/microservice\/volumes\/apps\/mongo.marathon' '0600'/);
        expect(text).to.contain('"appId": "/application/db/mongo"');
        expect(text).to.contain('"caFile": "/etc/microservice/volumes/apps/marathon-ca.pem"');
        expect(text).to.contain("ensure_absent '/etc/microservice/volumes/apps/plain.start'");
        expect(() => r.hookOps([{ name: "mongo", app: { kind: "marathon", appId: "/db" } }], undefined, 120)).to.throw(/no Marathon endpoint/);
    });

    it("dataset step: one guarded placement with the size in bytes (GiB, as Flocker's maximum_size), then the last move's report", () => {
        expect(stepBody(renderScript("node3", "dataset-mongo", r.datasetOps("mongo", 1)))).to.equal(
            "ensure_exec 'volume mongo is primary here' '/usr/local/sbin/flocker-volume is-placed '\\''mongo'\\'' 1073741824' " +
                "'/usr/local/sbin/flocker-volume place '\\''mongo'\\'' 1073741824' 'volume mongo is primary here'\n" +
                "{\ncat '/var/lib/microservice/volumes/mongo.last-move' 2>/dev/null || true\n} >&3\n",
        );
        expect(r.quotaBytes(0.5)).to.equal(536870912);
    });

    it("EBS: tools step, mount and release commands, whole GiB sizes", () => {
        const text = stepBody(
            renderScript(
                "node2",
                "ebs-tools",
                ebs.ebsHostOps({ hostIp: "10.0.17.12", mountRoot: "/flocker", fsType: "ext4", appTimeoutSeconds: 120, deviceTimeoutSeconds: 120 }),
            ),
        );
        expectGolden(__dirname, "ebs-tools.step.sh", text);
        expect(ebs.attachMountCommand("mongo", "vol-0abc", "ext4", "/dev/sdf")).to.equal(
            asRoot("/usr/local/sbin/flocker-ebs-volume attach-mount 'mongo' 'vol-0abc' 'ext4' '/dev/sdf'"),
        );
        expect(ebs.releaseCommand("mongo")).to.equal(asRoot("/usr/local/sbin/flocker-ebs-volume release 'mongo'"));
        expect([ebs.ebsSizeGb(0.2), ebs.ebsSizeGb(1), ebs.ebsSizeGb(1.5)]).to.deep.equal([1, 1, 2]);
        const tool = fs.readFileSync(path.join(HOST_DIR, "flocker-ebs-volume.sh"), "utf8");
        expect(tool).to.contain("nvme-Amazon_Elastic_Block_Store_$id"); // NVMe: found by the volume id serial
        expect(tool).to.contain('if [ "$rc" = 2 ]; then'); // formatted only when blkid finds nothing (behaviour: flocker-ebs-volume-fakes.test.ts)
    });

    it("replication key: ssh-keygen output split into its two halves; garbage refused", function () {
        let out: string;
        try {
            out = execFileSync("bash", ["-c", KEYGEN_SCRIPT]).toString();
        } catch {
            return this.skip(); // no ssh-keygen on this machine
        }
        const k = splitKeyPair(out);
        expect(k.privateKey).to.match(/^-----BEGIN OPENSSH PRIVATE KEY-----\n[\s\S]+-----END OPENSSH PRIVATE KEY-----\n$/);
        expect(k.publicKey).to.match(/^ssh-ed25519 \S+ microservice-volumes-replication$/);
        expect(() => splitKeyPair("oops")).to.throw(/no OpenSSH private key/);
    });
});
