import { expect } from "chai";
import { Lab, LabRun, describeFailures } from "./harness";
import { firstRun, lab as theLab } from "./shared";
import { renderScript, stepPayload, STEP_RESULT } from "../../components/provision";
import { chooseManager, overlayRender, overlaySettingsSchema, OverlayMesh } from "../../components/mesh";
import { DockerEngine } from "../../components/docker";

/**
 * The overlay implementation of the container network, for real across the lab's hosts (Weave's
 * script and images cannot be fetched here: WeaveMesh is tested under mocks only). Two instances
 * of a tiny HTTP server named `whoami` run on node2 and node3 with the component's network and
 * parameters; a container on node1 finds them by name and its requests spread over both.
 *
 * MESH_LAB_ISOLATED=1 runs only DockerEngine + OverlayMesh on the lab instead of the full stack
 * (for developing this file while other layers are not ready).
 */
const IMAGE = "microservice/debian-minbase:bookworm";
const CONTAINER = "mesh-lab-whoami";
const APP = "whoami";
const REQUESTS = 20;

// Answers every HTTP request with its instance name (perl-base is in every Debian image).
const SERVER =
    `use IO::Socket::INET; my $s = IO::Socket::INET->new(LocalPort => 8080, Listen => 16, ReuseAddr => 1) or die "listen: $!";
while (my $c = $s->accept) { my $l; while (defined($l = <$c>) && $l !~ /^\\r?\\n$/) {} ` +
    `print $c "HTTP/1.0 200 OK\\r\\nContent-Type: text/plain\\r\\n\\r\\n$ENV{INSTANCE}\\n"; close $c; }`;

// Runs on node1 inside a container on the mesh: resolution, per-address and by-name requests.
const CLIENT = (ips: string[]) => `set -u
get() { exec 3<>/dev/tcp/$1/8080 || return 1; printf 'GET / HTTP/1.0\\r\\n\\r\\n' >&3; tail -n1 <&3; exec 3<&-; }
for i in $(seq 1 100); do getent hosts ${APP} >/dev/null && break; sleep 0.2; done
t0=$(date +%s%N); for i in $(seq 1 ${REQUESTS}); do echo "first $(getent hosts ${APP} | head -n1 | cut -d' ' -f1)"; done; t1=$(date +%s%N)
echo "resolve_ms $(( (t1 - t0) / 1000000 ))"
echo "all $(getent hosts ${APP} | cut -d' ' -f1 | sort | xargs)"
echo "fqdn $(getent hosts ${APP}.$NET | cut -d' ' -f1 | sort | xargs)"
${ips.map((ip) => `echo "at ${ip} $(get ${ip})"`).join("\n")}
t0=$(date +%s%N); for i in $(seq 1 ${REQUESTS}); do echo "byname $(get ${APP})"; done; t1=$(date +%s%N)
echo "requests_ms $(( (t1 - t0) / 1000000 ))"
`;

const b64 = (s: string) => Buffer.from(s).toString("base64");

