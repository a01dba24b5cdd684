// One MongoDB client for the whole process, with its connection pool (the original opened a new
// connection per request and never closed any). The driver reconnects by itself: while mongo is
// unreachable, operations fail fast (serverSelectionTimeoutMS) and the app answers 503; once
// mongo is back, the same client serves again.
"use strict";
const { MongoClient } = require("mongodb");

/** Errors that mean "the database cannot be reached now", not "the request is wrong". */
const UNAVAILABLE = new Set([
    "MongoServerSelectionError",
    "MongoNetworkError",
    "MongoNetworkTimeoutError",
    "MongoNotConnectedError",
    "MongoTopologyClosedError",
    "PoolClearedError",
    "PoolClosedError",
]);

function isUnavailable(err) {
    return !!err && (UNAVAILABLE.has(err.name) || (typeof err.hasErrorLabel === "function" && err.hasErrorLabel("ResetPool")));
}

function createDatabase(url, options = {}) {
    const client = new MongoClient(url, {
        maxPoolSize: options.maxPoolSize ?? 10,
        serverSelectionTimeoutMS: options.serverSelectionTimeoutMS ?? 2000,
        connectTimeoutMS: options.connectTimeoutMS ?? 2000,
        heartbeatFrequencyMS: options.heartbeatFrequencyMS ?? 2000,
        appName: "nodeapp",
    });
    let up = false;
    client.on("serverHeartbeatSucceeded", () => (up = true));
    client.on("serverHeartbeatFailed", () => (up = false));
    const db = client.db(options.dbName);
    // Until the first connection succeeds, every use retries `connect()` (one attempt at a time):
    // the driver closes its topology when its first connection fails and would never retry alone.
    // Once connected, the driver's own monitor handles mongo going away and coming back.
    let connected = false;
    let connecting;
    client.on("topologyClosed", () => (connected = false));
    const ready = async () => {
        if (connected) return;
        connecting ??= client.connect().then(
            () => {
                connected = true;
                connecting = undefined;
            },
            (e) => {
                connecting = undefined;
                throw e;
            },
        );
        await connecting;
    };
    const collection = (name) => ({
        find: (q) => ({ toArray: async () => (await ready(), db.collection(name).find(q).toArray()) }),
        insertOne: async (doc) => (await ready(), db.collection(name).insertOne(doc)),
    });
    return {
        client,
        connect: ready,
        users: () => collection("usercollection"),
        /** Last known reachability (heartbeats), for /health. */
        isUp: () => up,
        /** Ask the server now (for /ready). */
        ping: async () => {
            try {
                await ready();
                await db.command({ ping: 1 });
                up = true;
                return true;
            } catch (e) {
                if (!isUnavailable(e)) throw e;
                up = false;
                return false;
            }
        },
        close: () => client.close(),
    };
}

module.exports = { createDatabase, isUnavailable };
