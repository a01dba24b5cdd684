import * as path from "path";
import * as pulumi from "@pulumi/pulumi";
import { StackConfig } from "../config/schema";
import { ContainerNetwork, HostReadiness, LogShipping, RegistryEndpoint, SchedulerEndpoint, VolumeRef } from "../components/contracts";
import { Host, singleHostWithRole } from "../components/hosts/host";
import { readinessOn } from "../components/hosts/readiness";
import { appsEntryEnabled, HostTarget } from "../components/hosts/target";
import { AppImage } from "../components/images";
import { MarathonApp, MarathonAppArgs, marathonAccess } from "../components/marathon";
import { hostStep } from "../components/provision";
import { AppLayers } from "../apps/common";
import { entryOps } from "../apps/entry";
import { mongoApp } from "../apps/mongo/app";
import { nginxApp } from "../apps/nginx/app";
import { nodeappApp } from "../apps/nodeapp/app";
import { nginxHostOf } from "../apps/settings";

/** What the apps take from the other layers (components/contracts.ts). */
export interface AppsLayers {
    hosts: Host[];
    /** What the hosts' target offers: private nodes behind mgmt, a public address on mgmt. */
    target: Pick<HostTarget, "nodesBehindJumpHost" | "publicEntry">;
    platform: { registry: RegistryEndpoint; hostReady?: HostReadiness };
    scheduler: SchedulerEndpoint;
    network: ContainerNetwork;
    logging?: LogShipping;
    volumes: Record<string, VolumeRef>;
}

export interface StackApps {
    apps: Record<string, MarathonApp>;
    images: Record<string, AppImage>;
    /** Where a person opens the app. */
    url: pulumi.Output<string>;
    outputs: Record<string, pulumi.Input<unknown>>;
}

const APPS_DIR = path.join(__dirname, "..", "apps");

/**
 * The sample apps: images built on mgmt and pushed to the stack's registry (tagged by content),
 * then nginx -> nodeapp -> mongo as Marathon apps, with the mesh's names, the logging layer's
 * Docker flags and mongo's movable volume. Where mgmt has a public address (target aws) it also
 * runs the public entry (HAProxy) by default; where the nodes are private behind it, `pulumi up`
 * reaches Marathon through mgmt by default.
 */
