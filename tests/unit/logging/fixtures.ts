import { ClientStep, ServerStep } from "../../../components/logging/ops";

/** node2 of the original layout forwarding to node1 (10.0.15.11), the original's settings. */
export const client = (extra: Partial<ClientStep> = {}): ClientStep => ({
    host: "node2",
    serverName: "node1",
    localPort: 10514,
    target: { protocol: "tcp", address: "10.0.15.11", port: 514 },
    queueMaxDiskSpace: "1g",
    forwardJournal: ["mesos-master", "mesos-slave", "mesos-agent", "marathon", "zookeeper"],
    retentionDays: 7,
    ...extra,
});

export const server = (extra: Partial<ServerStep> = {}): ServerStep => ({
    port: 514,
    allowedSenders: ["10.0.15.10", "10.0.15.11", "10.0.15.12", "10.0.15.13"],
    tls: "off",
    retentionDays: 30,
    ...extra,
});

export const CA_PEM = "-----BEGIN CERTIFICATE-----\nQ0EK\n-----END CERTIFICATE-----";
export const CERT_PEM = "-----BEGIN CERTIFICATE-----\nQ0VSVAo=\n-----END CERTIFICATE-----";
