import * as pulumi from "@pulumi/pulumi";
import { RegistryEndpoint, SchedulerEndpoint, ZooKeeperEndpoint } from "../contracts";
import { Host, hostsWithRole, singleHostWithRole } from "../hosts/host";
import { readinessOn } from "../hosts/readiness";
import { LocalCommand } from "../exec/command";
import { hostStep, HostSteps, onRemoval } from "../provision";
import { validate } from "../validate";
import { ZooKeeperEnsemble } from "../zookeeper";
import { argsSchema, MesosClusterArgs } from "./args";
import { mirrored, PinnedImages } from "./images";
import * as r from "./render";
import * as steps from "./ops";
import { agentAttributes, attributesFlag, quorum } from "./topology";
import { durationSeconds, MesosImages, MesosSettings } from "./settings";

export { MesosClusterArgs } from "./args";

/**
 * Highly available Mesos masters, an agent on every host with role `agent`, and Marathon on the
 * hosts with role `marathon`, on a ZooKeeper ensemble: the `zookeeper` endpoint given (the stack's
 * ZooKeeper layer, stack/zookeeper.ts), or else, for programs that use MesosCluster alone, a
 * ZooKeeperEnsemble of the hosts with role `zookeeper` made as its child (`zookeeperSettings`: its
 * `settings`, the `zookeeper` section). Host-network containers under systemd, from images pinned by digest
 * (optionally copied once into the stack's registry). Ready when every master is healthy, a leader
 * is elected, every agent is registered and active, and every Marathon answers /ping.
 */
export class MesosCluster extends pulumi.ComponentResource implements SchedulerEndpoint {
    readonly zookeeper: ZooKeeperEndpoint;
    /** The `settings` it runs with, every default filled in (by the `mesos` section's schema). */
    readonly settings: MesosSettings;
    readonly quorum: number;
    /** The image references units run (the registry's copies when mirrored). */
    readonly images: pulumi.Output<PinnedImages>;
    readonly mesosUrls: pulumi.Output<string[]>;
    readonly marathonUrls: pulumi.Output<string[]>;
    readonly marathonUrl: pulumi.Output<string>;
    /** PEM of the CA that signed Marathon's certificates (the stack CA); "" when Marathon serves plain HTTP. */
    readonly marathonCaCert: pulumi.Output<string>;
    readonly marathonUsername: pulumi.Output<string>;
    readonly marathonPassword: pulumi.Output<string>;
    /** Masters healthy with a leader, agents registered, Marathon answering. */
    readonly ready: pulumi.Resource[];
    /** Per step kind and host name, for other layers and tests. */
    readonly hostSteps: Record<string, Record<string, pulumi.Resource>> = {
        master: {},
        agent: {},
        marathon: {},
        masterReady: {},
        agentReady: {},
        marathonReady: {},
    };

