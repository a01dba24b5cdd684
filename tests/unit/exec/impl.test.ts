import { expect } from "chai";
import { execFileSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import * as impl from "../../../components/exec/impl";
import { UNKNOWN, canonical, check, diff, failureMessage, trimOutput } from "../../../components/exec/impl";
import { FakeSsh, fakeSsh } from "./fake-ssh";

const SIG = "4dabf18193072939515e22adb298388d";
const ASSET = "c44067f5952c0a294b673a41bacd8c17";
const ARCHIVE = "0def7320c3a5731c473e5ecbe6d01bc7";
const SECRET = "1b47061264138c4ac30d75fd1eb44270";
const secret = (value: unknown) => ({ [SIG]: SECRET, value });

describe("exec/impl: check", () => {
    it("accepts complete inputs and returns them as they are", async () => {
        const news = { connection: { host: "10.0.15.11", port: 22, user: "root", privateKey: "K" }, create: "true", triggers: ["a"] };
        const r = await check("remote", {}, news);
        expect(r.failures).to.deep.equal([]);
        expect(r.inputs).to.equal(news);
    });

    it("names missing and malformed fields, without echoing connection values", async () => {
        const r = await check(
            "remote",
            {},
            { connection: { host: "", port: 0, privateKey: 5, password: "pw-s3cret", hostKey: "nonsense" }, environment: { "BAD-NAME": "x" }, logging: "loud" },
        );
        const props = r.failures.map((f) => f.property);
        expect(props).to.include.members([
            "create",
            "connection.host",
            "connection.port",
            "connection.privateKey",
            "connection.hostKey",
            "environment",
            "logging",
        ]);
        expect(JSON.stringify(r.failures)).to.not.include("pw-s3cret");
        expect((await check("remote", {}, { create: "x" })).failures.map((f) => f.property)).to.deep.equal(["connection"]);
        expect((await check("local", {}, { create: "x", interpreter: [] })).failures.map((f) => f.property)).to.deep.equal(["interpreter"]);
        expect((await check("remote", {}, { create: "x", connection: { host: "h", proxy: { user: "j" } } })).failures.map((f) => f.property)).to.deep.equal([
            "connection.proxy.host",
        ]);
    });

    it("copy: needs remotePath and a supported source", async () => {
        const conn = { host: "h" };
        expect((await check("copy", {}, { connection: conn, source: { [SIG]: ARCHIVE, path: "dir" }, remotePath: "/x" })).failures).to.deep.equal([]);
        expect((await check("copy", {}, { connection: conn, source: { [SIG]: ASSET, text: "hi" }, remotePath: "/x" })).failures).to.deep.equal([]);
        const bad = await check("copy", {}, { connection: conn, source: { [SIG]: ASSET, uri: "https://x" } });
        expect(bad.failures.map((f) => f.property)).to.deep.equal(["remotePath", "source"]);
        expect(bad.failures[1].reason).to.match(/RemoteAsset is not supported/);
        expect((await check("copy", {}, { connection: conn, remotePath: "/x", source: { [SIG]: ARCHIVE, assets: {} } })).failures[0].reason).to.match(
            /AssetArchive/,
        );
    });

    it("never fails on unknown values (preview)", async () => {
        for (const news of [
            { connection: UNKNOWN, create: UNKNOWN },
            { connection: { host: UNKNOWN, port: UNKNOWN, proxy: UNKNOWN }, create: "x", environment: { A: UNKNOWN }, triggers: UNKNOWN, stdin: UNKNOWN },
            { connection: { host: "h" }, create: "x", environment: UNKNOWN, triggers: [UNKNOWN, "a"] },
        ])
            expect((await check("remote", {}, news)).failures, JSON.stringify(news)).to.deep.equal([]);
        expect((await check("copy", {}, { connection: UNKNOWN, source: UNKNOWN, remotePath: UNKNOWN })).failures).to.deep.equal([]);
    });

    it("looks through secret wrappers", async () => {
        expect((await check("remote", {}, { connection: secret({ host: "h" }), create: secret("x") })).failures).to.deep.equal([]);
    });
});

describe("exec/impl: diff", () => {
    const olds = {
        connection: { host: "10.0.15.11", user: "root", privateKey: "K" },
        create: "run",
        environment: { A: "1", B: "2" },
        triggers: ["sha-1", "machine-1"],
        stdout: "out",
        stderr: "",
        __provider: "exports.handler = ...",
    };
    const news = () => ({
        connection: { user: "root", host: "10.0.15.11", privateKey: "K" },
        create: "run",
        environment: { B: "2", A: "1" },
        triggers: ["sha-1", "machine-1"],
    });

    it("nothing changed (key order, outputs and __provider do not count)", async () => {
        expect(await diff("remote", "id", olds, { ...news(), __provider: "other" })).to.deep.equal({ changes: false, replaces: [], changed: [] });
    });

    it("a trigger change replaces", async () => {
        expect(await diff("remote", "id", olds, { ...news(), triggers: ["sha-2", "machine-1"] })).to.deep.equal({
            changes: true,
            replaces: ["triggers"],
            changed: ["triggers"],
        });
        expect((await diff("remote", "id", olds, { ...news(), triggers: undefined })).replaces).to.deep.equal(["triggers"]);
    });

    it("any other change updates", async () => {
        for (const [key, value] of [
            ["create", "run2"],
            ["update", "u"],
            ["delete", "d"],
            ["stdin", "s"],
            ["environment", { A: "1" }],
            ["logging", "none"],
            ["connection", { host: "10.0.15.12", user: "root", privateKey: "K" }],
        ] as [string, unknown][]) {
            const d = await diff("remote", "id", olds, { ...news(), [key]: value });
            expect(d, key).to.deep.equal({ changes: true, replaces: [], changed: [key] });
        }
        const local = { create: "a", dir: "/x", interpreter: ["/bin/sh", "-c"], stdout: "" };
        expect((await diff("local", "id", local, { ...local, dir: "/y" })).changed).to.deep.equal(["dir"]);
        expect((await diff("local", "id", local, { ...local, interpreter: ["/bin/bash", "-c"] })).replaces).to.deep.equal([]);
        const copy = { connection: { host: "h" }, source: { [SIG]: ARCHIVE, hash: "abc" }, remotePath: "/x" };
        expect(await diff("copy", "id", copy, { ...copy, remotePath: "/y" })).to.deep.equal({ changes: true, replaces: [], changed: ["remotePath"] });
    });

    it("unknowns: in triggers a replacement, elsewhere an update; never an error", async () => {
        expect(await diff("remote", "id", olds, { ...news(), triggers: ["sha-1", UNKNOWN] })).to.deep.equal({
            changes: true,
            replaces: ["triggers"],
            changed: ["triggers"],
        });
        expect((await diff("remote", "id", olds, { ...news(), triggers: UNKNOWN })).replaces).to.deep.equal(["triggers"]);
        expect(await diff("remote", "id", olds, { ...news(), stdin: UNKNOWN })).to.deep.equal({ changes: true, replaces: [], changed: ["stdin"] });
        expect(await diff("remote", "id", olds, { ...news(), connection: UNKNOWN, create: UNKNOWN })).to.deep.equal({
            changes: true,
            replaces: [],
            changed: ["connection", "create"],
        });
    });

    it("drift that a refresh found on the host (olds.drift) is an update, never a replacement", async () => {
        expect(await diff("remote", "id", { ...olds, drift: "node2/logging: /etc/x content differs" }, news())).to.deep.equal({
            changes: true,
            replaces: [],
            changed: ["drift"],
        });
        expect((await diff("remote", "id", { ...olds, drift: "" }, news())).changes).to.equal(false);
    });

    it("assets compare by hash: the engine sends old ones without contents", async () => {
        const old = { connection: { host: "h" }, remotePath: "/x", source: { [SIG]: ARCHIVE, hash: "h1" } };
        const same = { ...old, source: { [SIG]: ARCHIVE, hash: "h1", path: "./ctx" } };
        expect((await diff("copy", "id", old, same)).changes).to.equal(false);
        expect(await diff("copy", "id", old, { ...old, source: { [SIG]: ARCHIVE, hash: "h2", path: "./ctx" } })).to.deep.equal({
            changes: true,
            replaces: [],
            changed: ["source"],
        });
        expect(canonical({ b: 1, a: [null, undefined, { d: null, c: secret("x") }] })).to.equal('{"a":[null,null,{"c":"x"}],"b":1}');
    });
});

describe("exec/impl: local commands", () => {
    let dir: string;
    beforeEach(() => (dir = fs.mkdtempSync(path.join(os.tmpdir(), "exec-local-"))));
    afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

    it("create runs `create` in dir with environment and stdin; outputs echo the inputs and drop one trailing newline", async () => {
        const inputs = {
            create: 'echo "$GREETING $(pwd)"; cat; printf "warn\\n\\n" >&2',
            dir,
            environment: { GREETING: "hello" },
            stdin: "from stdin\n\n",
            __provider: "p",
        };
        const r = await impl.create("local", inputs);
        expect(r.id).to.match(/^LocalCommand-[0-9a-f]{16}$/);
        expect(r.outs).to.deep.equal({
            create: inputs.create,
            dir,
            environment: inputs.environment,
            stdin: inputs.stdin,
            stdout: `hello ${fs.realpathSync(dir)}\nfrom stdin\n`,
            stderr: "warn\n",
        });
        expect(trimOutput("a\n\n")).to.equal("a\n");
    });

    it("uses the interpreter: interpreter[0] with the rest and the command as arguments", async () => {
        const r = await impl.create("local", { create: "import sys; print(sys.argv[1:])", interpreter: ["python3", "-c"] }).catch(() => undefined);
        if (r) expect(r.outs.stdout).to.equal("[]");
        const b = await impl.create("local", { create: 'echo "$0 ${BASH_VERSION:+bash}"', interpreter: ["/bin/bash", "-c"] });
        expect(b.outs.stdout).to.equal("/bin/bash bash");
    });

    it("update runs `update`, or `create` when there is none, with the previous output in the environment", async () => {
        const olds = { create: "echo one", stdout: "old-out", stderr: "old-err" };
        const u = await impl.update("local", "id", olds, {
            create: "echo create",
            update: 'echo "update after $PULUMI_COMMAND_STDOUT/$PULUMI_COMMAND_STDERR"',
        });
        expect(u.outs.stdout).to.equal("update after old-out/old-err");
        const c = await impl.update("local", "id", olds, { create: 'echo "create again ${PULUMI_COMMAND_STDOUT-unset}"', addPreviousOutputInEnv: false });
        expect(c.outs.stdout).to.equal("create again unset");
        expect(c.outs.addPreviousOutputInEnv).to.equal(false);
    });

    it("delete runs the stored `delete` (old inputs), and nothing without one", async () => {
        const marker = path.join(dir, "deleted");
        await impl.delete("local", "id", {
            create: "true",
            delete: `echo "$WHO $PULUMI_COMMAND_STDOUT" > ${marker}`,
            environment: { WHO: "old" },
            stdout: "was",
        });
        expect(fs.readFileSync(marker, "utf8")).to.equal("old was\n");
        await impl.delete("local", "id", { create: `touch ${path.join(dir, "never")}` });
        expect(fs.existsSync(path.join(dir, "never"))).to.equal(false);
    });

    it("a failure shows the exit code and the last 20 lines of stderr", async () => {
        const err = await impl.create("local", { create: "for i in $(seq 1 30); do echo line$i >&2; done; exit 3" }).catch((e) => e);
        expect(err.message).to.match(/^LocalCommand create failed with exit code 3:\n/);
        expect(err.message).to.include("line11\n").and.include("line30").and.not.include("line10\n");
        const noStderr = await impl.create("local", { create: "echo only-stdout; exit 1" }).catch((e) => e);
        expect(noStderr.message).to.include("only-stdout");
        const missing = await impl.create("local", { create: "x", interpreter: ["/nonexistent/shell"] }).catch((e) => e);
        expect(missing.message).to.match(/exit code 127.*ENOENT/s);
    });

    it("logging none or secret inputs: only FAILED lines, or (output hidden); never the secrets", async () => {
        const script = 'echo "the secret is $PW" >&2; echo "FAILED step: could not write config (exit 1)" >&2; exit 1';
        const hidden = await impl.create("local", { create: script, environment: { PW: "pw-s3cret" }, logging: "none" }).catch((e) => e);
        expect(hidden.message).to.equal("LocalCommand create failed with exit code 1: FAILED step: could not write config (exit 1)");
        const secretStdin = await impl.create("local", { create: "sh -s", stdin: secret('echo "pw-s3cret" >&2; exit 2') }).catch((e) => e);
        expect(secretStdin.message).to.equal("LocalCommand create failed with exit code 2: (output hidden)");
        const shown = await impl.create("local", { create: script, environment: { PW: "not-secret" } }).catch((e) => e);
        expect(shown.message).to.include("the secret is not-secret");
        expect(failureMessage("X", { code: 4, stdout: "FAILED a\n", stderr: "x\nFAILED b" }, true)).to.equal("X failed with exit code 4: FAILED b\nFAILED a");
    });

    it("read returns the stored state unchanged", async () => {
        const props = { create: "x", stdout: "y" };
        expect(await impl.read("local", "id", props)).to.deep.equal({ id: "id", props });
    });
});

describe("exec/impl: remote commands and copies (with a stand-in ssh program)", () => {
    let ssh: FakeSsh;
    let dir: string;
    beforeEach(() => {
        ssh = fakeSsh();
        dir = fs.mkdtempSync(path.join(os.tmpdir(), "exec-remote-"));
    });
    afterEach(() => {
        ssh.cleanup();
        fs.rmSync(dir, { recursive: true, force: true });
    });
    const connection = { host: "10.0.15.11", user: "root", privateKey: "KEY", dialErrorLimit: 2 };
    const opts = () => ({ sshProgram: ssh.program, pauseMs: 1 });

    it("create, update and delete run over ssh with environment and stdin, nothing secret in argv", async () => {
        const inputs = { connection, create: "exec bash -s", stdin: 'echo "step with $TOKEN"\n', environment: { TOKEN: "tok-s3cret" }, triggers: ["a"] };
        const c = await impl.create("remote", inputs, opts());
        expect(c.id).to.match(/^RemoteCommand-/);
        expect(c.outs).to.deep.equal({ ...inputs, stdout: "step with tok-s3cret", stderr: "" });
        expect(ssh.lastArgs().join(" ")).to.not.match(/tok-s3cret|step with|exec bash/);
        expect(ssh.lastArgs()).to.include("root@10.0.15.11");
        const u = await impl.update("remote", c.id, c.outs, { ...inputs, update: 'echo "update; before: $PULUMI_COMMAND_STDOUT"' }, opts());
        expect(u.outs.stdout).to.equal("update; before: step with tok-s3cret");
        const marker = path.join(dir, "gone");
        await impl.delete("remote", c.id, { ...u.outs, delete: `touch ${marker}` }, opts());
        expect(fs.existsSync(marker)).to.equal(true);
    });

    it("a failing remote command names the host and exit code", async () => {
        const err = await impl.create("remote", { connection, create: "echo broken >&2; exit 5" }, opts()).catch((e) => e);
        expect(err.message).to.equal("RemoteCommand create on root@10.0.15.11:22 failed with exit code 5:\nbroken");
    });

    it("an unreachable host fails after dialErrorLimit attempts", async () => {
        ssh.failNext(10);
        const err = await impl.create("remote", { connection, create: "true" }, opts()).catch((e) => e);
        expect(err.message).to.match(/could not connect to root@10\.0\.15\.11:22 over SSH: dialed 2 times/);
    });

    it("copies a FileAsset (keeping its mode), into an existing directory under its name, and a StringAsset", async () => {
        const src = path.join(dir, "tool.sh");
        fs.writeFileSync(src, "#!/bin/sh\necho tool\n", { mode: 0o750 });
        const dest = path.join(dir, "remote-tool.sh");
        const asset = { [SIG]: ASSET, hash: "h", path: src };
        const c = await impl.create("copy", { connection, source: asset, remotePath: dest }, opts());
        expect(c.outs).to.deep.equal({ connection, source: asset, remotePath: dest });
        expect(fs.readFileSync(dest, "utf8")).to.equal("#!/bin/sh\necho tool\n");
        expect(fs.statSync(dest).mode & 0o777).to.equal(0o750);
        const into = path.join(dir, "bin");
        fs.mkdirSync(into);
        await impl.update("copy", c.id, c.outs, { connection, source: asset, remotePath: into }, opts());
        expect(fs.readFileSync(path.join(into, "tool.sh"), "utf8")).to.include("echo tool");
        await impl.create("copy", { connection, source: { [SIG]: ASSET, hash: "t", text: "some text ✓" }, remotePath: path.join(dir, "text.txt") }, opts());
        expect(fs.readFileSync(path.join(dir, "text.txt"), "utf8")).to.equal("some text ✓");
        expect(fs.readdirSync(dir).filter((f) => f.includes("exec-tmp"))).to.deep.equal([]);
    });

    it("copies a directory FileArchive: its contents land in remotePath (created if missing)", async () => {
        const ctx = path.join(dir, "context");
        fs.mkdirSync(path.join(ctx, "sub"), { recursive: true });
        fs.writeFileSync(path.join(ctx, "Dockerfile"), "FROM scratch\n");
        fs.writeFileSync(path.join(ctx, "sub", "app.js"), "console.log(1)\n");
        const dest = path.join(dir, "remote", "ctx-1");
        fs.mkdirSync(path.dirname(dest));
        await impl.create("copy", { connection, source: { [SIG]: ARCHIVE, hash: "a", path: ctx }, remotePath: dest }, opts());
        expect(fs.readFileSync(path.join(dest, "Dockerfile"), "utf8")).to.equal("FROM scratch\n");
        expect(fs.readFileSync(path.join(dest, "sub", "app.js"), "utf8")).to.equal("console.log(1)\n");
        // A .tar.gz archive is unpacked the same way.
        const tgz = path.join(dir, "ctx.tar.gz");
        execFileSync("tar", ["-C", ctx, "-czf", tgz, "."]);
        const dest2 = path.join(dir, "remote", "ctx-2");
        await impl.create("copy", { connection, source: { [SIG]: ARCHIVE, hash: "b", path: tgz }, remotePath: dest2 }, opts());
        expect(fs.readFileSync(path.join(dest2, "sub", "app.js"), "utf8")).to.equal("console.log(1)\n");
    });

    it("read (refresh) runs the check over ssh with its stdin and keeps its DRIFT lines as `drift`", async () => {
        const file = path.join(dir, "managed.conf");
        fs.writeFileSync(file, "desired\n");
        const checkStdin = `if [ "$(cat ${file})" != desired ]; then echo "DRIFT h/s: ${file} content differs"; fi; echo "not a drift line"\n`;
        const props = { connection, create: "exec bash -s", stdin: "true", check: "exec bash -s", checkStdin, stdout: "", stderr: "" };
        expect(await impl.read("remote", "id-1", props, opts())).to.deep.equal({ id: "id-1", props: { ...props, drift: "" } });
        fs.writeFileSync(file, "edited by hand\n");
        const r = await impl.read("remote", "id-1", props, opts());
        expect(r.props.drift).to.equal(`h/s: ${file} content differs`);
        expect(ssh.lastArgs().join(" ")).to.not.include("DRIFT");
        // The update that repairs the host stores no drift: the next diff is clean again.
        const u = await impl.update("remote", "id-1", r.props, props, opts());
        expect(u.outs).to.not.have.property("drift");
    });

    it("read without a check returns the stored state without connecting; a check that cannot run fails naming the host", async () => {
        const props = { connection, create: "true", stdout: "" };
        expect(await impl.read("remote", "id-2", props, opts())).to.deep.equal({ id: "id-2", props });
        expect(ssh.calls()).to.equal(0);
        const err = await impl.read("remote", "id-2", { ...props, check: "echo oops >&2; exit 3" }, opts()).catch((e) => e);
        expect(err.message).to.equal("RemoteCommand check on root@10.0.15.11:22 failed with exit code 3:\noops");
        ssh.failNext(10);
        const down = await impl.read("remote", "id-2", { ...props, check: "true" }, opts()).catch((e) => e);
        expect(down.message).to.match(/could not connect to root@10\.0\.15\.11:22/);
    });

    it("delete leaves copies in place and needs no connection", async () => {
        await impl.delete("copy", "id", { connection, source: { [SIG]: ASSET, hash: "h" }, remotePath: "/x" }, opts());
        expect(ssh.calls()).to.equal(0);
    });
});
