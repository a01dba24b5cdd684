import { expect } from "chai";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { execFileSync } from "child_process";
import { contextFiles, contextHash, contextTag } from "../../../components/images/context";
import { buildOps, imagePruneScript, registryApiScript } from "../../../components/images/ops";
import { AppImage } from "../../../components/images";
import { renderScript } from "../../../components/provision";
import { fakeHost } from "../provision/fake-host";
import { mocks } from "../../support/setup";
import { settle } from "../../support/outputs";
import * as pulumi from "@pulumi/pulumi";

function tree(files: Record<string, string>): string {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "ctx-"));
    for (const [f, c] of Object.entries(files)) {
        fs.mkdirSync(path.dirname(path.join(dir, f)), { recursive: true });
        fs.writeFileSync(path.join(dir, f), c);
    }
    return dir;
}

describe("app images: content tags and the build step", () => {
    it("hashes the image's source only: node_modules, tests and .dockerignore'd files change nothing", () => {
        const base = { Dockerfile: "FROM x\n", ".dockerignore": "test\napp.ts\n*.md\n", "package-lock.json": "{}", "src/server.js": "1" };
        const a = tree(base);
        const b = tree({ ...base, "node_modules/express/index.js": "x", "test/app.test.ts": "t", "app.ts": "defs", "README.md": "doc" });
        expect(contextFiles(a)).to.deep.equal([".dockerignore", "Dockerfile", "package-lock.json", "src/server.js"]);
        expect(contextHash(b)).to.equal(contextHash(a));
        const c = tree({ ...base, "src/server.js": "2" });
        expect(contextTag(c)).to.not.equal(contextTag(a));
        fs.chmodSync(path.join(a, "src/server.js"), 0o755);
        expect(contextHash(a)).to.not.equal(contextHash(b)); // the mode is part of the image
        expect(contextTag(a)).to.match(/^[0-9a-f]{12}$/);
    });

    it("the apps' own tags are stable across machines (no timestamps, no absolute paths)", () => {
        const nodeapp = path.join(__dirname, "../../../apps/nodeapp");
        expect(contextFiles(nodeapp)).to.include.members(["Dockerfile", "package.json", "package-lock.json", "src/app.js", "src/server.js"]);
        expect(contextFiles(nodeapp).some((f) => f.startsWith("test/") || f === "app.ts" || f.startsWith("node_modules/"))).to.equal(false);
        const copy = fs.mkdtempSync(path.join(os.tmpdir(), "nodeapp-copy-"));
        execFileSync("cp", ["-a", `${nodeapp}/.`, copy]);
        expect(contextTag(copy)).to.equal(contextTag(nodeapp));
    });

    it("renders the step: build+push only when the registry lacks the tag, history, prune; password never on a command line", () => {
        const ops = buildOps({
            address: "10.0.15.11:5000",
            username: "microservice",
            secure: true,
            repository: "application/app/nodeapp",
            tag: "0123456789ab",
            contextDir: "/var/lib/microservice/build/application_app_nodeapp/0123456789ab",
            buildArgs: { BASE_IMAGE: "microservice/debian-minbase:bookworm" },
            keep: 3,
        });
        const script = renderScript("mgmt", "image", ops);
        expect(script).to.contain(
            "ensure_exec 'image 10.0.15.11:5000/application/app/nodeapp:0123456789ab in the registry' '/usr/local/lib/microservice/registry-api " +
                "'\\''10.0.15.11:5000'\\'' '\\''microservice'\\'' https HEAD '\\''/v2/application/app/nodeapp/manifests/0123456789ab'\\'' -I",
        );
        expect(script).to.contain(
            "docker build --build-arg '\\''BASE_IMAGE=microservice/debian-minbase:bookworm'\\'' " +
                "-t '\\''10.0.15.11:5000/application/app/nodeapp:0123456789ab'\\'' " +
                "'\\''/var/lib/microservice/build/application_app_nodeapp/0123456789ab'\\'' && docker push",
        );
        expect(script).to.contain("ensure_exec 'older tags of application/app/nodeapp pruned (keep 3)'");
        expect(registryApiScript())
            .to.contain(`LOGIN_DIR="/etc/microservice/registry-login"`)
            .and.contain(
                `printf 'user = "%s:%s"\\n' "$(curl_quote "$user")" "$(curl_quote "$(head -n1 "$LOGIN_DIR/$addr.password")")" |\n  curl -sS --fail-with-body ` +
                    `--max-time 30 -K -`,
            );
        expect(imagePruneScript()).to.contain(`grep -E '^[0-9a-f]{12}$'`).and.contain(`api DELETE "/v2/$repo/manifests/$d"`);
        // The helper scripts are valid bash.
        for (const s of [registryApiScript(), imagePruneScript()]) execFileSync("bash", ["-n"], { input: s });
    });

    it("AppImage copies the folder to mgmt under its tag, builds after the copy and the registry, and its ref is known at preview", async () => {
        const mgmt = fakeHost("mgmt", "10.0.15.10", ["mgmt"]);
        const registry = {
            address: pulumi.output("10.0.15.11:5000"),
            username: pulumi.output("microservice"),
            password: pulumi.secret("pw-0123456789"),
            caCert: pulumi.output("PEM"),
            ready: [],
        };
        const img = new AppImage("nodeapp-image", {
            host: mgmt,
            context: path.join(__dirname, "../../../apps/nodeapp"),
            repository: "application/app/nodeapp",
            registry,
            keep: 2,
        });
        await settle();
        const copy = mocks.named("nodeapp-image-context");
        expect(copy.inputs.remotePath).to.equal(`/var/lib/microservice/build/application_app_nodeapp/${img.tag}`);
        expect(copy.inputs.triggers).to.deep.equal([img.tag]);
        const step = mocks.named("nodeapp-image-mgmt-image");
        expect(step.inputs.stdin).to.contain(`nodeapp:${img.tag}`).and.contain("(keep 2)");
        expect(step.secretInputs).to.deep.equal(["connection"]);
        expect(() => new AppImage("bad", { host: mgmt, context: "apps/nodeapp", repository: "App/Node", registry } as any)).to.throw(
            new RegExp(
                /AppImage "bad": invalid input\n {2}context: expected an absolute path to a folder with a Dockerfile, got /.source +
                    /"apps\/nodeapp"\n {2}repository: expected a repository path/.source,
            ),
        );
    });
});
