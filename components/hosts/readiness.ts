import * as pulumi from "@pulumi/pulumi";
import { z } from "zod";
import type { HostReadiness } from "../contracts";

/** `hostReady` args: per host name, a list of resources. */
export const hostReadinessSchema = z.record(z.string(), z.array(z.custom<pulumi.Resource>())).optional();

/** What a layer's steps on `host` wait for (nothing when the readiness does not name it). */
export function readinessOn(ready: HostReadiness | undefined, host: { name: string }): pulumi.Resource[] {
    return [...(ready?.[host.name] ?? [])];
}

/** Per host name, a list: the readiness of steps that end one per host. */
export function readinessOf(byHost: Readonly<Record<string, pulumi.Resource>>): HostReadiness {
    return Object.fromEntries(Object.entries(byHost).map(([host, r]) => [host, [r]]));
}
