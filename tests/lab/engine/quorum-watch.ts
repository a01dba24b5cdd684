import * as net from "net";

/**
 * One poll of every member: its `srvr` mode; "electing" when it answers without a mode (during an
 * election: "not currently serving requests"); "down" when nothing listens (its process is away).
 */
export interface QuorumSample {
    at: number;
    modes: Record<string, string>;
}

/** Asks a ZooKeeper member `srvr` over TCP; "down" when it does not answer within 1.5 s. */
// An answer without "Mode:" is a running member between leaders (seen in the lab: ~1 s per election).
export function srvrMode(ip: string, port = 2181): Promise<string> {
    return new Promise((resolve) => {
        let text = "";
        const sock = net.connect({ host: ip, port });
        const done = (mode: string) => {
            sock.destroy();
            resolve(mode);
        };
        sock.setTimeout(1500, () => done("down"));
        sock.on("connect", () => sock.write("srvr"));
        sock.on("data", (d) => (text += d));
        sock.on("error", () => done("down"));
        sock.on("end", () => done(/^Mode: (\S+)/m.exec(text)?.[1] ?? (text ? "electing" : "down")));
    });
}

/**
 * Polls every member every `intervalMs` from this machine while a run goes on: the ensemble keeps
 * its quorum when, at every sample, a majority reports leader or follower.
 */
export class QuorumWatch {
    readonly samples: QuorumSample[] = [];
    private running = false;
    private loop?: Promise<void>;

    constructor(
        private readonly members: Record<string, string>,
        private readonly intervalMs = 250,
    ) {}

    start(): void {
        this.running = true;
        this.loop = (async () => {
            while (this.running) {
                const names = Object.keys(this.members);
                const modes = await Promise.all(names.map((n) => srvrMode(this.members[n])));
                this.samples.push({ at: Date.now(), modes: Object.fromEntries(names.map((n, i) => [n, modes[i]])) });
                await new Promise((r) => setTimeout(r, this.intervalMs));
            }
        })();
    }

    async stop(): Promise<QuorumSample[]> {
        this.running = false;
        await this.loop;
        return this.samples;
    }

    static serving(mode: string): boolean {
        return mode === "leader" || mode === "follower";
    }

    /** Samples at which fewer than a majority of the members served (leader or follower). */
    withoutQuorum(): QuorumSample[] {
        const n = Object.keys(this.members).length;
        return this.samples.filter((s) => Object.values(s.modes).filter(QuorumWatch.serving).length * 2 <= n);
    }

    /** Samples at which a majority of the members did not answer at all (their process down). */
    majorityDown(): QuorumSample[] {
        const n = Object.keys(this.members).length;
        return this.samples.filter((s) => Object.values(s.modes).filter((m) => m === "down").length * 2 >= n);
    }

    /** The longest stretch (ms) without a serving majority: a leader's restart costs one election. */
    longestWithoutQuorum(): number {
        let longest = 0;
        let from: number | undefined;
        const bad = new Set(this.withoutQuorum());
        for (const s of this.samples) {
            if (bad.has(s)) from ??= s.at;
            else if (from !== undefined) {
                longest = Math.max(longest, s.at - from);
                from = undefined;
            }
        }
        if (from !== undefined) longest = Math.max(longest, this.samples[this.samples.length - 1].at - from);
        return longest;
    }

    /**
     * Per member, its restarts as seen from outside: [from, to] (ms) from the first sample at which it
     * did not answer to the first one after it at which it served again.
     */
    restarts(): Record<string, [number, number][]> {
        const out: Record<string, [number, number][]> = {};
        for (const m of Object.keys(this.members)) {
            out[m] = [];
            let from: number | undefined;
            for (const s of this.samples) {
                if (s.modes[m] === "down" && from === undefined) from = s.at;
                if (QuorumWatch.serving(s.modes[m]) && from !== undefined) {
                    out[m].push([from, s.at]);
                    from = undefined;
                }
            }
            if (from !== undefined) out[m].push([from, Infinity]);
        }
        return out;
    }

    /** A one-line-per-change log of the samples, for the test output. */
    describe(): string {
        const lines: string[] = [];
        let last = "";
        const t0 = this.samples[0]?.at ?? 0;
        for (const s of this.samples) {
            const line = Object.entries(s.modes)
                .map(([m, mode]) => `${m}=${mode}`)
                .join(" ");
            if (line !== last) lines.push(`+${((s.at - t0) / 1000).toFixed(1)}s ${line}`);
            last = line;
        }
        return lines.join("\n");
    }
}
