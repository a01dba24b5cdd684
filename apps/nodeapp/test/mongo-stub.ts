import * as net from "net";

// The BSON codec the driver itself uses (apps/nodeapp's own dependency).
// eslint-disable-next-line @typescript-eslint/no-require-imports -- apps/nodeapp's own dependency: the root typecheck must pass without it installed
const { BSON } = require("bson") as { BSON: { serialize(d: object): Buffer; deserialize(b: Buffer): any } };

/**
 * A tiny MongoDB stand-in on 127.0.0.1 (no mongod can be installed here): it speaks just enough of
 * the wire protocol for the real driver (OP_QUERY handshake, OP_MSG commands hello/ping/find/insert)
 * and counts the TCP connections it accepts, so tests can see the app's single pooled client, its
 * 503 while the server is down and its recovery after.
 */
export class MongoStub {
    readonly users: Record<string, unknown>[] = [];
    connections = 0;
    private server?: net.Server;
    private sockets = new Set<net.Socket>();
    private ids = 0;

    constructor(public port = 0) {}

    async start(): Promise<number> {
        this.server = net.createServer((s) => this.accept(s));
        await new Promise<void>((resolve, reject) => {
            this.server!.once("error", reject);
            this.server!.listen(this.port, "127.0.0.1", () => resolve());
        });
        this.port = (this.server.address() as net.AddressInfo).port;
        return this.port;
    }

    /** Stops listening and cuts every connection, as a crashed mongod would. */
    async stop(): Promise<void> {
        for (const s of this.sockets) s.destroy();
        this.sockets.clear();
        if (this.server) await new Promise<void>((r) => this.server!.close(() => r()));
        this.server = undefined;
    }

    private accept(socket: net.Socket): void {
        this.connections += 1;
        this.sockets.add(socket);
        socket.on("close", () => this.sockets.delete(socket));
        socket.on("error", () => socket.destroy());
        let buf = Buffer.alloc(0);
        socket.on("data", (chunk) => {
            buf = Buffer.concat([buf, chunk]);
            while (buf.length >= 4 && buf.length >= buf.readInt32LE(0)) {
                const len = buf.readInt32LE(0);
                const msg = buf.subarray(0, len);
                buf = buf.subarray(len);
                const reply = this.handle(msg);
                if (reply) socket.write(reply);
            }
        });
    }

    private handle(msg: Buffer): Buffer | undefined {
        const requestId = msg.readInt32LE(4);
        const opCode = msg.readInt32LE(12);
        if (opCode === 2004) {
            // OP_QUERY: flags, collection cstring, skip, limit, query document.
            let i = 20;
            while (msg[i] !== 0) i++;
            i += 1 + 8;
            const query = BSON.deserialize(msg.subarray(i, i + msg.readInt32LE(i)));
            return this.opReply(requestId, this.command(query, []));
        }
        if (opCode === 2013) {
            const flags = msg.readUInt32LE(16);
            const end = msg.length - (flags & 1 ? 4 : 0);
            let i = 20;
            let body: any = {};
            const sequences: Record<string, unknown>[] = [];
            while (i < end) {
                const kind = msg[i++];
                if (kind === 0) {
                    const size = msg.readInt32LE(i);
                    body = BSON.deserialize(msg.subarray(i, i + size));
                    i += size;
                } else {
                    const size = msg.readInt32LE(i);
                    let j = i + 4;
                    while (msg[j] !== 0) j++;
                    j += 1;
                    while (j < i + size) {
                        const dsize = msg.readInt32LE(j);
                        sequences.push(BSON.deserialize(msg.subarray(j, j + dsize)));
                        j += dsize;
                    }
                    i += size;
                }
            }
            return this.opMsg(requestId, this.command(body, sequences));
        }
        return undefined;
    }

    private command(cmd: any, sequence: Record<string, unknown>[]): Record<string, unknown> {
        const name = Object.keys(cmd)[0];
        switch (name) {
            case "hello":
            case "isMaster":
            case "ismaster":
                return {
                    helloOk: true,
                    ismaster: true,
                    isWritablePrimary: true,
                    maxBsonObjectSize: 16777216,
                    maxMessageSizeBytes: 48000000,
                    maxWriteBatchSize: 100000,
                    localTime: new Date(),
                    logicalSessionTimeoutMinutes: 30,
                    connectionId: ++this.ids,
                    minWireVersion: 0,
                    maxWireVersion: 17,
                    readOnly: false,
                    ok: 1,
                };
            case "find":
                return { cursor: { firstBatch: this.users, id: BigInt(0) as any, ns: `${cmd.$db}.${cmd.find}` }, ok: 1 };
            case "insert": {
                const docs = (cmd.documents ?? sequence) as Record<string, unknown>[];
                this.users.push(...docs);
                return { n: docs.length, ok: 1 };
            }
            default:
                return { ok: 1 };
        }
    }

    private opMsg(responseTo: number, doc: Record<string, unknown>): Buffer {
        const body = BSON.serialize(doc);
        const header = Buffer.alloc(21);
        header.writeInt32LE(21 + body.length, 0);
        header.writeInt32LE(++this.ids, 4);
        header.writeInt32LE(responseTo, 8);
        header.writeInt32LE(2013, 12);
        header.writeUInt32LE(0, 16);
        header.writeUInt8(0, 20);
        return Buffer.concat([header, body]);
    }

    private opReply(responseTo: number, doc: Record<string, unknown>): Buffer {
        const body = BSON.serialize(doc);
        const header = Buffer.alloc(36);
        header.writeInt32LE(36 + body.length, 0);
        header.writeInt32LE(++this.ids, 4);
        header.writeInt32LE(responseTo, 8);
        header.writeInt32LE(1, 12);
        header.writeInt32LE(8, 16); // AwaitCapable
        header.writeBigInt64LE(BigInt(0), 20);
        header.writeInt32LE(0, 28);
        header.writeInt32LE(1, 32);
        return Buffer.concat([header, body]);
    }
}
