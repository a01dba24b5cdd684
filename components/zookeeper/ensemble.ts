import * as pulumi from "@pulumi/pulumi";
import { z } from "zod";
import { ZooKeeperEndpoint } from "../contracts";
import { Host } from "../hosts/host";
import { HostSteps } from "../provision";
import { input, ipv4, validate, ValidationError } from "../validate";
import { aclOps, zkUrlWithCredentials } from "./acl";
import { installOps, memberOps, readyOps, ZooSettings } from "./ops";
import { ZOOKEEPER_ELECTION_PORT, ZOOKEEPER_PEER_PORT, zookeeperPasswordSchema, ZookeeperSettingsInput, zookeeperSettingsSchema } from "./settings";

/**
 * ZooKeeperEnsemble's args: `settings` is what a stack chooses (the `zookeeper` config section, its
 * one schema and the owner of every default: components/zookeeper/settings.ts); the rest is wiring
 * (members, password) and how this component runs (AdminServer address, readiness bound).
 */
export interface ZooKeeperEnsembleArgs {
    /** The members: 1, 3 or 5 hosts, each with its `zookeeperId` (myid, from config). */
    hosts: Host[];
    /**
     * The `zookeeper` config section (ZookeeperSettings: client port, tickTime, limits, dataDir,
     * autopurge, four-letter words, AdminServer port): unset keys take that schema's defaults.
     * The peer and election ports are fixed (2888, 3888).
     */
    settings?: ZookeeperSettingsInput;
    /** Address the AdminServer binds (loopback by default: it has no authentication). */
    adminServerAddress?: string;
    /** Seconds each member waits for the quorum. */
    readySeconds?: number;
    /**
     * A Pulumi secret: digest authentication. Once the ensemble serves, only user `microservice`
     * with this password may read or write /, /mesos and /marathon (acl.ts), and zkUrl() carries the
     * credentials. Without it the ensemble is open to every client that reaches its client port.
     */
    password?: pulumi.Input<string>;
}

const REQUIRED_WORDS = ["srvr", "ruok", "mntr"];

const memberSchema = z.object({
    name: z.string(),
    zookeeperId: z.number({ message: "expected a zookeeperId (myid 1-255) on every member" }).int().min(1).max(255, "expected a myid from 1 to 255"),
});

const argsSchema = z
    .object({
        hosts: z
            .array(memberSchema, { message: "expected a list of hosts" })
            .refine((h) => [1, 3, 5].includes(h.length), "expected 1, 3 or 5 members (a quorum needs an odd count)")
            .refine((h) => new Set(h.map((m) => m.zookeeperId)).size === h.length, "expected a different zookeeperId on every member")
            .refine((h) => new Set(h.map((m) => m.name)).size === h.length, "expected each host once"),
        // The section's own checks (ports against each other and the fixed peer/election ports) run here.
        settings: zookeeperSettingsSchema.prefault({}),
        adminServerAddress: ipv4.default("127.0.0.1"),
        readySeconds: z.number().int().min(10).max(1800).default(240),
        password: input(zookeeperPasswordSchema).optional(),
    })
    .strict();

/** Per machine (its Host's `ready` resource): the ensemble whose member runs there. */
const MEMBER_OF = new WeakMap<object, string>();

/**
 * A ZooKeeper ensemble from Debian's zookeeperd: zoo.cfg with the original's values, `myid` from
 * each host's config (never from list order), four-letter words srvr/ruok/mntr allowed, and the
 * AdminServer moved off 8080, the client port on each member's private address. Ready when every
 * member reports a quorum role and, with a `password`, digest ACLs guard /, /mesos and /marathon.
 *
 * One ensemble per machine (zookeeperd has one configuration): a second ZooKeeperEnsemble on a host
 * that is already a member is refused. The stack makes it a layer of its own (stack/zookeeper.ts) and
 * hands MesosCluster `zookeeper: ensemble.endpoint`; a MesosCluster given none makes its own.
 */
export class ZooKeeperEnsemble extends pulumi.ComponentResource implements ZooKeeperEndpoint {
    /** `ip1:2181,ip2:2181,...` in myid order. */
    readonly servers: pulumi.Output<string>;
    readonly ready: pulumi.Resource[];
    /**
     * The last member step of the rolling change: after it every member runs its current config
     * (and, on a running ensemble, serves). What changes that embed the members wait for.
     */
    readonly rolled: pulumi.Resource[];
    /** Each member's host answered (its Host's `ready`), in the order the hosts were given. */
    readonly answered: pulumi.Resource[];
    readonly settings: ZooSettings;
    /** A Pulumi secret (undefined: no authentication). */
    private readonly password?: pulumi.Output<string>;

