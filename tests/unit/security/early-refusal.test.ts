import { expect } from "chai";
import { fullConfig, layoutHosts, runProgram } from "./stack";

/**
 * Bad config must fail in the stack schema (loadStackConfig), before any resource exists: a rule
 * that only a component checks fails after the hosts and the platform were registered, leaving a
 * half-built stack. Each case runs the whole program under the mocks and asserts zero
 * registrations and an error naming the key.
 */

/** The original layout with role master on node1..node<n> (more nodes when n > 3). */
const masters = (n: number) => {
    const hosts: Record<string, any>[] = layoutHosts();
    for (let i = 4; i <= n; i++) hosts.push({ name: `node${i}`, roles: ["agent"], ip: `10.0.15.${10 + i}` });
    hosts.slice(1, n + 1).forEach((h) => (h.roles = [...new Set([...h.roles, "master"])]));
    return hosts;
};

const cases: [string, (c: Record<string, any>) => void, RegExp][] = [
    [
        "an even number of Mesos masters",
        (c) => (c.hosts = masters(2)),
        /hosts: expected an odd count of hosts with role master \(1, 3 or 5; a majority must outlive a failure\), found 2: node1, node2/,
    ],
    [
        "too many Mesos masters",
        (c) => (c.hosts = masters(7)),
        new RegExp(
            /hosts: expected an odd count of hosts with role master \(1, 3 or 5; a majority must outlive a failure\), found 7: node1, node2, node3, /.source +
                /node4, node5, node6, node7/.source,
        ),
    ],
    [
        "taskLaunchTimeout below the executor registration timeout",
        (c) => (c.mesos.marathon.taskLaunchTimeoutSeconds = 120),
        /mesos\.marathon\.taskLaunchTimeoutSeconds: expected at least mesos\.executorRegistrationTimeout \(10mins = 600 s\)[^\n]*, got 120/,
    ],
    [
        "logging.tls with an insecure registry",
        (c) => (c.registry.insecure = true),
        /logging\.tls: expected "off" when registry\.insecure is true[^\n]*, got "server"/,
    ],
    [
        "Marathon's HTTPS with an insecure registry",
        (c) => ((c.registry.insecure = true), (c.logging.tls = "off")),
        /mesos\.marathon\.tls: expected false when registry\.insecure is true \(Marathon's HTTPS certificate comes from the stack CA[^\n]*, got nothing/,
    ],
    [
        "ZooKeeper clientPort equal to its peerPort",
        (c) => (c.zookeeper.clientPort = 2888),
        /zookeeper\.clientPort: expected a port other than ZooKeeper's peer port 2888[^\n]*, got 2888/,
    ],
    [
        "ZooKeeper's admin server on 8080",
        (c) => (c.zookeeper.adminServerPort = 8080),
        /zookeeper\.adminServerPort: expected a port other than 8080[^\n]*, got 8080/,
    ],
    [
        "an overlay manager that is not a host",
        (c) => ((c.mesh.implementation = "overlay"), (c.mesh.overlay.manager = "node9"), delete c.weavePassword),
        /mesh\.overlay\.manager: expected the name of one of the hosts \(mgmt, node1, node2, node3\), got "node9"/,
    ],
    [
        "a Vagrant dir with a space",
        (c) => {
            Object.assign(c, { target: "vagrant", vagrant: { dir: "my vagrant" } });
            delete c.sshPrivateKey;
            delete c.existing;
        },
        /vagrant\.dir: expected a directory path of letters, digits and \. _ - \/[^\n]*, got "my vagrant"/,
    ],
];

describe("security: bad config fails before any resource is registered", function () {
    this.timeout(60000);

    it("the valid baseline registers the whole stack", async () => {
        const run = await runProgram(fullConfig());
        expect(run.error).to.equal(undefined);
        expect(run.resources.length).to.be.greaterThan(50);
        expect(layoutHosts()).to.have.length(4);
    });

    for (const [what, change, error] of cases) {
        it(what, async () => {
            const c = fullConfig();
            change(c);
            const run = await runProgram(c);
            expect(run.error?.message ?? "(no error)")
                .to.match(/^stack config: invalid input\n/)
                .and.to.match(error, run.error?.message);
            expect(run.resources.map((r) => `${r.type} ${r.name}`)).to.deep.equal([]);
        });
    }
});
