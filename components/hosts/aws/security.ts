import * as pulumi from "@pulumi/pulumi";
import * as aws from "@pulumi/aws";

export interface PortRule {
    protocol: "tcp" | "udp" | "icmp";
    from: number;
    to: number;
}

export interface AwsSecurityArgs {
    vpcId: pulumi.Input<string>;
    vpcCidr: string;
    adminCidr: string;
    adminPorts: number[];
    clusterPorts: PortRule[];
    tags: (name: string, role?: string) => Record<string, string>;
}

/**
 * Least privilege (the original opened everything to 0.0.0.0/0): SSH and the admin UIs only from
 * the admin network; the platform's ports only from inside the VPC; egress open (apt, images).
 */
export function awsSecurityGroups(parent: pulumi.Resource, name: string, a: AwsSecurityArgs): { admin: aws.ec2.SecurityGroup; cluster: aws.ec2.SecurityGroup } {
    const egress = [{ protocol: "-1", fromPort: 0, toPort: 0, cidrBlocks: ["0.0.0.0/0"], description: "all outbound" }];
    const admin = new aws.ec2.SecurityGroup(
        `${name}-admin`,
        {
            vpcId: a.vpcId,
            description: "SSH and admin UIs from the admin network only",
            ingress: [22, ...a.adminPorts.filter((p) => p !== 22)].map((p) => ({ protocol: "tcp", fromPort: p, toPort: p, cidrBlocks: [a.adminCidr], description: p === 22 ? "SSH" : `admin UI ${p}` })),
            egress,
            tags: a.tags(`${name}-admin`),
        },
        { parent },
    );
    const cluster = new aws.ec2.SecurityGroup(
        `${name}-cluster`,
        {
            vpcId: a.vpcId,
            description: "Platform ports between hosts, from inside the VPC only",
            ingress: a.clusterPorts.map((r) => ({ protocol: r.protocol, fromPort: r.from, toPort: r.to, cidrBlocks: [a.vpcCidr], description: `cluster ${r.protocol} ${r.from === r.to ? r.from : `${r.from}-${r.to}`}` })),
            egress,
            tags: a.tags(`${name}-cluster`),
        },
        { parent },
    );
    return { admin, cluster };
}