describe("30 mesh: overlay network across lab hosts (WeaveMesh: mocks only)", function () {
    let lab: Lab;
    let run: LabRun;
    let network: string;
    let manager: string;
    const started: string[] = [];

    before(async function () {
        if (process.env.MESH_LAB_ISOLATED === "1") {
            lab = await theLab();
            run = await lab.run((hosts) => {
                const docker = new DockerEngine("docker", { hosts });
                const mesh = new OverlayMesh("mesh", { hosts, hostReady: docker.hostReady });
                return { mesh: { dockerNetwork: mesh.dockerNetwork } };
            }, "mesh (isolated)");
        } else {
            ({ lab, run } = await firstRun());
        }
        const out = run.outputs.mesh as { dockerNetwork?: string } | undefined;
        network = out?.dockerNetwork ?? "";
        if (network !== "mesh")
            throw new Error(
                `the run did not build the mesh (output mesh.dockerNetwork ${JSON.stringify(out?.dockerNetwork)}); its failures:\n${describeFailures(run)}`,
            );
        // The component's own choice (the first master), from the lab's host list.
        manager = chooseManager(lab.specs as unknown as Parameters<typeof chooseManager>[0], overlaySettingsSchema.parse({})).name;
    });

    after(async function () {
        for (const host of started) await lab.hosts[host].sh(`docker rm -f ${CONTAINER} >/dev/null 2>&1 || true`);
    });

    it("runs every mesh step on every host, and makes every host a Ready node of one swarm", async () => {
        const meshFailures = run.failures.filter((f) => /(^|[^a-z])mesh-/.test(f.resource));
        expect(meshFailures, describeFailures(run)).to.deep.equal([]);
        const meshSteps = run.steps.filter((s) => /mesh-[a-z0-9]+-(swarm-init|swarm-token|overlay-network|swarm-join)$/.test(s.resource));
        expect(meshSteps.map((s) => s.resource.replace(/^.*?(mesh-)/, "$1")).sort()).to.deep.equal(
            [
                "mesh-mgmt-swarm-join",
                `mesh-${manager}-overlay-network`,
                `mesh-${manager}-swarm-init`,
                `mesh-${manager}-swarm-token`,
                "mesh-node2-swarm-join",
                "mesh-node3-swarm-join",
            ].sort(),
        );
        for (const s of meshSteps) expect(s.result, `${s.resource}: ${s.stderr}`).to.not.equal("other");
        console.log(
            `    mesh steps: ` +
                `${meshSteps.map((s) => `${s.resource.replace(/^.*?(mesh-)/, "$1")} ${s.result} ${(s as { ms?: number }).ms ?? "?"} ms`).join(", ")}`,
        );
        const changed = run.steps.filter((x) => x.result === "changed" && !/mesh-/.test(x.resource)).map((x) => x.resource);
        if (changed.length) console.log(`    other changed steps in this run: ${changed.join(", ")}`);

        const nodes = await lab.hosts[manager].sh(`docker node ls --format '{{.Hostname}} {{.Status}} {{.ManagerStatus}}' | sort`);
        expect(nodes.code, nodes.stderr).to.equal(0);
        const lines = nodes.stdout
            .trim()
            .split("\n")
            .map((l) => l.trim());
        expect(lines).to.have.length(Object.keys(lab.hosts).length);
        for (const l of lines) expect(l).to.match(/ Ready( Leader)?$/);
        const shape = await lab.hosts[manager].sh(
            `docker network inspect -f '{{.Driver}} {{.Attachable}} {{range .IPAM.Config}}{{.Subnet}}{{end}}' ${network}`,
        );
        expect(shape.stdout.trim()).to.equal("overlay true 10.2.0.0/16");
    });

    it("finds the instances on node2 and node3 by name from node1, and the name spreads over them", async function () {
        const t0 = Date.now();
        await Promise.all(["node1", "node2", "node3"].map((h) => lab.loadImage(h, IMAGE)));
        const loadMs = Date.now() - t0;

        const params = overlayRender
            .dockerParameters(APP)
            .map((p) => `--${p.key}=${p.value}`)
            .join(" ");
        const ips: Record<string, string> = {};
        for (const host of ["node2", "node3"]) {
            const r = await lab.hosts[host].sh(
                `docker rm -f ${CONTAINER} >/dev/null 2>&1; docker run -d --name ${CONTAINER} --network=${network} ${params} -e INSTANCE=${host} ${IMAGE} ` +
                    `perl -e "$(echo ${b64(SERVER)} | base64 -d)" >/dev/null && ` +
                    `docker inspect -f '{{(index .NetworkSettings.Networks "${network}").IPAddress}}' ${CONTAINER}`,
            );
            expect(r.code, r.stderr).to.equal(0);
            started.push(host);
            ips[host] = r.stdout.trim();
        }
        const t1 = Date.now();
        const c = await lab.hosts.node1.sh(
            `docker run --rm --network=${network} -e NET=${network} ${IMAGE} bash -c "$(echo ${b64(CLIENT(Object.values(ips)))} | base64 -d)"`,
            { timeoutMs: 180_000 },
        );
        const clientMs = Date.now() - t1;
        expect(c.code, c.stderr).to.equal(0);
        const lines = c.stdout.trim().split("\n");
        const values = (key: string) => lines.filter((l) => l.startsWith(key + " ")).map((l) => l.slice(key.length + 1));
        const both = Object.values(ips).sort().join(" ");

        // Resolution: the name and <name>.<network> answer with both instances.
        expect(values("all")).to.deep.equal([both]);
        expect(values("fqdn")).to.deep.equal([both]);
        const first = values("first");
        expect(first).to.have.length(REQUESTS);
        const firstCount = Object.fromEntries(Object.values(ips).map((ip) => [ip, first.filter((f) => f === ip).length]));
        // Reachability: each instance answers at its own address.
        for (const [host, ip] of Object.entries(ips)) expect(values(`at ${ip}`)).to.deep.equal([host]);
        // Spread: requests by name reach both instances.
        const hits = values("byname");
        expect(hits).to.have.length(REQUESTS);
        const hitCount = { node2: hits.filter((h) => h === "node2").length, node3: hits.filter((h) => h === "node3").length };
        expect(hitCount.node2 + hitCount.node3).to.equal(REQUESTS);
        expect(hitCount.node2, `requests by name: ${JSON.stringify(hitCount)}`).to.be.greaterThan(0);
        expect(hitCount.node3, `requests by name: ${JSON.stringify(hitCount)}`).to.be.greaterThan(0);

        console.log(
            `    mesh: ${APP} on node2 (${ips.node2}) and node3 (${ips.node3}); from node1: ${REQUESTS} lookups (${values("resolve_ms")[0]} ms) answered ` +
                `first ${JSON.stringify(firstCount)}; ${REQUESTS} requests by name (${values("requests_ms")[0]} ms) hit ${JSON.stringify(hitCount)}; ` +
                `client container ${clientMs} ms, image load ${loadMs} ms`,
        );
    });

    it("takes a leaving host out of the swarm (its removal scripts), and lets it join again", async () => {
        const node3 = lab.hosts.node3;
        const leave = await node3.sh(`bash -s`, { input: overlayRender.leaveScript() });
        expect(leave.code, leave.stderr).to.equal(0);
        expect(leave.stdout).to.contain("swarm: left");
        const ip = node3.ip;
        const rm = await lab.hosts[manager].sh(`bash -s`, { input: overlayRender.nodeRemoveScript(ip) });
        expect(rm.code, rm.stderr).to.equal(0);
        expect(rm.stdout).to.match(/swarm: removed node \S+ \(/);
        const listed = await lab.hosts[manager].sh(`for id in $(docker node ls -q); do docker node inspect -f '{{.Status.Addr}}' "$id"; done`);
        expect(listed.stdout.split("\n")).to.not.include(ip);
        // A second delete (destroy after removal) is a no-op.
        expect((await node3.sh(`bash -s`, { input: overlayRender.leaveScript() })).stdout).to.contain("swarm: not a member");

        // Back in with the steps as the component renders them: join changes, a second run does not.
        const token = stepPayload(
            (await lab.hosts[manager].sh(`bash -s`, { input: renderScript(manager, "swarm-token", overlayRender.joinTokenOps()) })).stdout,
        );
        const managerIp = lab.hosts[manager].ip;
        const join = renderScript("node3", "swarm-join", overlayRender.workerJoinOps(ip, managerIp, token));
        const again = [await node3.sh(`bash -s`, { input: join }), await node3.sh(`bash -s`, { input: join })];
        expect(again.map((r) => STEP_RESULT.exec(r.stdout)?.[2])).to.deep.equal(["changed", "unchanged"]);
        const state = await node3.sh(`docker info -f '{{.Swarm.LocalNodeState}}'`);
        expect(state.stdout.trim()).to.equal("active");
    });
});
