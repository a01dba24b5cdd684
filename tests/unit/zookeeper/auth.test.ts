import { expect } from "chai";
import * as pulumi from "@pulumi/pulumi";
import { ZooKeeperEnsemble } from "../../../components/zookeeper";
import { aclOps, zkDigest } from "../../../components/zookeeper/acl";
import { MesosCluster } from "../../../components/mesos";
import { renderScript } from "../../../components/provision";
import { validate } from "../../../components/validate";
import { SECRET_KEYS, StackConfig, stackConfigSchema } from "../../../config/schema";
import { deployMesos } from "../../../stack/mesos";
import { fakeHost } from "../provision/fake-host";
import { directDeps } from "../provision/deps";
import { stepBody } from "../provision/golden";
import { mocks } from "../../support/setup";
import { isSecret, settle, valueOf } from "../../support/outputs";
import { args, IMAGES, layers, layout, ZK_PASSWORD } from "../mesos/fixtures";
import { Host } from "../../../components/hosts/host";

let hosts: Host[];

const zk = (name: string, last: number, id: number) => fakeHost(name, `10.0.15.${last}`, ["zookeeper"], { zookeeperId: id });
const PASSWORD = "zk-digest-password-0123456789";
const stdin = (name: string) => mocks.named(name).inputs.stdin as string;
const steps = () => mocks.byType("pulumi-nodejs:dynamic/exec:RemoteCommand").filter((r) => typeof r.inputs.stdin === "string");

/** The script with the content of every file it writes with mode 0600 left out. */
function outside0600Files(script: string): string {
    return script.replace(/ensure_file '[^']*' '0600' [^\n]*<<'(__EOF_[0-9a-f]+__)'\n[\s\S]*?\n\1/g, "ensure_file (0600 content)");
}

