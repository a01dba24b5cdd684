import * as path from "path";
import * as fs from "fs";
import * as pulumi from "@pulumi/pulumi";
import { CopyToRemote } from "../exec/command";
import { z } from "zod";
import { HostReadiness, RegistryEndpoint } from "../contracts";
import { Host } from "../hosts/host";
import { hostReadinessSchema, readinessOn } from "../hosts/readiness";
import { HostSteps, hostStep } from "../provision";
import { validate } from "../validate";
import { contextTag } from "./context";
import { buildOps, contextParent, helperOps, imageRef } from "./ops";

export interface AppImageArgs {
    /** The build host (mgmt): the context is copied there and built by its Docker engine. */
    host: Host;
    /** The app's folder on this machine (with its Dockerfile). */
    context: string;
    /** Repository in the stack's registry, e.g. application/app/nodeapp. */
    repository: string;
    registry: RegistryEndpoint;
    /** `--build-arg`s, e.g. { BASE_IMAGE: "microservice/debian-minbase:bookworm" } for offline labs. */
    buildArgs?: Record<string, string>;
    /** Tags kept in the registry (the current one included); older ones are deleted. Default 3. */
    keep?: number;
    /** What the build host's steps wait for: Docker running there, logged in to the registry (DockerEngine.hostReady). */
    hostReady?: HostReadiness;
}

const argsSchema = z
    .object({
        host: z.custom<Host>((h) => !!h && typeof (h as Host).name === "string", "expected a Host"),
        context: z
            .string()
            .refine((p) => path.isAbsolute(p) && fs.existsSync(path.join(p, "Dockerfile")), "expected an absolute path to a folder with a Dockerfile"),
        repository: z.string().regex(/^[a-z0-9]+([._-][a-z0-9]+)*(\/[a-z0-9]+([._-][a-z0-9]+)*)*$/, "expected a repository path like application/app/nodeapp"),
        registry: z.custom<RegistryEndpoint>((r) => !!r && pulumi.Output.isInstance((r as RegistryEndpoint).address), "expected a RegistryEndpoint"),
        buildArgs: z.record(z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, "expected a build arg name"), z.string()).default({}),
        keep: z.number().int().min(1, "expected at least 1 (the current tag)").max(100).default(3),
        hostReady: hostReadinessSchema,
    })
    .strict();

/**
 * An app's image, built where the registry is reachable (mgmt): the app's folder is copied there,
 * built and pushed as `<registry>/<repository>:<content hash>`, and the repository's older tags
 * are pruned (the registry's GC timer then frees their blobs). The same source gives the same tag,
 * so nothing is copied, built or redeployed again; the original made a timestamp tag every time.
 */
export class AppImage extends pulumi.ComponentResource {
    /** The content tag (known at preview: computed from the folder here). */
    readonly tag: string;
    /** `<registry>/<repository>:<tag>`. */
    readonly imageRef: pulumi.Output<string>;
    /** Resources after which the image is in the registry (MarathonApps depend on them). */
    readonly ready: pulumi.Resource[];

    constructor(name: string, args: AppImageArgs, opts?: pulumi.ComponentResourceOptions) {
        const a = validate(argsSchema, args, `AppImage "${name}"`);
        super("microservice:index:AppImage", name, {}, opts);
        this.tag = contextTag(a.context);
        const parent = contextParent(a.repository);
        const contextDir = `${parent}/${this.tag}`;
        const host = args.host;

        // The copy needs its parent directory (CopyToRemote creates only the last element).
        const dirs = hostStep(this, name, host, "image-dirs", [...helperOps(), { kind: "directory", path: parent, mode: "0700" }], {
            dependsOn: readinessOn(a.hostReady, host),
        });
        const copy = new CopyToRemote(
            `${name}-context`,
            { connection: host.connection, source: new pulumi.asset.FileArchive(a.context), remotePath: contextDir, triggers: [this.tag] },
            { parent: this, dependsOn: [host.ready, dirs] },
        );
        const ops = pulumi.all([args.registry.address, args.registry.username, args.registry.caCert]).apply(([address, username, caCert]) =>
            buildOps({
                address,
                username,
                secure: caCert !== "",
                repository: a.repository,
                tag: this.tag,
                contextDir,
                buildArgs: a.buildArgs,
                keep: a.keep,
            }),
        );
        const build = new HostSteps(this, name, host, [copy, ...args.registry.ready]).add("image", ops);
        this.imageRef = args.registry.address.apply((address) => imageRef({ address, repository: a.repository, tag: this.tag }));
        this.ready = [build];
        this.registerOutputs({ tag: this.tag, imageRef: this.imageRef });
    }
}
