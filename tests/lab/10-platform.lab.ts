import { expect } from "chai";
import { ZooKeeperEnsemble } from "../../components/zookeeper";
import { aclFiles } from "../../components/zookeeper/acl";
import { hostsWithRole } from "../../components/hosts/host";
import { registrySettingsSchema } from "../../components/docker/settings";
import { StackConfig } from "../../config/schema";
import { deployPlatform } from "../../stack/platform";
import { labStackExtras } from "./config";
import { firstRun } from "./shared";
import { poll } from "./engine/checks";

/**
 * The platform layer on real lab hosts (containers with systemd, real Debian packages): Docker's
 * config on every host, the registry over TLS with auth, and a 3-member ZooKeeper ensemble that
 * survives the loss of its leader. Every wait is a bounded poll.
 */

type Sh = (cmd: string, opts?: { input?: string; timeoutMs?: number }) => Promise<{ code: number; stdout: string; stderr: string }>;

const PLATFORM_STEP = /^(stack-ca|registry|docker)-/;
const ZK_CLI = "/usr/share/zookeeper/bin/zkCli.sh";
const ZK_AUTH = aclFiles().auth;

describe("platform (lab): Docker, registry, ZooKeeper", function () {
    this.timeout(15 * 60 * 1000);
    let ctx: Awaited<ReturnType<typeof firstRun>>;
    let platform: Record<string, any>;
    const sh =
        (host: string): Sh =>
        (cmd, opts) =>
            ctx.lab.hosts[host].sh(cmd, opts);
    const registry = () => String(platform.registry);

    // The platform's part of the lab's stack config, for runs of the platform alone.
    const cfg = {
        registry: registrySettingsSchema.parse((labStackExtras as any).registry ?? {}),
        docker: (labStackExtras as any).docker ?? {},
        registryPassword: (labStackExtras as any).registryPassword,
    } as unknown as StackConfig;
    const alone = (label: string) => ctx.lab.run((hosts) => ({ platform: deployPlatform(cfg, hosts).outputs }), label);

    before(async () => {
        ctx = await firstRun();
        platform = (ctx.run.outputs as any).platform;
        if (!ctx.run.steps.some((s) => PLATFORM_STEP.test(s.resource))) {
            // The full stack stopped before the platform (another layer's config or code): the first
            // test fails and says why; the others still prove the platform, from a run of it alone.
            const alone1 = await alone("platform alone");
            expect(alone1.failures, JSON.stringify(alone1.failures)).to.deep.equal([]);
            platform = (alone1.outputs as any).platform;
        }
    });

    it("ran every platform step of the full stack without a failure", () => {
        const mine = ctx.run.steps.filter((s) => PLATFORM_STEP.test(s.resource));
        expect(mine.length, `platform steps in the full-stack run; its failures: ${JSON.stringify(ctx.run.failures)}`).to.be.greaterThan(10);
        expect(ctx.run.failures.filter((f) => PLATFORM_STEP.test(f.resource))).to.deep.equal([]);
    });

    it("a second run of the platform changes nothing and restarts nothing", async () => {
        const pids = "systemctl show -p MainPID --value docker; systemctl show -p MainPID --value docker-registry || true";
        const before = await sh("node1")(pids);
        const again = await alone("platform again");
        expect(again.failures, JSON.stringify(again.failures)).to.deep.equal([]);
        const mine = again.steps.filter((s) => PLATFORM_STEP.test(s.resource));
        expect(mine.length).to.be.greaterThan(10);
        expect(mine.filter((s) => s.result !== "unchanged").map((s) => `${s.resource}: ${s.stdout}`)).to.deep.equal([]);
        expect((await sh("node1")(pids)).stdout).to.equal(before.stdout);
    });

    it("gives each Docker daemon exactly the rendered daemon.json, and Docker runs with it", async () => {
        const rendered = String(platform.daemonJson);
        for (const host of Object.keys(ctx.lab.hosts)) {
            const r = await sh(host)("cat /etc/docker/daemon.json && docker info --format '{{.LoggingDriver}}'");
            expect(r.code, `${host}: ${r.stderr}`).to.equal(0);
            expect(r.stdout, host).to.equal(rendered + JSON.parse(rendered)["log-driver"] + "\n");
        }
    });

    it("pushes an image from mgmt over TLS with credentials, and pulls it on node2 and node3", async () => {
        const image = `${registry()}/lab/tiny:${Date.now()}`;
        const push = await sh("mgmt")(
            `set -e; d=$(mktemp -d); echo platform-lab >$d/hello; tar -C $d -c . | docker import - ${image} >/dev/null; rm -rf $d
             docker push ${image} >/dev/null; docker image inspect --format '{{index .RepoDigests 0}}' ${image}`,
        );
        expect(push.code, push.stderr).to.equal(0);
        const digest = push.stdout.trim().split("@")[1];
        expect(digest).to.match(/^sha256:[0-9a-f]{64}$/);
        for (const host of ["node2", "node3"]) {
            const pull = await sh(host)(
                `docker pull ${image} >/dev/null && docker image inspect --format '{{index .RepoDigests 0}}' ${image} && docker rmi ${image} >/dev/null`,
            );
            expect(pull.code, `${host}: ${pull.stderr}`).to.equal(0);
            expect(pull.stdout.trim(), host).to.equal(`${registry()}/lab/tiny@${digest}`);
        }
        // It really is TLS with the stack CA: plain HTTP gets nothing, HTTPS with the CA asks for credentials.
        const tls = await sh("node2")(
            `curl -s -o /dev/null -w '%{http_code}' --cacert /etc/docker/certs.d/${registry()}/ca.crt https://${registry()}/v2/; echo; curl -s -o /dev/null ` +
                `-w '%{http_code}' http://${registry()}/v2/`,
        );
        expect(tls.stdout.split("\n")[0]).to.equal("401");
        expect(tls.stdout.split("\n")[1]).to.equal("400");
    });

    it("refuses a push and a pull without credentials", async () => {
        const image = `${registry()}/lab/anon:${Date.now()}`;
        const r = await sh("mgmt")(
            `set -e; d=$(mktemp -d); echo anon >$d/x; tar -C $d -c . | docker import - ${image} >/dev/null; rm -rf $d
             export DOCKER_CONFIG=$(mktemp -d); rc=0; docker push ${image} 2>&1 || rc=$?; echo "push-rc=$rc"; ` +
                `rc=0; docker pull ${registry()}/lab/none:1 2>&1 || rc=$?; echo "pull-rc=$rc"; docker rmi ${image} >/dev/null`,
        );
        expect(r.stdout).to.match(/no basic auth credentials/);
        expect(r.stdout).to.match(/push-rc=[1-9]/);
        expect(r.stdout).to.match(/pull-rc=[1-9]/);
    });

    describe("ZooKeeper ensemble (node1..node3, myid 1..3)", () => {
        const members = ["node1", "node2", "node3"];
        const srvrMode = async (host: string) => {
            // Each member's client port listens on its private address only (clientPortAddress).
            const r = await sh(host)(
                `timeout 5 bash -c 'exec 5<>/dev/tcp/${ctx.lab.hosts[host].ip}/2181 || exit 1; printf srvr >&5; cat <&5' | sed -n 's/^Mode: //p'`,
            );
            return r.stdout.trim();
        };
        const zkServers = (hosts: string[]) => hosts.map((h) => `${ctx.lab.hosts[h].ip}:2181`).join(",");
        // With the full stack, / is guarded by digest ACLs: the client authenticates first with the ACL
        // step's addauth file (node1, the first member; node1's host stays up while its member is stopped).
        const zk = (servers: string[], command: string) =>
            sh("node1")(`{ cat ${ZK_AUTH} 2>/dev/null; echo ${JSON.stringify(command)}; } | ${ZK_CLI} -server ${zkServers(servers)} 2>&1`, {
                timeoutMs: 60000,
            });

        before(async () => {
            // MesosCluster creates the ensemble in the full stack; while a stack has none, build it here.
            if (!ctx.run.steps.some((s) => /-zookeeper-ready$/.test(s.resource))) {
                const r = await ctx.lab.run((hosts) => {
                    new ZooKeeperEnsemble("zookeeper", { hosts: hostsWithRole(hosts, "zookeeper") });
                }, "ZooKeeperEnsemble alone");
                expect(r.failures, JSON.stringify(r.failures)).to.deep.equal([]);
            }
        });

        it("has one leader and two followers", async () => {
            const modes = await poll("a quorum (srvr on every member)", 120, async () => {
                const m = await Promise.all(members.map(srvrMode));
                return m.filter((x) => x === "leader").length === 1 && m.filter((x) => x === "follower").length === 2 ? m : undefined;
            });
            expect(modes.sort()).to.deep.equal(["follower", "follower", "leader"]);
            const cfg = await sh("node2")(
                "cat /etc/zookeeper/conf/myid; grep -E '^(4lw|admin|server)' /etc/zookeeper/conf/zoo.cfg; ss -ltn | grep -c ':8080 ' || true",
            );
            expect(cfg.stdout).to.contain("2\n4lw.commands.whitelist=srvr,ruok,mntr");
            expect(cfg.stdout).to.contain("admin.serverPort=8181");
            expect(cfg.stdout.trim().endsWith("\n0")).to.equal(true); // nothing on Marathon's port
        });

        it("keeps serving writes and reads with the leader stopped, and the member rejoins", async () => {
            const node = `/platform-lab-${Date.now()}`;
            const created = await zk(members, `create ${node} before`);
            expect(created.stdout).to.contain(`Created ${node}`);
            const modes = await Promise.all(members.map(srvrMode));
            const leader = members[modes.indexOf("leader")];
            const rest = members.filter((m) => m !== leader);
            const stop = await sh(leader)("systemctl stop zookeeper");
            expect(stop.code, stop.stderr).to.equal(0);
            try {
                const t0 = Date.now();
                await poll("a write through the two remaining members", 90, async () => {
                    const w = await zk(rest, `create ${node}/after-stop during`);
                    return /Created|NodeExists/.test(w.stdout) ? true : undefined;
                });
                console.log(`      write with the leader (${leader}) stopped succeeded after ${((Date.now() - t0) / 1000).toFixed(1)} s`);
                const read = await zk(rest, `get ${node}`);
                expect(read.stdout).to.match(/^before$/m);
                const left = await Promise.all(rest.map(srvrMode));
                expect(left.sort()).to.deep.equal(["follower", "leader"]);
            } finally {
                await sh(leader)("systemctl start zookeeper");
            }
            await poll(`${leader} back as a follower`, 120, async () => ((await srvrMode(leader)) === "follower" ? true : undefined));
            const back = await zk([leader], `get ${node}/after-stop`);
            expect(back.stdout).to.match(/^during$/m);
            await zk(members, `deleteall ${node}`);
        });
    });
});