describe("ZooKeeper authentication", () => {
    it("the ensemble's ACL step sets digest ACLs on /, /mesos and /marathon, from the first member, after every member serves, as a secret step", async () => {
        new ZooKeeperEnsemble("zk", { hosts: [zk("c", 13, 3), zk("a", 11, 1), zk("b", 12, 2)], password: pulumi.secret(PASSWORD) });
        await settle();
        const acl = mocks.named("zk-a-zookeeper-acl");
        expect(acl.secretInputs).to.include("stdin");
        expect(directDeps("zk-a-zookeeper-acl")).to.include.members(["zk-a-zookeeper-ready", "zk-b-zookeeper-ready", "zk-c-zookeeper-ready"]);
        const hash = zkDigest("microservice", PASSWORD);
        const body = stepBody(stdin("zk-a-zookeeper-acl"));
        for (const p of ["/", "/mesos", "/marathon"]) expect(body).to.contain(`setAcl ${p === "/" ? "/" : `-R ${p}`} digest:microservice:${hash}:cdrwa\n`);
        expect(body).to.contain("create /mesos\ncreate /marathon\n").and.contain("getAcl /\ngetAcl /mesos\ngetAcl /marathon\n");
        expect(body).to.contain("zkCli.sh").and.contain("10.0.15.11:2181,10.0.15.12:2181,10.0.15.13:2181");
        expect(mocks.resources.filter((r) => r.name.endsWith("-zookeeper-acl")).map((r) => r.name)).to.deep.equal(["zk-a-zookeeper-acl"]);
    });

    it("holds the password and its digest only in 0600 files: zkCli reads them on stdin, never argv", () => {
        const script = renderScript("node1", "zookeeper-acl", aclOps(PASSWORD, { servers: "10.0.15.11:2181" }));
        const rest = outside0600Files(script);
        expect(rest).to.not.contain(PASSWORD).and.not.contain(zkDigest("microservice", PASSWORD));
        expect(script).to.contain(PASSWORD); // in the addauth file
        for (const f of ["auth.zkcli", "set.zkcli", "get.zkcli", "expected"])
            expect(script).to.match(new RegExp(`ensure_file '/etc/zookeeper/acl/${f}' '0600' 'root' 'root'`));
        expect(script).to.contain("ensure_dir '/etc/zookeeper/acl' '0700' 'root' 'root'");
        // The exec's commands (bash -c arguments, visible in the process list) name only files and servers.
        const [, , , , , exec] = aclOps(PASSWORD, { servers: "10.0.15.11:2181" });
        if (exec.kind !== "exec") throw new Error("expected the exec op");
        for (const cmd of [exec.unless, exec.run])
            expect(cmd)
                .to.contain("| timeout 120 '/usr/share/zookeeper/bin/zkCli.sh' -server '10.0.15.11:2181'")
                .and.not.contain(PASSWORD)
                .and.not.contain("addauth");
    });

    it("idempotent check form: nothing is set while this host applied the password and getAcl shows exactly the stack's digest", () => {
        const [, , , , , exec] = aclOps(PASSWORD, { servers: "10.0.15.11:2181" });
        expect(exec.kind).to.equal("exec");
        if (exec.kind !== "exec") return;
        expect(exec.unless).to.equal(
            "cmp -s '/etc/zookeeper/acl/auth.zkcli' '/etc/zookeeper/acl/applied.zkcli' && cat '/etc/zookeeper/acl/auth.zkcli' '/etc/zookeeper/acl/get.zkcli' " +
                "| timeout 120 '/usr/share/zookeeper/bin/zkCli.sh' -server '10.0.15.11:2181' 2>/dev/null | grep -E \"^('|: )\" | cmp -s - " +
                "'/etc/zookeeper/acl/expected'",
        );
        // After setting, the same check, and the password recorded as applied only when it passed.
        expect(exec.run.split("\n").slice(1)).to.have.length(2);
        expect(exec.run).to.match(/\ninstall -m 0600 '\/etc\/zookeeper\/acl\/auth.zkcli' '\/etc\/zookeeper\/acl\/applied.zkcli'$/);
    });

    it("each member's client port listens on its private address, and every probe asks there", async () => {
        new ZooKeeperEnsemble("zk", { hosts: [zk("a", 11, 1), zk("b", 12, 2), zk("c", 13, 3)] });
        await settle();
        for (const [h, ip] of [
            ["a", "10.0.15.11"],
            ["b", "10.0.15.12"],
            ["c", "10.0.15.13"],
        ]) {
            expect(stdin(`zk-${h}-zookeeper`)).to.contain(`clientPort=2181\nclientPortAddress=${ip}\n`);
            expect(stdin(`zk-${h}-zookeeper-ready`)).to.contain(`/dev/tcp/${ip}/2181`);
        }
        for (const s of steps()) expect(stepBody(s.inputs.stdin as string), s.name).to.not.contain("127.0.0.1/2181");
    });

    it("zkUrl carries the credentials as a secret; without a password the ensemble is open and sets no ACL", async () => {
        const e = new ZooKeeperEnsemble("zk", { hosts: [zk("a", 11, 1)], password: pulumi.secret(PASSWORD) });
        const url = e.zkUrl("/mesos");
        expect(await isSecret(url)).to.equal(true);
        expect(await valueOf(url)).to.equal(`zk://microservice:${PASSWORD}@10.0.15.11:2181/mesos`);
        await settle();
        mocks.reset();
        const open = new ZooKeeperEnsemble("open", { hosts: [zk("b", 12, 1)] });
        expect(await valueOf(open.zkUrl("/mesos"))).to.equal("zk://10.0.15.12:2181/mesos");
        await settle();
        expect(mocks.resources.map((r) => r.name).filter((n) => n.includes("acl"))).to.deep.equal([]);
    });

    it("MesosCluster: the credentials reach the hosts only inside 0600 env files of secret steps", async () => {
        new MesosCluster("mesos", args(layout()));
        await settle();
        const holders = steps().filter((s) => (s.inputs.stdin as string).includes(ZK_PASSWORD));
        expect(holders.map((s) => s.name).sort()).to.deep.equal([
            "mesos-node1-marathon",
            "mesos-node1-mesos-agent",
            "mesos-node1-mesos-master",
            "mesos-node2-mesos-agent",
            "mesos-node3-mesos-agent",
            "mesos-zookeeper-node1-zookeeper-acl",
        ]);
        for (const s of holders) {
            expect(s.secretInputs, s.name).to.include("stdin");
            expect(outside0600Files(s.inputs.stdin as string), s.name).to.not.contain(ZK_PASSWORD);
        }
        // No other resource holds it (units, readiness steps, removal hooks, outputs).
        const others = mocks.resources.filter((r) => !holders.includes(r) && JSON.stringify(r.inputs).includes(ZK_PASSWORD));
        expect(others.map((r) => r.name)).to.deep.equal([]);
    });

    it("MesosCluster requires zookeeperPassword when it makes its own ensemble, not with an existing one", () => {
        const a = args(layout());
        delete (a as Partial<typeof a>).zookeeperPassword;
        expect(() => new MesosCluster("bad", a)).to.throw(
            /MesosCluster "bad"[\s\S]*zookeeperPassword: required when MesosCluster makes its own ZooKeeper ensemble/,
        );
        expect(mocks.resources.filter((r) => /exec:/.test(r.type))).to.have.length(0);
        expect(() => new MesosCluster("bad2", args(layout(), { zookeeperPassword: "has@an-at-sign-0123456" }))).to.throw(
            /zookeeperPassword: expected letters, digits and \. _ ~ - only/,
        );
        const endpoint = { servers: pulumi.output("10.9.9.9:2181"), zkUrl: (p: string) => pulumi.output(`zk://10.9.9.9:2181${p}`), ready: [] };
        expect(() => new MesosCluster("ok", { ...a, zookeeper: endpoint })).to.not.throw();
    });
});

