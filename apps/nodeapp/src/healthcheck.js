// Marathon COMMAND health check (runs inside the container): exit 0 when /health answers 200.
"use strict";
const port = Number(process.env.PORT || 3000);
require("http")
    .get({ host: "127.0.0.1", port, path: "/health", timeout: 3000 }, (res) => process.exit(res.statusCode === 200 ? 0 : 1))
    .on("timeout", () => process.exit(1))
    .on("error", () => process.exit(1));
