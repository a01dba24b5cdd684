// The original's Express routes: /, /helloworld, /userlist, /newuser, POST /adduser, /users;
// plus /health (liveness, always 200 while the process serves) and /ready (503 while mongo is
// unreachable). Pages that need mongo answer a clear 503 while it is unreachable.
"use strict";
const path = require("path");
const express = require("express");
const views = require("./views");
const { isUnavailable } = require("./db");

function createApp(db, log = (line) => console.log(line)) {
    const app = express();
    app.disable("x-powered-by");
    app.set("trust proxy", true);
    // One line per request on stdout (the container's log goes to syslog), like morgan's "dev".
    app.use((req, res, next) => {
        const started = process.hrtime.bigint();
        res.on("finish", () =>
            log(`${req.method} ${req.originalUrl} ${res.statusCode} ${(Number(process.hrtime.bigint() - started) / 1e6).toFixed(3)} ms - ${req.ip}`),
        );
        next();
    });
    app.use(express.static(path.join(__dirname, "..", "public")));
    app.use(express.urlencoded({ extended: false }));
    app.use(express.json());

    app.get("/", (req, res) => res.type("html").send(views.index("Express")));
    app.get("/helloworld", (req, res) => res.type("html").send(views.helloworld("Hello, World!")));
    app.get("/users", (req, res) => res.type("text").send("respond with a resource"));
    app.get("/newuser", (req, res) => res.type("html").send(views.newuser()));

    app.get("/userlist", async (req, res, next) => {
        try {
            const users = await db.users().find({}).toArray();
            res.type("html").send(views.userlist(users));
        } catch (e) {
            next(e);
        }
    });

    app.post("/adduser", async (req, res, next) => {
        const username = String(req.body?.username ?? "").trim();
        const email = String(req.body?.useremail ?? "").trim();
        if (!username || !email) {
            return res
                .status(400)
                .type("html")
                .send(views.error(400, "Bad Request", "username and useremail are both required."));
        }
        try {
            await db.users().insertOne({ username, email });
            res.redirect(303, "userlist");
        } catch (e) {
            next(e);
        }
    });

    app.get("/health", (req, res) => res.json({ status: "ok", mongo: db.isUp() ? "up" : "down" }));
    app.get("/ready", async (req, res, next) => {
        try {
            const ok = await db.ping();
            res.status(ok ? 200 : 503).json({ status: ok ? "ready" : "mongo unreachable" });
        } catch (e) {
            next(e);
        }
    });

    app.use((req, res) => res.status(404).type("html").send(views.error(404, "Not Found")));
    // Express knows an error handler by its four parameters: `_next` stays though unused.
    app.use((err, req, res, _next) => {
        if (isUnavailable(err)) {
            res.set("Retry-After", "5");
            return res
                .status(503)
                .type("html")
                .send(views.error(503, "Service Unavailable", "The user database (mongo) cannot be reached right now. Please try again in a few seconds."));
        }
        log(`error: ${err && err.stack ? err.stack : err}`);
        res.status(500).type("html").send(views.error(500, "Internal Server Error"));
    });
    return app;
}

module.exports = { createApp };
