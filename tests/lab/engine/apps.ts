/**
 * The engine lab's stack with the sample apps (tests/lab/06-engine-apps.lab.ts): the engine lab's
 * config (./config.ts) plus the apps, built on mgmt FROM an offline Debian base that the lab pushes to
 * its registry (no Docker Hub here), and a movable volume for mongo as the executor lab has. The
 * agents' test double runs tasks with the hosts' own Docker CLI (mesos.agentDockerCli). mongo's image
 * cannot be had here: with `mongoDouble` (tests/lab/doubles/mongo.Dockerfile) mongo runs as that
 * double on its movable volume, with the volume's Marathon hook; without it mongo is left out.
 * Either way nodeapp's pages that need mongo answer 503 (the double speaks no wire protocol).
 */
import { execFileSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { engineStackConfig } from "./config";
import { ROOT } from "./engine";

export const MONGO_ID = "/application/db/mongo";

export function engineAppsStackConfig(id: number, doublesRegistry: string, double: string, base: string, mongoDouble?: string) {
    const c = engineStackConfig(id, doublesRegistry, double);
    const mongo = mongoDouble ? { enabled: true, image: mongoDouble, mem: 256 } : { enabled: false };
    return {
        ...c,
        mesos: { ...c.mesos, agentDockerCli: "/usr/bin/docker" },
        volumes: { datasets: [{ name: "mongo", sizeGb: 1, primary: "node2", ...(mongoDouble ? { app: { kind: "marathon", appId: MONGO_ID } } : {}) }] },
        apps: { enabled: true, nodeapp: { baseImage: base }, nginx: { baseImage: base }, mongo, deployTimeoutSeconds: 600 },
    };
}

/** What the program needs to run, copied (node_modules linked): a test may change an app's source in the copy, never in the repo. */
const PROGRAM = [
    "index.ts",
    "package.json",
    "tsconfig.json",
    "tsconfig.base.json",
    "config",
    "components",
    "host-programs",
    "stack",
    "apps",
    "images",
    "packages",
];

export function programCopy(at?: string): string {
    if (at) fs.rmSync(at, { recursive: true, force: true });
    const dir = at ? (fs.mkdirSync(at, { recursive: true }), at) : fs.mkdtempSync(path.join(os.tmpdir(), "mslab-program-"));
    for (const p of PROGRAM) if (fs.existsSync(path.join(ROOT, p))) execFileSync("cp", ["-a", path.join(ROOT, p), dir]);
    fs.symlinkSync(fs.realpathSync(path.join(ROOT, "node_modules")), path.join(dir, "node_modules"));
    // nodeapp's production node_modules ship in its build context (docs/apps.md): a real folder, as in
    // a checkout (a worktree may link it; the copy to mgmt does not follow links).
    const nodeModules = path.join(dir, "apps/nodeapp/node_modules");
    if (fs.existsSync(nodeModules) && fs.lstatSync(nodeModules).isSymbolicLink()) {
        const real = fs.realpathSync(nodeModules);
        fs.rmSync(nodeModules);
        execFileSync("cp", ["-a", real, nodeModules]);
    }
    return dir;
}
