/**
 * The lab's Mesos/Marathon test doubles (tests/lab/doubles), delivered the way real images are: built
 * here, pushed to a plain-HTTP registry that the lab runs on this machine (Debian's docker-registry,
 * listening on the lab network's gateway), and pinned by digest in the stack config. The stack's hosts
 * reach it as an extra insecure registry (docker.insecureRegistries). Never a default of the stack.
 */
import { ChildProcess, execFileSync, spawn } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import * as ts from "typescript";
import { prepareMachine } from "../harness/machines";
import { ROOT } from "./engine";

const DOUBLES = path.join(ROOT, "tests/lab/doubles");
const BASE = process.env.LAB_DOUBLE_BASE ?? "microservice/debian-minbase:bookworm";
/** The stand-ins the doubles reuse (transpiled into the image at build time), from the repo root. */
const STANDINS = ["tests/support/marathon-standin.ts", "tests/lab/containerizer-standin.ts", "components/marathon/schema.ts"];
const STANDIN_FILES = ["components/marathon/schema/AppDefinition.json"];
/** What the Marathon stand-in's schema check loads (ajv-draft-04 and its dependencies). */
const STANDIN_MODULES = ["ajv-draft-04", "ajv", "fast-deep-equal", "fast-uri", "json-schema-traverse", "require-from-string"];

/**
 * The doubles' build context: double.js, its Dockerfile, and the stand-ins as CommonJS under standin/;
 * the mongo double's files only in the mongo double's (the Mesos double's image keeps its digest).
 */
export function doublesContext(mongo = false): string {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "mslab-doubles-ctx-"));
    for (const f of fs.readdirSync(DOUBLES)) if (mongo || !f.startsWith("mongo")) fs.copyFileSync(path.join(DOUBLES, f), path.join(dir, f));
    const out = (rel: string) => {
        const p = path.join(dir, "standin", rel);
        fs.mkdirSync(path.dirname(p), { recursive: true });
        return p;
    };
    for (const rel of STANDINS) {
        const js = ts.transpileModule(fs.readFileSync(path.join(ROOT, rel), "utf8"), {
            compilerOptions: { module: ts.ModuleKind.CommonJS, target: ts.ScriptTarget.ES2020, esModuleInterop: true },
        });
        fs.writeFileSync(out(rel.replace(/\.ts$/, ".js")), js.outputText);
    }
    for (const rel of STANDIN_FILES) fs.copyFileSync(path.join(ROOT, rel), out(rel));
    for (const m of STANDIN_MODULES)
        fs.cpSync(path.join(ROOT, "node_modules", m), path.join(dir, "standin/node_modules", m), { recursive: true, dereference: true });
    return dir;
}

export class DoublesRegistry {
    private proc?: ChildProcess;
    readonly dir: string;

    constructor(
        readonly gateway: string,
        readonly port: number,
    ) {
        this.dir = `/tmp/mslab-doubles-${port}`;
    }

    /** Where the stack's hosts pull from. */
    get address(): string {
        return `${this.gateway}:${this.port}`;
    }

    /**
     * Prepares this machine first (dockerd, the debootstrap base the doubles build FROM, the node image:
     * scripts/docker-host.sh, reused when done): a fresh machine has none of them, and no earlier lab file
     * may be relied on to have made them.
     */
    async start(): Promise<void> {
        await prepareMachine();
        if (!fs.existsSync("/usr/bin/docker-registry"))
            throw new Error("the lab needs Debian's docker-registry on this machine (apt-get install docker-registry; .ci/run does)");
        fs.mkdirSync(path.join(this.dir, "data"), { recursive: true });
        const config = ["version: 0.1", "storage:", `  filesystem: { rootdirectory: ${this.dir}/data }`, "http:", `  addr: 0.0.0.0:${this.port}`, ""].join(
            "\n",
        );
        fs.writeFileSync(path.join(this.dir, "config.yml"), config);
        const out = fs.openSync(path.join(this.dir, "registry.log"), "a");
        this.proc = spawn("/usr/bin/docker-registry", ["serve", path.join(this.dir, "config.yml")], { stdio: ["ignore", out, out], detached: true });
        this.proc.unref();
        for (let i = 0; i < 100; i++) {
            try {
                execFileSync("curl", ["-fsS", "-o", "/dev/null", `http://127.0.0.1:${this.port}/v2/`], { stdio: "ignore" });
                return;
            } catch {
                await new Promise((r) => setTimeout(r, 100));
            }
        }
        throw new Error(`the doubles' registry did not answer on 127.0.0.1:${this.port} (see ${this.dir}/registry.log)`);
    }

    /** Builds the Mesos/Marathon double image and pushes it; returns its reference by digest as the hosts see it. */
    pushDouble(): string {
        return this.buildAndPush("Dockerfile", "doubles/mesos");
    }

    /** The mongo double (mongo.Dockerfile), pinned by digest as apps.mongo.image must be. */
    pushMongoDouble(): string {
        return this.buildAndPush("mongo.Dockerfile", "doubles/mongo");
    }

    private buildAndPush(dockerfile: string, repository: string): string {
        const local = `127.0.0.1:${this.port}/${repository}:lab`;
        const context = doublesContext(dockerfile.startsWith("mongo"));
        try {
            execFileSync("docker", ["build", "-q", "-f", path.join(context, dockerfile), "--build-arg", `BASE_IMAGE=${BASE}`, "-t", local, context], {
                stdio: ["ignore", "pipe", "inherit"],
                env: { ...process.env, DOCKER_BUILDKIT: "0" },
            });
        } finally {
            fs.rmSync(context, { recursive: true, force: true });
        }
        const push = execFileSync("docker", ["push", local], { stdio: ["ignore", "pipe", "inherit"] }).toString();
        const digest = /digest: (sha256:[0-9a-f]{64})/.exec(push)?.[1];
        if (!digest) throw new Error(`no digest in docker push's output: ${push}`);
        return `${this.address}/${repository}:lab@${digest}`;
    }

    /** Pushes an image of this machine (e.g. the offline base the apps build FROM); returns its name as the hosts see it. */
    pushImage(image: string, name: string): string {
        const local = `127.0.0.1:${this.port}/${name}`;
        execFileSync("docker", ["tag", image, local], { stdio: "ignore" });
        execFileSync("docker", ["push", "-q", local], { stdio: ["ignore", "pipe", "inherit"] });
        execFileSync("docker", ["rmi", local], { stdio: "ignore" });
        return `${this.address}/${name}`;
    }

    stop(): void {
        if (this.proc?.pid) {
            try {
                process.kill(this.proc.pid);
            } catch {
                /* gone */
            }
        }
        fs.rmSync(this.dir, { recursive: true, force: true });
    }
}
