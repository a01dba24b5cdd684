import { file, Op, packages, service, waitFor } from "../components/provision";

/**
 * The public entry on mgmt when the nodes are private (AWS): HAProxy, as the original ran there,
 * forwarding to nginx on its system agent with a health check. No stats page (the original's had
 * hard-coded credentials), runs as the haproxy user (the original ran it as root).
 */
export function haproxyConfig(port: number, backend: string): string {
    return [
        "# Managed by the stack (apps entry): local changes are overwritten.",
        "global",
        "    log /dev/log local0",
        "    chroot /var/lib/haproxy",
        "    user haproxy",
        "    group haproxy",
        "    maxconn 4000",
        "    daemon",
        "",
        "defaults",
        "    mode http",
        "    log global",
        "    option httplog",
        "    option forwardfor",
        "    option redispatch",
        "    retries 3",
        "    timeout connect 10s",
        "    timeout client 1m",
        "    timeout server 1m",
        "",
        "frontend app",
        `    bind *:${port}`,
        "    default_backend nginx",
        "",
        "backend nginx",
        "    option httpchk GET /nginx-health",
        `    server nginx ${backend} check`,
        "",
    ].join("\n");
}

export function entryOps(port: number, backend: string): Op[] {
    return [
        packages("haproxy"),
        file("/etc/haproxy/haproxy.cfg", haproxyConfig(port, backend), { mode: "0644", tag: "haproxy-config" }),
        service("haproxy", ["haproxy-config"]),
        waitFor(`haproxy listens on ${port}`, `ss -ltn | grep -q ':${port} '`, 30, `haproxy does not listen on port ${port} (journalctl -u haproxy)`),
    ];
}
