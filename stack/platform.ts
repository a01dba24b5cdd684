import * as pulumi from "@pulumi/pulumi";
import { LocalCommand } from "../components/exec/command";
import { StackConfig } from "../config/schema";
import { HostReadiness, RegistryEndpoint } from "../components/contracts";
import { Host, singleHostWithRole } from "../components/hosts/host";
import { StackCa } from "../components/pki";
import { DockerEngine, DockerRegistry } from "../components/docker";

export interface StackPlatform {
    registry: RegistryEndpoint;
    registryComponent: DockerRegistry;
    engines: DockerEngine;
    /** The stack CA (undefined in the registry's insecure mode). */
    ca?: StackCa;
    /** PEM of the stack CA ("" in insecure mode). */
    caCert: pulumi.Output<string>;
    /** Per host: Docker runs there with its config and registry login (DockerEngine.hostReady). */
    hostReady: HostReadiness;
    /** Per host: Docker runs there with its config, before the registry login (DockerEngine.daemonReady). */
    daemonReady: HostReadiness;
    outputs: Record<string, pulumi.Input<unknown>>;
}

/**
 * The platform layer every stack needs: the stack CA on mgmt, the registry on the registry host
 * (TLS with a certificate from that CA, htpasswd auth), and Docker on every host trusting and
 * logged in to it. ZooKeeper is a layer of its own (stack/zookeeper.ts).
 */
export function deployPlatform(cfg: StackConfig, hosts: Host[]): StackPlatform {
    const registryHost = singleHostWithRole(hosts, "registry", `DockerRegistry "registry"`);
    const password = (cfg.registryPassword as pulumi.Input<string> | undefined) ?? generatedPassword();

    const ca = cfg.registry.insecure
        ? undefined
        : new StackCa("stack-ca", {
              host: singleHostWithRole(hosts, "mgmt", `StackCa "stack-ca"`),
              commonName: `microservice ${pulumi.getStack()} stack CA`.slice(0, 64),
          });
    // The `registry` and `docker` sections as validated: each component's own settings schema (its defaults are the section's).
    const registry = new DockerRegistry("registry", { host: registryHost, settings: cfg.registry, ca, password });
    const engines = new DockerEngine("docker", { hosts, settings: cfg.docker, registry: registry.endpoint, registryInsecure: registry.insecure });
    return {
        registry: registry.endpoint,
        registryComponent: registry,
        engines,
        ca,
        caCert: registry.caCert,
        hostReady: engines.hostReady,
        daemonReady: engines.daemonReady,
        outputs: {
            registry: registry.address,
            registryUsername: registry.username,
            registryInsecure: registry.insecure,
            caCert: registry.caCert,
            daemonJson: engines.daemonJson,
        },
    };
}

/** 192 random bits, base64; runs once (on create) where `pulumi up` runs, kept in state as a secret. */
function generatedPassword(): pulumi.Output<string> {
    const gen = new LocalCommand("registry-password", { create: "openssl rand -base64 24", logging: "none" }, { additionalSecretOutputs: ["stdout"] });
    return pulumi.secret(gen.stdout.apply((s) => s.trim()));
}
