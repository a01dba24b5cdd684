import * as pulumi from "@pulumi/pulumi";
import { z } from "zod";
import { Host } from "../hosts/host";

/** The hosts of a mesh: at least one, each name once (resource names and peer lists are keyed on it). */
export const meshHosts = z
    .array(z.custom<Host>((h) => !!h && typeof (h as Host).name === "string" && pulumi.Output.isInstance((h as Host).privateIp), "expected a Host"))
    .min(1, "expected at least one host")
    .superRefine((hosts, ctx) => {
        const seen = new Set<string>();
        hosts.forEach((h, i) => {
            if (seen.has(h.name)) ctx.addIssue({ code: "custom", path: [i, "name"], message: `host name "${h.name}" appears twice` });
            seen.add(h.name);
        });
    });

/** Per host name: resources after which Docker runs on that host. */
export const dockerReadySchema = z.record(z.string(), z.array(z.custom<pulumi.Resource>())).optional();
