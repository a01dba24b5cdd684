/**
 * A stand-in for Mesos' Docker containerizer (Mesos cannot be installed here): given a Marathon
 * app definition, it picks agents by the definition's constraints and runs the app's containers
 * on those lab hosts with the `docker run` flags Mesos would give them (network, env, volumes,
 * port mappings, cpu/mem, and every `docker.parameters` entry as `--key=value`), then waits until
 * each task passes its COMMAND health check (run with `docker exec`, as the agent does).
 *
 * Simplifications, stated: one deployment step (the old tasks stop, then the new ones start), no
 * offers or resources, tasks named `mesos-<app>-<n>` instead of Mesos' container ids.
 */
import { LabHost } from "./harness";

export interface Agent {
    name: string;
    ip: string;
    attributes: Record<string, string>;
}

const q = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;

export function taskPrefix(appId: string): string {
    return `mesos-${appId.slice(1).replace(/\//g, "-")}-`;
}

/** Agents that satisfy every constraint (hostname matches the agent's IP or name). */
export function candidates(def: Record<string, any>, agents: Agent[]): Agent[] {
    const value = (a: Agent, field: string) =>
        field === "hostname" || field === "@hostname" ? [a.ip, a.name] : [a.attributes[field]].filter((v) => v !== undefined);
    return agents.filter((a) =>
        (def.constraints ?? []).every(([field, op, arg]: [string, string, string?]) => {
            const vs = value(a, field);
            switch (op) {
                case "CLUSTER":
                case "IS":
                    return vs.includes(arg!);
                case "LIKE":
                    return vs.some((v) => new RegExp(`^${arg}$`).test(v));
                case "UNLIKE":
                    return !vs.some((v) => new RegExp(`^${arg}$`).test(v));
                default:
                    return true; // UNIQUE, MAX_PER, GROUP_BY shape the spread, not the candidates
            }
        }),
    );
}

/** One agent per instance: round-robin over the candidates; UNIQUE allows one task per agent. */
export function place(def: Record<string, any>, agents: Agent[]): Agent[] {
    const c = candidates(def, agents);
    const n = def.instances ?? 1;
    const unique = (def.constraints ?? []).some(([, op]: string[]) => op === "UNIQUE");
    if (c.length === 0 && n > 0) throw new Error(`no agent satisfies the constraints ${JSON.stringify(def.constraints)} of ${def.id}`);
    if (unique && n > c.length) throw new Error(`${def.id}: ${n} instances but only ${c.length} agents for UNIQUE`);
    return Array.from({ length: n }, (_, i) => c[i % c.length]);
}

/** The `docker run` command line for one task, as Mesos' Docker containerizer builds it. */
export function dockerRun(def: Record<string, any>, task: string): string {
    return dockerRunArgs(def, task).map(q).join(" ");
}

/** The same as an argv (the lab's agent double runs it without a shell). */
export function dockerRunArgs(def: Record<string, any>, task: string): string[] {
    const c = def.container ?? {};
    const d = c.docker ?? {};
    const args = ["docker", "run", "-d", "--name", task, "--label", `marathon.app=${def.id}`];
    args.push(`--cpu-shares=${Math.max(2, Math.round((def.cpus ?? 1) * 1024))}`, `--memory=${def.mem ?? 128}m`);
    const net = (def.networks ?? [{ mode: "host" }])[0];
    args.push(`--net=${net.mode === "host" ? "host" : net.mode === "container" ? net.name : "bridge"}`);
    const env = { MARATHON_APP_ID: def.id, MESOS_TASK_ID: task, ...(def.env ?? {}) };
    for (const [k, v] of Object.entries(env)) args.push("-e", `${k}=${v}`);
    for (const v of c.volumes ?? []) args.push("-v", `${v.hostPath}:${v.containerPath}:${(v.mode ?? "RW").toLowerCase()}`);
    for (const m of c.portMappings ?? []) if (m.hostPort) args.push("-p", `${m.hostPort}:${m.containerPort}/${m.protocol ?? "tcp"}`);
    for (const p of d.parameters ?? []) args.push(`--${p.key}=${p.value}`);
    args.push(d.image);
    if (def.cmd) args.push("sh", "-c", def.cmd);
    for (const a of def.args ?? []) args.push(a);
    return args;
}

export class ContainerizerStandin {
    /** The `docker run` lines it ran, per host (for assertions). */
    readonly launched: { host: string; command: string }[] = [];

    constructor(
        private readonly hosts: Record<string, LabHost>,
        private readonly agents: Agent[],
        private readonly healthTimeoutMs = 120_000,
    ) {}

    /** Marathon stand-in's onDeploy: stop the app's tasks, start the new ones, wait until healthy. */
    async deploy(appId: string, next: Record<string, any> | undefined): Promise<void> {
        await this.stop(appId);
        if (!next) return;
        const placed = place(next, this.agents);
        await Promise.all(
            placed.map(async (agent, i) => {
                const task = `${taskPrefix(appId)}${i}`;
                const cmd = dockerRun(next, task);
                this.launched.push({ host: agent.name, command: cmd });
                await this.must(agent.name, cmd, `starting ${task}`);
                await this.healthy(agent.name, task, next);
            }),
        );
    }

    /** Removes every task of the app on every agent. */
    async stop(appId: string): Promise<void> {
        await Promise.all(
            this.agents.map((a) =>
                this.must(
                    a.name,
                    `ids=$(docker ps -aq --filter label=marathon.app=${q(appId)}); [ -z "$ids" ] || docker rm -f $ids >/dev/null`,
                    `stopping ${appId}`,
                ),
            ),
        );
    }

    /** Tasks of an app running now: host name per task name. */
    async running(appId: string): Promise<Record<string, string>> {
        const out: Record<string, string> = {};
        for (const a of this.agents) {
            const r = await this.hosts[a.name].sh(`docker ps --filter label=marathon.app=${q(appId)} --format '{{.Names}}'`);
            for (const n of r.stdout.split("\n").filter(Boolean)) out[n] = a.name;
        }
        return out;
    }

    private async healthy(host: string, task: string, def: Record<string, any>): Promise<void> {
        const check = (def.healthChecks ?? []).find((h: any) => h.protocol === "COMMAND");
        const deadline = Date.now() + this.healthTimeoutMs;
        for (;;) {
            const state = await this.hosts[host].sh(`docker inspect -f '{{.State.Running}} {{.State.ExitCode}}' ${q(task)}`);
            if (state.stdout.startsWith("false")) {
                const logs = await this.hosts[host].sh(`docker logs --tail 20 ${q(task)} 2>&1`);
                throw new Error(`task ${task} on ${host} exited (${state.stdout.trim()}): ${logs.stdout.trim().slice(-500)}`);
            }
            if (!check) return;
            const r = await this.hosts[host].sh(`docker exec ${q(task)} sh -c ${q(check.command.value)}`);
            if (r.code === 0) return;
            if (Date.now() > deadline) throw new Error(`task ${task} on ${host} never passed its health check ${check.command.value}: ${r.stderr.trim()}`);
            await new Promise((res) => setTimeout(res, 500));
        }
    }

    private async must(host: string, cmd: string, what: string): Promise<void> {
        const r = await this.hosts[host].sh(cmd, { timeoutMs: 300_000 });
        if (r.code !== 0) throw new Error(`${what} on ${host} failed (exit ${r.code}): ${(r.stderr || r.stdout).trim().slice(-800)}`);
    }
}
