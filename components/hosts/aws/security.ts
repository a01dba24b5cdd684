import * as pulumi from "@pulumi/pulumi";
import * as aws from "@pulumi/aws";
import { PortUse, portLabel, Reach, REACH } from "../../ports";

export interface AwsSecurityArgs {
    vpcId: pulumi.Input<string>;
    /** The networks each kind of reach comes from: cluster the VPC, admin adminCidr, entry apps.entry.allowFrom. */
    sources: Record<Reach, string[]>;
    tags: (name: string, role?: string) => Record<string, string>;
}

const PURPOSE: Record<Reach, string> = {
    cluster: "Ports this host serves to the other hosts, from inside the VPC only",
    admin: "SSH and admin UIs this host serves, from the admin network only",
    entry: "The apps public entry on this host, from apps.entry.allowFrom",
};

/** AWS takes these characters in a rule's description (no apostrophes). */
const description = (p: PortUse) => `${p.service} ${portLabel(p)}`.replace(/[^A-Za-z0-9 ._\-:/()#,@[\]+=&;{}!$*]/g, "");

/**
 * One group per host and kind of reach, holding exactly the ports that host serves to it (the
 * original opened everything to 0.0.0.0/0, and a shared group opened every host's ports on every
 * host). A host that serves nothing to the admin network has no admin group. Egress open (apt, images).
 */
export function hostSecurityGroups(
    parent: pulumi.Resource,
    name: string,
    host: string,
    ports: readonly PortUse[],
    a: AwsSecurityArgs,
): aws.ec2.SecurityGroup[] {
    const egress = [{ protocol: "-1", fromPort: 0, toPort: 0, cidrBlocks: ["0.0.0.0/0"], description: "all outbound" }];
    return REACH.flatMap((reach) => {
        const rules = ports.filter((p) => p.host === host && p.reach.includes(reach));
        if (rules.length === 0) return [];
        const group = `${name}-${host}-${reach}`;
        const ingress = rules.map((p) => ({ protocol: p.protocol, fromPort: p.from, toPort: p.to, cidrBlocks: a.sources[reach], description: description(p) }));
        return [new aws.ec2.SecurityGroup(group, { vpcId: a.vpcId, description: PURPOSE[reach], ingress, egress, tags: a.tags(group) }, { parent })];
    });
}
