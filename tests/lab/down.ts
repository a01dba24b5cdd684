// Removes lab LAB_ID (default 0): containers, their Docker volumes, network, key and state.
// Usage: LAB_ID=<id> npx ts-node tests/lab/down.ts
import { Lab } from "./harness";

Lab.downById(process.env.LAB_ID ?? "0").then(
    () => console.log(`lab ${process.env.LAB_ID ?? "0"} removed`),
    (e) => {
        console.error(e instanceof Error ? e.message : e);
        process.exit(1);
    },
);
