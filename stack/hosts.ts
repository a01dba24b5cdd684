import * as pulumi from "@pulumi/pulumi";
import { StackConfig } from "../config/schema";
import { Host } from "../components/hosts/host";

export interface StackHosts {
    hosts: Host[];
    /** Stack outputs: per host its address and an SSH command. */
    outputs: pulumi.Input<Record<string, unknown>>;
}

/** Builds the hosts of the configured target (replaced by the host targets work). */
export function buildHosts(cfg: StackConfig): StackHosts {
    throw new Error(`target "${cfg.target}" is not built yet`);
}