    constructor(name: string, args: MesosClusterArgs, opts?: pulumi.ComponentResourceOptions) {
        const a = validate(argsSchema, { ...args, hosts: (args.hosts ?? []).map((h) => ({ name: h?.name, roles: h?.roles })) }, `MesosCluster "${name}"`);
        super("microservice:index:MesosCluster", name, {}, opts);
        const s = a.settings;
        this.settings = s;
        const images = (a.images ?? s.images) as pulumi.Input<MesosImages>;
        const hosts = args.hosts;
        const masters = hostsWithRole(hosts, "master");
        const agents = hostsWithRole(hosts, "agent");
        const marathons = hostsWithRole(hosts, "marathon");
        this.quorum = quorum(masters.length);
        const ready = (h: Host) => readinessOn(args.hostReady, h);

        this.zookeeper =
            args.zookeeper ??
            new ZooKeeperEnsemble(
                `${name}-zookeeper`,
                { hosts: hostsWithRole(hosts, "zookeeper"), settings: a.zookeeperSettings, password: a.zookeeperPassword },
                { parent: this },
            ).endpoint;
        // zk:// URLs carry the ZooKeeper credentials: every step that writes one is secret.
        const zkMesos = this.zookeeper.zkUrl("/mesos");
        const zkMarathon = this.zookeeper.zkUrl("/marathon");

        // Images: upstream by digest, or copied once into the stack's registry (same digest).
        let mirror: pulumi.Resource[] = [];
        if (s.mirrorToRegistry) {
            const registry = args.registry as RegistryEndpoint;
            const mgmt = singleHostWithRole(hosts, "mgmt");
            const plan = pulumi.all([images, registry.address]).apply(([images, addr]) => mirrored(images, addr));
            const step = hostStep(
                this,
                name,
                mgmt,
                "mesos-mirror",
                pulumi
                    .all([plan, registry.address, registry.caCert])
                    .apply(([p, address, ca]) => steps.mirrorOps(p.copies, { address, insecure: ca === "", authfile: "/root/.docker/config.json" })),
                { dependsOn: [...registry.ready, ...ready(mgmt)] },
            );
            mirror = [step];
            this.images = plan.apply((p) => p.images);
        } else {
            this.images = pulumi.output(images);
        }

        const chains = Object.fromEntries(hosts.map((h) => [h.name, new HostSteps(this, name, h)]));
        // First on each host, its daemons' images, as soon as they can be pulled: from the stack's
        // registry after the copy and the host's login, from upstream once Docker runs. The pulls then
        // overlap ZooKeeper's and the mesh's steps rather than begin with the units.
        for (const h of hosts) {
            if (!steps.DAEMON_ROLES.some((d) => h.roles.includes(d))) continue;
            chains[h.name].add(
                "mesos-images",
                this.images.apply((img) => steps.imageOps(h.roles, img)),
                { dependsOn: s.mirrorToRegistry ? [...ready(h), ...mirror] : readinessOn(args.daemonReady ?? args.hostReady, h) },
            );
        }
        const port = s.masterPort;
        // Steps that embed ZooKeeper's members change only after every member's host answered; the
        // masters only after the ensemble's rolling change, and then one master at a time.
        const zkHostsAnswered = this.zookeeper.answered ?? [];
        const zkRolled = this.zookeeper.rolled ?? this.zookeeper.ready;
        const masterIps = pulumi.all(masters.map((h) => h.privateIp));
        // The principals' secrets: given, or generated once; only secret steps hold them.
        const secret = (given: pulumi.Input<string> | undefined, what: string) => pulumi.secret(given ?? generatedSecret(this, `${name}-${what}`));
        const secrets = pulumi
            .all([
                secret(a.mesosFrameworkSecret, "framework-secret"),
                secret(a.mesosAgentSecret, "agent-secret"),
                secret(a.mesosOperatorSecret, "operator-secret"),
            ])
            .apply(([framework, agent, operator]): r.MesosSecrets => ({ framework, agent, operator }));

        let previousMaster: pulumi.Resource[] = [];
        for (const h of masters) {
            const spec = pulumi.all([h.privateIp, zkMesos, this.images, masterIps, secrets]).apply(([ip, zk, img, ips, sec]) =>
                steps.masterOps({ ip, port, clusterName: s.clusterName, quorum: this.quorum, zk }, img.master, sec, {
                    host: h.name,
                    masterIps: ips,
                    timeoutSeconds: s.readinessTimeoutSeconds,
                }),
            );
            this.hostSteps.master[h.name] = chains[h.name].add("mesos-master", spec, {
                dependsOn: [...ready(h), ...mirror, ...masters.map((m) => m.ready), ...zkRolled, ...previousMaster],
                secret: true,
            });
            previousMaster = [this.hostSteps.master[h.name]];
            onRemoval(this, `${name}-${h.name}-mesos-master-removal`, {
                connection: h.connection,
                delete: steps.removalScript(r.MASTER_UNIT, "mesos-master"),
                dependsOn: [this.hostSteps.master[h.name]],
            });
        }

        const socket = args.network?.agentDockerSocket ?? "/var/run/docker.sock";
        const dockerConfig = s.agentDockerConfig === false ? undefined : s.agentDockerConfig;
        for (const h of agents) {
            const attrs = attributesFlag(agentAttributes(h.roles, s.agentAttributes, h.agentAttributes));
            const ops = pulumi.all([h.privateIp, zkMesos, this.images, secrets]).apply(([ip, zk, img, sec]) =>
                steps.agentOps(
                    h.name,
                    {
                        ip,
                        port: s.agentPort,
                        zk,
                        attributes: attrs,
                        executorRegistrationTimeout: s.executorRegistrationTimeout,
                        dockerSocket: socket,
                        dockerCli: s.agentDockerCli,
                        dockerConfig,
                        image: img.agent,
                        privileges: s.agentPrivileges,
                    },
                    sec,
                    s.cgroups,
                ),
            );
            this.hostSteps.agent[h.name] = chains[h.name].add("mesos-agent", ops, {
                dependsOn: [...ready(h), ...mirror, ...readinessOn(args.network?.hostReady, h), ...zkHostsAnswered],
                secret: true,
            });
            onRemoval(this, `${name}-${h.name}-mesos-agent-removal`, {
                connection: h.connection,
                delete: steps.removalScript(r.AGENT_UNIT, "mesos-agent", [`rm -f ${r.AGENT_WORK_DIR}/meta/slaves/latest ${r.AGENT_IDENTITY}`]),
                dependsOn: [this.hostSteps.agent[h.name]],
            });
        }

        const username = s.marathon.username;
        const password = pulumi.secret(a.marathonPassword);
        const launchMs = 1000 * (s.marathon.taskLaunchTimeoutSeconds ?? durationSeconds(s.executorRegistrationTimeout) + 60);
        // HTTPS: a certificate per Marathon host from the stack CA (key made there), a keystore made
        // from both on the host, its password a secret (given, or generated once).
        const tls = s.marathon.tls;
        const ca = a.ca;
        const httpsPort = tls ? s.marathon.httpsPort : undefined;
        const keystorePassword = tls ? secret(a.marathonKeystorePassword, "marathon-keystore-password") : pulumi.output(undefined);
        for (const h of marathons) {
            const cert = tls
                ? // A fixed id (like Marathon's own paths): renaming the cluster re-signs nothing.
                  ca!.issue(
                      `${name}-marathon-${h.name}`,
                      { id: `marathon-${h.name}`, host: h, commonName: h.privateIp, ips: [h.privateIp], dnsNames: [h.name], after: ready(h) },
                      { parent: this },
                  )
                : undefined;
            const certTls = cert
                ? pulumi
                      .all([cert.certPem, ca!.caCert, keystorePassword])
                      .apply(([certPem, caPem, kp]): steps.MarathonTls => ({ certPem, caPem, keyPath: cert.keyPath, keystorePassword: kp as string }))
                : pulumi.output(undefined);
            const ops = pulumi
                .all([h.privateIp, zkMesos, zkMarathon, this.images, password, secrets, certTls])
                .apply(([ip, masterZk, zk, img, pw, sec, t]) =>
                    steps.marathonOps(
                        { ip, httpPort: s.marathon.httpPort, httpsPort, masterZk, zk, taskLaunchTimeoutMs: launchMs, features: s.marathon.features },
                        img.marathon,
                        username,
                        pw,
                        sec.framework,
                        t,
                    ),
                );
            this.hostSteps.marathon[h.name] = chains[h.name].add("marathon", ops, {
                dependsOn: [...ready(h), ...mirror, ...zkHostsAnswered, ...(cert?.ready ?? [])],
                secret: true,
            });
            onRemoval(this, `${name}-${h.name}-marathon-removal`, {
                connection: h.connection,
                delete: steps.removalScript(r.MARATHON_UNIT, "marathon"),
                dependsOn: [this.hostSteps.marathon[h.name]],
            });
        }

        // Readiness: bounded waits that name the host and what is missing. Each runs on its own
        // host and lists no other agent, so adding an agent changes no other host's steps.
        const t = s.readinessTimeoutSeconds;
        const mastersConfigured = Object.values(this.hostSteps.master);
        for (const h of masters) {
            const ops = pulumi.all([h.privateIp, masterIps, this.images]).apply(([ip, ips, img]) => steps.masterReadyOps(h.name, ip, port, ips, img.master, t));
            this.hostSteps.masterReady[h.name] = hostStep(this, name, h, "mesos-master-ready", ops, {
                dependsOn: [...mastersConfigured, ...this.zookeeper.ready],
            });
        }
        const leader = Object.values(this.hostSteps.masterReady);
        for (const h of agents) {
            const ops = h.privateIp.apply((ip) => steps.agentReadyOps(h.name, ip, s.agentPort, port, t));
            this.hostSteps.agentReady[h.name] = hostStep(this, name, h, "mesos-agent-ready", ops, { dependsOn: [this.hostSteps.agent[h.name], ...leader] });
        }
        for (const h of marathons) {
            const ops = h.privateIp.apply((ip) => steps.marathonReadyOps(h.name, ip, httpsPort ?? s.marathon.httpPort, t, tls));
            this.hostSteps.marathonReady[h.name] = hostStep(this, name, h, "marathon-ready", ops, { dependsOn: [this.hostSteps.marathon[h.name], ...leader] });
        }
        this.ready = [...Object.values(this.hostSteps.agentReady), ...Object.values(this.hostSteps.marathonReady)];

        this.mesosUrls = masterIps.apply((ips) => ips.map((ip) => `http://${ip}:${port}`));
        const origin = tls ? `https://%s:${httpsPort}` : `http://%s:${s.marathon.httpPort}`;
        this.marathonUrls = pulumi.all(marathons.map((h) => h.privateIp)).apply((ips) => ips.map((ip) => origin.replace("%s", ip)));
        this.marathonUrl = this.marathonUrls.apply((u) => u[0]);
        this.marathonCaCert = tls ? ca!.caCert : pulumi.output("");
        this.marathonUsername = pulumi.output(username);
        this.marathonPassword = password;
        this.registerOutputs({
            mesosUrls: this.mesosUrls,
            marathonUrl: this.marathonUrl,
            marathonCaCert: this.marathonCaCert,
            zookeeper: this.zookeeper.servers,
            quorum: this.quorum,
            images: this.images,
        });
    }

    /** The endpoint the apps layer takes (SchedulerEndpoint). */
    get endpoint(): SchedulerEndpoint {
        return {
            marathonUrl: this.marathonUrl,
            marathonUsername: this.marathonUsername,
            marathonPassword: this.marathonPassword,
            marathonCaCert: this.marathonCaCert,
            mesosUrls: this.mesosUrls,
            ready: this.ready,
        };
    }
}

/** 192 random bits as hex (safe in every file a secret lands in). Runs once, on create, where `pulumi up` runs. */
function generatedSecret(parent: pulumi.Resource, name: string): pulumi.Output<string> {
    const gen = new LocalCommand(name, { create: "openssl rand -hex 24", logging: "none" }, { parent, additionalSecretOutputs: ["stdout"] });
    return gen.stdout.apply((s) => s.trim());
}
