// Entry point: PORT (3000) and MONGO_URL (mongodb://mongo:27017/node) from the environment.
"use strict";
const { createApp } = require("./app");
const { createDatabase } = require("./db");

const port = Number(process.env.PORT || 3000);
const url = process.env.MONGO_URL || "mongodb://mongo:27017/node";
const db = createDatabase(url);
// Connect early (errors are not fatal: requests answer 503 until mongo is reachable).
db.connect().catch((e) => console.log(`mongo not reachable yet (${e.name}); requests that need it answer 503 until it is`));
const server = createApp(db).listen(port, () => console.log(`nodeapp listening on ${port}, mongo at ${url.replace(/\/\/[^@/]*@/, "//***@")}`));

function shutdown(signal) {
    console.log(`${signal}: closing`);
    server.close(() => db.close().finally(() => process.exit(0)));
    setTimeout(() => process.exit(0), 5000).unref();
}
process.on("SIGTERM", () => shutdown("SIGTERM"));
process.on("SIGINT", () => shutdown("SIGINT"));
