// Builds what the package ships: packages/vagrant-shim/dist (bundled as @pulumi/vagrant-shim) and
// dist/ (the library), each from a clean directory so that no file of a removed source is packed.
//
//   npm run build               both
//   prepack (npm pack/publish)  both (npm run build)
//   prepare (npm install/ci here, and git installs of this package, which run only `prepare`):
//                               both, except inside `npm pack`/`npm publish`, whose prepack just built them
const { execFileSync } = require("child_process");
const fs = require("fs");
const path = require("path");

const root = path.resolve(__dirname, "..");
const tsc = require.resolve("typescript/bin/tsc", { paths: [root] });

if (process.argv.includes("--prepare") && ["pack", "publish"].includes(process.env.npm_command || "")) process.exit(0);

for (const [dir, project] of [
    ["packages/vagrant-shim/dist", "packages/vagrant-shim"],
    ["dist", "tsconfig.build.json"],
]) {
    fs.rmSync(path.join(root, dir), { recursive: true, force: true });
    execFileSync(process.execPath, [tsc, "-p", path.join(root, project)], { cwd: root, stdio: "inherit" });
}
