import { AppSpec, toDefinition } from "../../../components/marathon/definition";
import { AppInputs } from "../../../components/marathon/provider";

export const USER = "marathon";
export const PASSWORD = "s3cret-Marathon-pw";

/** The original's nodeapp, as our stack defines it. */
export function nodeappSpec(extra: Partial<AppSpec> = {}): AppSpec {
    return {
        id: "/application/app/nodeapp",
        image: "10.0.15.11:5000/application/app/nodeapp:3f2a9c1d7b4e",
        instances: 2,
        cpus: 0.1,
        mem: 128,
        constraints: [["slavetype", "CLUSTER", "app"]],
        env: { MONGO_URL: "mongodb://mongo.weave.local:27017/node" },
        dockerParameters: [
            { key: "hostname", value: "nodeapp.weave.local" },
            { key: "log-driver", value: "journald" },
            { key: "log-opt", value: "tag=docker/nodeapp" },
        ],
        healthChecks: [
            {
                protocol: "COMMAND",
                command: "node /app/src/healthcheck.js",
                gracePeriodSeconds: 60,
                intervalSeconds: 10,
                timeoutSeconds: 5,
                maxConsecutiveFailures: 3,
            },
        ],
        upgradeStrategy: { minimumHealthCapacity: 0.5, maximumOverCapacity: 0.5 },
        ...extra,
    };
}

/** Provider inputs against a stand-in at `url`, with fast polling. */
export function inputs(url: string, extra: Partial<AppInputs> = {}, spec: Partial<AppSpec> = {}): AppInputs {
    return {
        definition: toDefinition(nodeappSpec(spec)),
        marathon: { url, username: USER, password: PASSWORD },
        force: false,
        deployTimeoutSeconds: 2,
        lockTimeoutSeconds: 1,
        pollMs: 20,
        ...extra,
    };
}
