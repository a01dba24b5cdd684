// `npm ci` in this repository also installs the sample apps' own dependencies (apps/*/package-lock.json),
// so that the README's two commands are enough. Skipped (exit 0) when this package is installed as a
// dependency of another project: npm's INIT_CWD is then that project, not this one, and the published
// package ships no apps/ (nor does any package manager that leaves INIT_CWD unset get past this).
const { execFileSync } = require("child_process");
const fs = require("fs");
const path = require("path");

const root = path.resolve(__dirname, "..");
if (!process.env.INIT_CWD || path.resolve(process.env.INIT_CWD) !== root || !fs.existsSync(path.join(root, "apps"))) process.exit(0);
for (const app of fs.readdirSync(path.join(root, "apps"))) {
    const dir = path.join(root, "apps", app);
    if (!fs.existsSync(path.join(dir, "package-lock.json"))) continue;
    console.log(`postinstall: npm ci in apps/${app}`);
    execFileSync("npm", ["ci", "--no-audit", "--no-fund", "--loglevel=error"], { cwd: dir, stdio: "inherit" });
}