describe("stack config zookeeperPassword", () => {
    const cfg = (extra: object = {}) => validate(stackConfigSchema, { mesh: { implementation: "overlay" }, ...extra }, "stack config") as StackConfig;

    it("is a secret key; refuses short passwords and characters a zk:// URL or zkCli would split at, naming the key", () => {
        expect(SECRET_KEYS).to.include("zookeeperPassword");
        for (const bad of ["short", "with space in it 0123", "user:colon-0123456789", "at@sign-0123456789ab", "slash/0123456789abcd", "quote'0123456789abcd"]) {
            expect(() => cfg({ zookeeperPassword: bad }), bad).to.throw(/zookeeperPassword: expected/);
        }
        expect(cfg({ zookeeperPassword: "Abc.def_ghi~jkl-0123" }).zookeeperPassword).to.equal("Abc.def_ghi~jkl-0123");
        expect(cfg().zookeeperPassword).to.equal(undefined);
    });

    it("unset: generated once per stack (openssl, a secret in state); set: used as given; outputs carry no credentials", async () => {
        const unset = cfg({ mesos: { images: IMAGES, mirrorToRegistry: false } });
        const m = deployMesos(unset, (hosts = layout()), layers(hosts, unset));
        await settle();
        const gen = mocks.named("zookeeper-password");
        expect(gen.type).to.equal("pulumi-nodejs:dynamic/exec:LocalCommand");
        expect(gen.inputs.create).to.equal("openssl rand -hex 24");
        expect(gen.inputs.logging).to.equal("none");
        expect(mocks.named("zookeeper-node1-zookeeper-acl").secretInputs).to.include("stdin");
        expect(await valueOf(m.outputs.zkMesos as pulumi.Output<string>)).to.equal("zk://10.0.15.11:2181,10.0.15.12:2181,10.0.15.13:2181/mesos");

        mocks.reset();
        const set = cfg({ mesos: { images: IMAGES, mirrorToRegistry: false }, zookeeperPassword: "configured-password-0123" });
        set.zookeeperPassword = pulumi.secret("configured-password-0123") as any;
        deployMesos(set, (hosts = layout()), layers(hosts, set));
        await settle();
        expect(mocks.resources.map((r) => r.name)).not.to.include("zookeeper-password");
        expect(stdin("mesos-node1-mesos-master")).to.contain("MESOS_ZK=zk://microservice:configured-password-0123@10.0.15.11:2181");
    });
});
