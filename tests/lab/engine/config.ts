/**
 * The engine lab's stack config: the local target (the default of `npm run up`) with the original
 * topology on a lab network of its own (10.1.<id>.0/24, containers mseng<id>-<host>), the overlay
 * mesh (Weave cannot be had here), and Mesos/Marathon from the lab's test double (tests/lab/doubles),
 * pulled from the lab's plain-HTTP registry. The apps are left out: Marathon is a double.
 */
export function engineHosts(id: number) {
    const net = `10.1.${id}`;
    return [
        { name: "mgmt", roles: ["mgmt"], ip: `${net}.10` },
        {
            name: "node1",
            roles: ["zookeeper", "master", "marathon", "registry", "logServer", "agent"],
            ip: `${net}.11`,
            zookeeperId: 1,
            agentAttributes: { slavetype: "system" },
        },
        { name: "node2", roles: ["zookeeper", "agent"], ip: `${net}.12`, zookeeperId: 2, agentAttributes: { slavetype: "app" } },
        { name: "node3", roles: ["zookeeper", "agent"], ip: `${net}.13`, zookeeperId: 3, agentAttributes: { slavetype: "app" } },
    ];
}

export function enginePrefix(id: number): string {
    return `mseng${id}`;
}

export function engineStackConfig(id: number, doublesRegistry: string, double: string, docker: Record<string, unknown> = { bip: "172.31.0.1/24" }) {
    return {
        target: "local",
        hosts: engineHosts(id),
        network: { subnet: `10.1.${id}.0/24` },
        local: { namePrefix: enginePrefix(id) },
        mesh: { implementation: "overlay" },
        docker: { ...docker, insecureRegistries: [doublesRegistry] },
        // The hosts are containers: the agent container gets capabilities instead of --privileged.
        mesos: {
            images: { master: double, agent: double, marathon: double },
            mirrorToRegistry: false,
            readinessTimeoutSeconds: 180,
            agentPrivileges: "capabilities",
        },
        apps: { enabled: false },
    };
}
