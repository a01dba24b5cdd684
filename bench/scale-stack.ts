/**
 * The stack the scale benches declare (mocks-scale.ts under Pulumi's mocks, engine-preview-scale.ts
 * under the real engine): `agents` agent-like resources, each a host's `ready` step as a target gives
 * them, and `apps` apps, app i depending on agent i % agents. The apps are MarathonApps ("marathon")
 * or bare resources with the inputs a MarathonApp hands its provider: its definition and access ("bare").
 */
import * as pulumi from "@pulumi/pulumi";
import { MarathonAccessArgs, MarathonApp, toDefinition } from "../components/marathon";

export type ScaleMode = "marathon" | "bare";

export interface ScaleStack {
    mode: ScaleMode;
    agents: number;
    apps: number;
    access: MarathonAccessArgs;
    /** Agent `name`'s `ready` step on `host` (the benches' runtimes have different command resources). */
    agent: (name: string, host: string) => pulumi.Resource;
    /** A bare resource with these inputs (the benches' runtimes take different resources). */
    bare: (name: string, inputs: pulumi.Inputs, opts: pulumi.CustomResourceOptions) => pulumi.Resource;
}

export function declareScaleStack(s: ScaleStack): void {
    const host = (i: number) => `10.1.${i >> 8}.${i & 255}`;
    const agents = Array.from({ length: s.agents }, (_, i) => s.agent(`agent${i}-ready`, host(i)));
    for (let i = 0; i < s.apps; i++) {
        const spec = {
            id: `/bench/app${i}`,
            image: `10.0.15.11:5000/bench/app${i}:0123456789ab`,
            instances: 1 + (i % 3),
            cpus: 0.1,
            mem: 128,
            constraints: [["hostname", "CLUSTER", host(i % s.agents)]] as [string, string, string][],
            dockerParameters: [
                { key: "hostname", value: `app${i}` },
                { key: "log-driver", value: "journald" },
                { key: "log-opt", value: `tag=docker/app${i}` },
            ],
            healthChecks: [{ protocol: "COMMAND" as const, command: "true" }],
        };
        const opts = { dependsOn: [agents[i % s.agents]] };
        if (s.mode === "marathon") new MarathonApp(`app${i}`, { marathon: s.access, ...spec }, opts);
        else s.bare(`app${i}`, { definition: toDefinition(spec), marathon: pulumi.secret(s.access) }, opts);
    }
}
