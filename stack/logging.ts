import * as pulumi from "@pulumi/pulumi";
import { StackConfig } from "../config/schema";
import { LogShipping } from "../components/contracts";
import { Host } from "../components/hosts/host";
import { StackCa } from "../components/pki";
import { RsyslogAggregator } from "../components/logging";
import { CLIENT_LOG_DIR, SERVER_LOG_DIR, TAG_PREFIX } from "../components/logging/render";

/** What logging takes from the platform layer: the stack CA, for TLS between hosts and the server. */
export interface LoggingPlatform {
    ca?: StackCa;
}

export interface StackLogging {
    shipping: LogShipping;
    component: RsyslogAggregator;
    outputs: Record<string, pulumi.Input<unknown>>;
}

/**
 * The log layer: rsyslog on every host (it needs only the hosts, not Docker: containers reach it
 * through the flags in `shipping.dockerParameters`), the central server on the host with role
 * logServer. With `logging.tls` the certificates (the server's; with "mutual" every forwarder's too) come
 * from the stack CA.
 */
export function deployLogging(cfg: StackConfig, hosts: Host[], platform: LoggingPlatform = {}): StackLogging {
    const tls = cfg.logging.tls !== "off";
    if (tls && !platform.ca) {
        throw new Error("stack config logging.tls: needs the stack CA, which exists only when registry.insecure is false");
    }
    const component = new RsyslogAggregator("logging", { hosts, settings: cfg.logging, ca: tls ? platform.ca : undefined });
    return {
        shipping: component,
        component,
        outputs: {
            server: component.server.name,
            serverAddress: component.serverAddress,
            protocol: cfg.logging.protocol,
            tls: cfg.logging.tls,
            localPath: `${CLIENT_LOG_DIR}/<app>/docker.log`,
            remotePath: `${SERVER_LOG_DIR}/<host>/<YYYY>/<MM>/<DD>/docker/<app>/docker.log`,
            example: component
                .parametersForTag(`${TAG_PREFIX}<app>`)
                .map((p) => `--${p.key}=${p.value}`)
                .join(" "),
        },
    };
}