    constructor(name: string, args: ZooKeeperEnsembleArgs, opts?: pulumi.ComponentResourceOptions) {
        const a = validate(
            argsSchema,
            { ...args, hosts: (args.hosts ?? []).map((h) => ({ name: h.name, zookeeperId: h.zookeeperId })) },
            `ZooKeeperEnsemble "${name}"`,
        );
        for (const h of args.hosts) {
            const other = h.ready && typeof h.ready === "object" ? MEMBER_OF.get(h.ready) : undefined;
            if (other !== undefined) {
                throw new ValidationError(
                    `ZooKeeperEnsemble "${name}": host ${h.name} is already a member of ZooKeeperEnsemble "${other}" ` +
                        "(one ensemble per machine: both would own its zookeeperd). " +
                        "A MesosCluster without `zookeeper:` makes its own ensemble of the hosts with role zookeeper: " +
                        "give it the existing one instead (zookeeper: ensemble.endpoint)",
                    [],
                );
            }
        }
        super("microservice:index:ZooKeeperEnsemble", name, {}, opts);
        for (const h of args.hosts) if (h.ready && typeof h.ready === "object") MEMBER_OF.set(h.ready, name);
        const s = a.settings;
        const words = [...REQUIRED_WORDS, ...s.fourLetterWords.filter((w) => !REQUIRED_WORDS.includes(w))];
        this.settings = {
            clientPort: s.clientPort,
            peerPort: ZOOKEEPER_PEER_PORT,
            electionPort: ZOOKEEPER_ELECTION_PORT,
            tickTime: s.tickTime,
            initLimit: s.initLimit,
            syncLimit: s.syncLimit,
            dataDir: s.dataDir,
            autopurgeIntervalHours: s.autopurgeIntervalHours,
            autopurgeSnapRetainCount: s.autopurgeSnapRetainCount,
            fourLetterWords: words,
            admin: s.adminServerPort === false ? false : { port: s.adminServerPort, address: a.adminServerAddress },
        };
        const hosts = [...args.hosts].sort((x, y) => x.zookeeperId! - y.zookeeperId!);
        const members = pulumi.all(hosts.map((h) => h.privateIp)).apply((ips) => ips.map((ip, i) => ({ id: hosts[i].zookeeperId!, ip })));
        this.servers = members.apply((ms) => ms.map((m) => `${m.ip}:${s.clientPort}`).join(","));

        // Installed everywhere at once; then changed one member at a time: member k's step starts
        // after member k-1 serves again (memberOps waits for that when the ensemble served before),
        // and not before every member's host answered, so an unreachable host stops a change before
        // any member is touched. The quorum waits come last: a member alone never reaches it.
        const chains = hosts.map((h) => new HostSteps(this, name, h));
        chains.forEach((steps) => steps.add("zookeeper-install", installOps(this.settings)));
        this.answered = args.hosts.map((h) => h.ready);
        const answered = hosts.map((h) => h.ready);
        const configured: pulumi.Resource[] = [];
        chains.forEach((steps, i) => {
            const ops = members.apply((ms) => memberOps(this.settings, ms, hosts[i].zookeeperId!, { host: hosts[i].name, timeoutSeconds: a.readySeconds }));
            configured.push(steps.add("zookeeper", ops, { dependsOn: [...answered, ...configured.slice(-1)] }));
        });
        this.rolled = configured.slice(-1);
        const serving = chains.map((steps, i) =>
            steps.add(
                "zookeeper-ready",
                hosts[i].privateIp.apply((ip) => readyOps(this.settings, hosts.length, a.readySeconds, ip)),
                { dependsOn: configured },
            ),
        );
        // ACLs once the quorum serves, from the first member (any serving member answers the client).
        if (a.password !== undefined) this.password = pulumi.secret(a.password);
        const acl = this.password
            ? [
                  chains[0].add(
                      "zookeeper-acl",
                      pulumi.all([this.servers, this.password]).apply(([servers, pw]) => aclOps(pw, { servers })),
                      { dependsOn: serving, secret: true },
                  ),
              ]
            : [];
        this.ready = [...serving, ...acl];
        this.registerOutputs({ servers: this.servers });
    }

    /** `zk://microservice:<password>@ip1:2181,ip2:2181,.../path` (a Pulumi secret); `zk://ip1:2181,.../path` without a password. */
    zkUrl(path: string): pulumi.Output<string> {
        if (!/^\/[A-Za-z0-9._/-]*$/.test(path)) throw new Error(`ZooKeeperEnsemble.zkUrl: expected a path like /mesos, got ${JSON.stringify(path)}`);
        if (!this.password) return this.servers.apply((s) => `zk://${s}${path}`);
        return pulumi.secret(pulumi.all([this.servers, this.password]).apply(([s, pw]) => zkUrlWithCredentials(s, path, pw)));
    }

    /** The endpoint other layers take (ZooKeeperEndpoint). */
    get endpoint(): ZooKeeperEndpoint {
        return { servers: this.servers, zkUrl: (p: string) => this.zkUrl(p), ready: this.ready, rolled: this.rolled, answered: this.answered };
    }
}
