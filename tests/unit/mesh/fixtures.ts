import { WeaveSettingsInput } from "../../../components/mesh";

/** Test pins (not real digests: the real ones could not be verified here, see docs/mesh.md). */
export const SCRIPT_SHA = "7df817a9537d037639533934fe31f466712f638cb074444c28c5ce8ee7b9f5a9";
export const digest = (c: string) => `sha256:${c.repeat(64)}`;

export const weaveSettings = (extra: Partial<WeaveSettingsInput> = {}): WeaveSettingsInput => ({
    scriptSha256: SCRIPT_SHA,
    images: {
        weave: `weaveworks/weave:2.8.1@${digest("1")}`,
        weaveexec: `weaveworks/weaveexec:2.8.1@${digest("2")}`,
        weavedb: `weaveworks/weavedb:latest@${digest("3")}`,
    },
    ...extra,
});

export const PASSWORD = "pw-Xq7/k+2Lr9zT4vB8nM1cW5yH3eJ6";
