import * as pulumi from "@pulumi/pulumi";
import * as aws from "@pulumi/aws";

export interface AwsNetworkArgs {
    vpcCidr: string;
    mgmtSubnet: string;
    nodeSubnet: string;
    availabilityZone: pulumi.Input<string>;
    tags: (name: string, role?: string) => Record<string, string>;
}

export interface AwsNetwork {
    vpc: aws.ec2.Vpc;
    mgmtSubnet: aws.ec2.Subnet;
    nodeSubnet: aws.ec2.Subnet;
    natGateway: aws.ec2.NatGateway;
    privateRoutes: aws.ec2.RouteTable;
}

/**
 * The original's address plan (VPC 10.0.0.0/16, public 10.0.16.0/24, private 10.0.17.0/24): the
 * public subnet routes to an internet gateway, the private one out through a NAT gateway (its
 * EIP with domain "vpc", which the original got wrong). Nothing in the private subnet is public.
 */
export function awsNetwork(parent: pulumi.Resource, name: string, a: AwsNetworkArgs): AwsNetwork {
    const opts = { parent };
    const vpc = new aws.ec2.Vpc(`${name}-vpc`, { cidrBlock: a.vpcCidr, enableDnsHostnames: true, enableDnsSupport: true, tags: a.tags(`${name}-vpc`) }, opts);
    const igw = new aws.ec2.InternetGateway(`${name}-igw`, { vpcId: vpc.id, tags: a.tags(`${name}-igw`) }, opts);
    const mgmtSubnet = new aws.ec2.Subnet(
        `${name}-public`,
        // Public addresses only for instances that ask (mgmt): nothing else gets one by default.
        { vpcId: vpc.id, cidrBlock: a.mgmtSubnet, availabilityZone: a.availabilityZone, mapPublicIpOnLaunch: false, tags: a.tags(`${name}-public`, "public") },
        opts,
    );
    const nodeSubnet = new aws.ec2.Subnet(
        `${name}-private`,
        {
            vpcId: vpc.id,
            cidrBlock: a.nodeSubnet,
            availabilityZone: a.availabilityZone,
            mapPublicIpOnLaunch: false,
            tags: a.tags(`${name}-private`, "private"),
        },
        opts,
    );
    const publicRoutes = new aws.ec2.RouteTable(
        `${name}-public-routes`,
        { vpcId: vpc.id, routes: [{ cidrBlock: "0.0.0.0/0", gatewayId: igw.id }], tags: a.tags(`${name}-public-routes`) },
        opts,
    );
    new aws.ec2.RouteTableAssociation(`${name}-public-routes`, { subnetId: mgmtSubnet.id, routeTableId: publicRoutes.id }, opts);

    const eip = new aws.ec2.Eip(`${name}-nat`, { domain: "vpc", tags: a.tags(`${name}-nat`) }, { parent, dependsOn: [igw] });
    const natGateway = new aws.ec2.NatGateway(
        `${name}-nat`,
        { allocationId: eip.id, subnetId: mgmtSubnet.id, tags: a.tags(`${name}-nat`) },
        { parent, dependsOn: [igw] },
    );
    const privateRoutes = new aws.ec2.RouteTable(
        `${name}-private-routes`,
        { vpcId: vpc.id, routes: [{ cidrBlock: "0.0.0.0/0", natGatewayId: natGateway.id }], tags: a.tags(`${name}-private-routes`) },
        opts,
    );
    new aws.ec2.RouteTableAssociation(`${name}-private-routes`, { subnetId: nodeSubnet.id, routeTableId: privateRoutes.id }, opts);
    return { vpc, mgmtSubnet, nodeSubnet, natGateway, privateRoutes };
}
