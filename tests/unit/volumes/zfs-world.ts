import * as fs from "fs";
import * as path from "path";
import { q } from "../../../components/provision";
import { hostProgram } from "../../../components/provision/host-program";
import { peersFile } from "../../../components/volumes/zfs/ops";
import { FakeWorld, Run } from "../../support/fake-tools";

/**
 * Three agents of a fake world, each with its own filled copy of the real flocker-volume tool, its
 * conf, peers file, state dir and app hooks for "mongo" (command hooks running `docker stop|start db`,
 * or a Marathon hook standing in for marathon-app that only records its call).
 */
export const HOSTS = [
    { name: "node1", ip: "10.0.15.11" },
    { name: "node2", ip: "10.0.15.12" },
    { name: "node3", ip: "10.0.15.13" },
] as const;
export type HostName = (typeof HOSTS)[number]["name"];
export const GIB = "1073741824";

export class ZfsWorld extends FakeWorld {
    readonly confKeys: string[] = [];

    /** `zfsFuse`: a zfs-fuse on PATH, whose `zfs set` takes one property per call (the fake zfs then acts so; see its header). */
    constructor(app: "command" | "marathon" | "none" = "command", o: { zfsFuse?: boolean } = {}) {
        super();
        if (o.zfsFuse) fs.writeFileSync(path.join(this.bin, "zfs-fuse"), "#!/bin/sh\nexit 0\n", { mode: 0o755 });
        const hook = path.join(this.root, "marathon-app.py");
        fs.writeFileSync(
            hook,
            [
                "import os, sys",
                "with open(os.path.join(os.environ['FAKE_ROOT'], 'calls.log'), 'a') as f:",
                "    f.write(os.environ['FAKE_HOST'] + ' marathon-app ' + ' '.join(sys.argv[1:]) + '\\n')",
                "",
            ].join("\n"),
        );
        for (const { name, ip } of HOSTS) {
            const h = this.host(name, ip);
            const conf: Record<string, string> = {
                POOL: "flocker",
                MOUNT_ROOT: `${h}/flocker`,
                STATE_DIR: `${h}/state`,
                APPS_DIR: `${h}/apps`,
                PEERS: `${h}/peers`,
                HOST_NAME: name,
                HOST_IP: ip,
                REPL_USER: "flocker-repl",
                SSH_KEY: `${h}/id_replication`,
                KNOWN_HOSTS: `${h}/known_hosts`,
                APP_TIMEOUT: "20",
                TRANSFER_TIMEOUT: "30",
                MARATHON_HOOK: hook,
            };
            this.confKeys.splice(0, this.confKeys.length, ...Object.keys(conf));
            fs.writeFileSync(
                `${h}/volumes.conf`,
                Object.entries(conf)
                    .map(([k, v]) => `${k}=${q(v)}\n`)
                    .join(""),
            );
            // The tool as the stack installs it, with this host's paths in its two placeholders.
            fs.writeFileSync(`${h}/flocker-volume`, hostProgram("flocker-volume.sh", { CONF: `${h}/volumes.conf`, TOOL: `${h}/flocker-volume` }), {
                mode: 0o755,
            });
            fs.writeFileSync(`${h}/peers`, peersFile(HOSTS.map((p) => ({ ...p, hostKey: "ssh-ed25519 AAAA" }))));
            fs.mkdirSync(`${h}/apps`);
            if (app === "command") {
                fs.writeFileSync(`${h}/apps/mongo.stop`, "docker stop db\n");
                fs.writeFileSync(`${h}/apps/mongo.start`, 'docker start db "$HOST_IP" "$VOLUME_PATH"\n');
            } else if (app === "marathon") {
                fs.writeFileSync(`${h}/apps/mongo.marathon`, "{}\n");
            }
        }
    }

    dir(host: HostName): string {
        return path.join(this.root, "hosts", host);
    }

    /** Runs the host's flocker-volume. */
    tool(host: HostName, ...args: string[]): Run {
        return this.run(host, path.join(this.dir(host), "flocker-volume"), args);
    }

    /** What the fake zfs holds on a host: dataset and snapshot names. */
    datasets(host: HostName): string[] {
        const z = path.join(this.dir(host), "zfs");
        return fs.existsSync(z)
            ? fs
                  .readdirSync(z)
                  .map((d) => d.replace(/%/g, "/"))
                  .sort()
            : [];
    }

    prop(host: HostName, dataset: string, p: string): string | undefined {
        const f = path.join(this.dir(host), "zfs", dataset.replace(/\//g, "%"), "props", p);
        return fs.existsSync(f) ? fs.readFileSync(f, "utf8").trim() : undefined;
    }

    mounted(host: HostName, dataset: string): boolean {
        return fs.existsSync(path.join(this.dir(host), "zfs", dataset.replace(/\//g, "%"), "mnt"));
    }

    /** The files of the volume as the app sees them at <MOUNT_ROOT>/<name> (path -> content). */
    files(host: HostName, name = "mongo"): Record<string, string> {
        const root = path.join(this.dir(host), "flocker", name);
        const out: Record<string, string> = {};
        const walk = (d: string) => {
            for (const e of fs.readdirSync(d, { withFileTypes: true })) {
                const p = path.join(d, e.name);
                if (e.isDirectory()) walk(p);
                else out[path.relative(root, p)] = fs.readFileSync(p, "latin1");
            }
        };
        walk(root);
        return out;
    }

    /** Writes files into the mounted volume on a host, as its app would. */
    write(host: HostName, files: Record<string, string | Buffer>, name = "mongo"): void {
        for (const [f, content] of Object.entries(files)) {
            const p = path.join(this.dir(host), "flocker", name, f);
            fs.mkdirSync(path.dirname(p), { recursive: true });
            fs.writeFileSync(p, content);
        }
    }

    /** Index of the first call matching `re` (-1 when none). */
    at(re: RegExp): number {
        return this.calls().findIndex((l) => re.test(l));
    }
}

/**
 * Calls that change something: zfs verbs other than list/get/send, app hooks, and peer verbs other than the read-only ones
 * (sudo only runs them: its own line is not counted).
 */
export function mutating(calls: string[]): string[] {
    return calls.filter((l) => {
        const [, tool, verb] = l.split(" ");
        if (tool === "zfs") return !["list", "get", "send"].includes(verb);
        if (tool === "ssh") return !/ (status|hashes)\\ mongo$/.test(l);
        return tool === "docker" || tool === "marathon-app";
    });
}