export function deployApps(cfg: StackConfig, layers: AppsLayers): StackApps {
    const a = cfg.apps;
    if (!a.enabled) return { apps: {}, images: {}, url: pulumi.output("(apps disabled)"), outputs: { enabled: false } };
    const hosts = layers.hosts;
    const mgmt = singleHostWithRole(hosts, "mgmt", "apps (AppImage builds and the Marathon jump host)");
    const target = layers.target;
    const viaMgmt = (a.marathonAccess ?? (target.nodesBehindJumpHost ? "mgmt" : "direct")) === "mgmt";
    const jump = viaMgmt
        ? pulumi.secret(
              mgmt.connection.apply((c) => ({
                  host: String(c.host),
                  port: Number(c.port ?? 22),
                  user: String(c.user ?? "root"),
                  privateKey: String(c.privateKey ?? ""),
                  hostKey: String(c.hostKey ?? ""),
              })),
          )
        : undefined;
    const marathon = marathonAccess(layers.scheduler, jump);

    const image = (app: string, repository: string, baseImage?: string) =>
        new AppImage(`${app}-image`, {
            host: mgmt,
            context: path.join(APPS_DIR, app),
            repository,
            registry: layers.platform.registry,
            buildArgs: baseImage ? { BASE_IMAGE: baseImage } : {},
            keep: a.keepImages,
            hostReady: layers.platform.hostReady,
        });
    const images: Record<string, AppImage> = {
        nodeapp: image("nodeapp", "application/app/nodeapp", a.nodeapp.baseImage),
        nginx: image("nginx", "application/app/nginx", a.nginx.baseImage),
    };
    if (a.mongo.enabled) images.mongo = image("mongo", "application/db/mongo", a.mongo.image);

    const appLayers: AppLayers = { network: layers.network, logging: layers.logging };
    const common = { marathon, force: a.force, deployTimeoutSeconds: a.deployTimeoutSeconds, lockTimeoutSeconds: a.lockTimeoutSeconds };
    const after = (img: AppImage, extra: pulumi.Resource[] = []): pulumi.Resource[] => [
        ...img.ready,
        ...layers.scheduler.ready,
        ...layers.network.ready,
        ...(layers.logging?.ready ?? []),
        ...extra,
    ];
    const deploy = (name: string, args: Omit<MarathonAppArgs, "marathon">, dependsOn: pulumi.Resource[]) =>
        new MarathonApp(name, { ...common, ...args }, { dependsOn });

    const apps: Record<string, MarathonApp> = {};
    if (a.mongo.enabled) {
        const volume = layers.volumes[a.mongo.volume];
        if (!volume) {
            const built = Object.keys(layers.volumes).join(", ") || "none";
            throw new Error(`stack config apps.mongo.volume: no volume "${a.mongo.volume}" was built (volumes.datasets has ${built})`);
        }
        const m = mongoApp({ cpus: a.mongo.cpus, mem: a.mongo.mem }, images.mongo.imageRef, volume, appLayers);
        apps.mongo = deploy("mongo", m.args, after(images.mongo, m.dependsOn));
    }
    apps.nodeapp = deploy("nodeapp", nodeappApp(a.nodeapp, images.nodeapp.imageRef, appLayers), after(images.nodeapp));

    const nginxHostName = nginxHostOf(cfg);
    const nginxHost = hosts.find((h) => h.name === nginxHostName);
    if (!nginxHost) throw new Error(`stack config apps.nginx.host: no agent with slavetype "system" to run nginx on (got ${JSON.stringify(nginxHostName)})`);
    apps.nginx = deploy("nginx", nginxApp(a.nginx, images.nginx.imageRef, nginxHost.privateIp, appLayers), after(images.nginx));

    const direct = nginxHost.privateIp.apply((ip) => `http://${ip}:${a.nginx.hostPort}/`);
    let url = direct;
    const entryEnabled = appsEntryEnabled(a.entry.enabled, target);
    if (entryEnabled) {
        const backend = nginxHost.privateIp.apply((ip) => `${ip}:${a.nginx.hostPort}`);
        const entry = new AppsEntry("apps-entry");
        hostStep(
            entry,
            "apps-entry",
            mgmt,
            "haproxy",
            backend.apply((b) => entryOps(a.entry.port, b)),
            { dependsOn: readinessOn(layers.platform.hostReady, mgmt) },
        );
        // With a public address mgmt's SSH connection uses it (aws); elsewhere its private address is reachable.
        const address = target.publicEntry ? mgmt.connection.apply((c) => String(c.host)) : mgmt.privateIp;
        url = address.apply((h) => `http://${h}${a.entry.port === 80 ? "" : `:${a.entry.port}`}/`);
    }

    return {
        apps,
        images,
        url,
        outputs: {
            url,
            direct,
            marathonAccess: viaMgmt ? "through mgmt (SSH jump)" : "direct",
            apps: Object.fromEntries(Object.entries(apps).map(([k, app]) => [k, { id: app.appId, version: app.version }])),
            images: Object.fromEntries(Object.entries(images).map(([k, img]) => [k, img.imageRef])),
            nodeappInstances: a.nodeapp.instances,
            mongoOn: a.mongo.enabled ? layers.volumes[a.mongo.volume]?.primary : "(disabled)",
        },
    };
}

/** Parent of the public entry's step on mgmt. */
class AppsEntry extends pulumi.ComponentResource {
    constructor(name: string) {
        super("microservice:index:AppsEntry", name, {});
        this.registerOutputs({});
    }
}
