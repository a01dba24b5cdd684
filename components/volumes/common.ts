import * as pulumi from "@pulumi/pulumi";
import { z } from "zod";
import { VolumeRef } from "../contracts";
import { Host } from "../hosts/host";
import type { DatasetSettings } from "./settings";

export const mountRootSchema = z
    .string()
    .regex(/^\/[A-Za-z0-9._/-]*[A-Za-z0-9._-]$/, "expected an absolute path like /flocker (no trailing slash)")
    .default("/flocker");

/** Volume names must be unique: they name datasets, mount points and resources. [index, message] per repeat. */
export function repeatedNames(datasets: readonly { name: string }[]): [number, string][] {
    const seen = new Map<string, number>();
    const issues: [number, string][] = [];
    datasets.forEach((d, i) => {
        const first = seen.get(d.name);
        if (first !== undefined) issues.push([i, `expected unique volume names ("${d.name}" is also [${first}])`]);
        else seen.set(d.name, i);
    });
    return issues;
}

/**
 * What an app needs to use a volume: where it is mounted and the Marathon constraint that pins the
 * app to the primary (Mesos knows agents by their IP: `hostname` is the agent's address).
 */
export function volumeRef(d: Pick<DatasetSettings, "name" | "primary">, primary: Host, mountRoot: string, ready: pulumi.Resource[]): VolumeRef {
    return {
        name: d.name,
        primary: d.primary,
        hostPath: pulumi.output(`${mountRoot}/${d.name}`),
        constraint: primary.privateIp.apply((ip): [string, string, string] => ["hostname", "CLUSTER", ip]),
        ready,
    };
}
