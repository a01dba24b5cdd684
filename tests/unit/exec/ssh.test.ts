import { expect } from "chai";
import { execFileSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import {
    DialError,
    HostKeyError,
    REMOTE_BOOTSTRAP,
    ansiCQuote,
    isDialError,
    knownHostsLine,
    remotePayload,
    runProcess,
    runSsh,
    shellQuote,
    sshInvocation,
} from "../../../components/exec/ssh";
import { Connection } from "../../../components/exec/connection";
import { FakeSsh, fakeSsh } from "./fake-ssh";

const KEY = "-----BEGIN OPENSSH PRIVATE KEY-----\nSECRETKEYMATERIAL\n-----END OPENSSH PRIVATE KEY-----";
const HOST_KEY = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIHostKeyHostKeyHostKeyHostKeyHostKey";

function privateDir(name = "exec-ssh-test-"): string {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), name));
    fs.chmodSync(dir, 0o700);
    return dir;
}

/** The value after `-o Name=` in an argv. */
function option(args: string[], name: string): string | undefined {
    for (let i = 0; i < args.length - 1; i++) if (args[i] === "-o" && args[i + 1].startsWith(`${name}=`)) return args[i + 1].slice(name.length + 1);
    return undefined;
}

/** Splits a ProxyCommand into words as /bin/sh does, then undoes ssh's %% escaping. */
function proxyWords(cmd: string): string[] {
    const out = execFileSync("/bin/sh", ["-c", `set -- ${cmd}; printf '%s\\0' "$@"`], { encoding: "utf8" });
    return out
        .split("\0")
        .slice(0, -1)
        .map((w) => w.replace(/%%/g, "%"));
}

describe("exec/ssh: argv", () => {
    let dir: string;
    beforeEach(() => (dir = privateDir()));
    afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

    it("builds the OpenSSH options, with the key in a 0600 file and no host key checking by default", () => {
        const inv = sshInvocation({ host: "10.0.15.11", privateKey: KEY }, dir);
        expect(inv.file).to.equal("ssh");
        const a = inv.args;
        expect(option(a, "BatchMode")).to.equal("yes");
        expect(option(a, "IdentitiesOnly")).to.equal("yes");
        expect(option(a, "LogLevel")).to.equal("ERROR");
        expect(option(a, "ConnectTimeout")).to.equal("15");
        expect(option(a, "ServerAliveInterval")).to.equal("15");
        expect(option(a, "StrictHostKeyChecking")).to.equal("no");
        expect(option(a, "UserKnownHostsFile")).to.equal("/dev/null");
        expect(a[a.indexOf("-p") + 1]).to.equal("22");
        const keyFile = a[a.indexOf("-i") + 1];
        expect(path.dirname(keyFile)).to.equal(dir);
        expect(fs.statSync(keyFile).mode & 0o777).to.equal(0o600);
        expect(fs.readFileSync(keyFile, "utf8")).to.equal(`${KEY}\n`);
        expect(a.slice(-3)).to.deep.equal(["--", "root@10.0.15.11", REMOTE_BOOTSTRAP]);
        expect(a.join(" ")).to.not.include("SECRETKEYMATERIAL");
        expect(inv.env).to.deep.equal({});
    });

    it("takes user, port and perDialTimeout; no IdentitiesOnly without a key (agent keys stay usable)", () => {
        const a = sshInvocation({ host: "h.example", user: "admin", port: 2222, perDialTimeout: 7, agentSocketPath: "/run/agent.sock" }, dir).args;
        expect(a[a.indexOf("-p") + 1]).to.equal("2222");
        expect(option(a, "ConnectTimeout")).to.equal("7");
        expect(option(a, "IdentitiesOnly")).to.equal(undefined);
        expect(option(a, "IdentityAgent")).to.equal("/run/agent.sock");
        expect(a).to.not.include("-i");
        expect(a.slice(-2, -1)).to.deep.equal(["admin@h.example"]);
    });

    it("with a hostKey: a known_hosts file ([host]:port form off port 22) and strict checking", () => {
        const a22 = sshInvocation({ host: "10.0.15.11", hostKey: HOST_KEY }, dir).args;
        expect(option(a22, "StrictHostKeyChecking")).to.equal("yes");
        expect(fs.readFileSync(option(a22, "UserKnownHostsFile")!, "utf8")).to.equal(`10.0.15.11 ${HOST_KEY}\n`);
        const a2222 = sshInvocation({ host: "10.0.15.11", port: 2222, hostKey: `${HOST_KEY} comment\n` }, dir).args;
        expect(fs.readFileSync(option(a2222, "UserKnownHostsFile")!, "utf8")).to.equal(`[10.0.15.11]:2222 ${HOST_KEY} comment\n`);
        expect(knownHostsLine("h", 22, HOST_KEY)).to.equal(`h ${HOST_KEY}\n`);
    });

    it("reaches a jump host with ProxyCommand: ssh <the proxy's options> -W %h:%p user@proxy, each word quoted", () => {
        const odd = privateDir("exec ssh 100%-");
        try {
            const a = sshInvocation(
                {
                    host: "10.0.17.5",
                    privateKey: KEY,
                    proxy: { host: "203.0.113.10", user: "jump", port: 2200, privateKey: "-----BEGIN PROXY KEY-----\nPROXYSECRET\n", hostKey: HOST_KEY },
                },
                odd,
            ).args;
            const words = proxyWords(option(a, "ProxyCommand")!);
            expect(words[0]).to.equal("ssh");
            expect(words.slice(-4)).to.deep.equal(["-W", "%h:%p", "--", "jump@203.0.113.10"]);
            expect(words[words.indexOf("-p") + 1]).to.equal("2200");
            expect(option(words, "BatchMode")).to.equal("yes");
            expect(option(words, "StrictHostKeyChecking")).to.equal("yes");
            const proxyKey = words[words.indexOf("-i") + 1];
            expect(proxyKey).to.not.equal(a[a.indexOf("-i") + 1]);
            expect(fs.readFileSync(proxyKey, "utf8")).to.include("PROXYSECRET");
            expect(fs.readFileSync(option(words, "UserKnownHostsFile")!, "utf8")).to.equal(`[203.0.113.10]:2200 ${HOST_KEY}\n`);
            // The target's own options are unchanged by the proxy.
            expect(option(a, "StrictHostKeyChecking")).to.equal("no");
            expect(a.join(" ")).to.not.match(/PROXYSECRET|SECRETKEYMATERIAL/);
        } finally {
            fs.rmSync(odd, { recursive: true, force: true });
        }
    });

    it("passwords and key passphrases go through SSH_ASKPASS and the environment, never argv", () => {
        const inv = sshInvocation(
            { host: "h", password: "pw-s3cret", privateKey: KEY, privateKeyPassword: "kp-s3cret", proxy: { host: "p", password: "proxy-pw" } },
            dir,
        );
        const argv = inv.args.join(" ");
        expect(argv).to.not.match(/pw-s3cret|kp-s3cret|proxy-pw/);
        expect(option(inv.args, "BatchMode")).to.equal("no");
        expect(inv.env.SSH_ASKPASS_REQUIRE).to.equal("force");
        const env = { ...process.env, ...inv.env };
        const ask = (script: string, prompt: string) => execFileSync(script, [prompt], { env, encoding: "utf8" });
        expect(ask(inv.env.SSH_ASKPASS, "root@h's password: ")).to.equal("pw-s3cret\n");
        expect(ask(inv.env.SSH_ASKPASS, `Enter passphrase for key '${dir}/t-key': `)).to.equal("kp-s3cret\n");
        const words = proxyWords(option(inv.args, "ProxyCommand")!);
        const proxyAskpass = words.find((w) => w.startsWith("SSH_ASKPASS="))!.slice("SSH_ASKPASS=".length);
        expect(ask(proxyAskpass, "root@p's password: ")).to.equal("proxy-pw\n");
    });
});

describe("exec/ssh: the remote command travels on stdin", () => {
    it("ansiCQuote keeps any text exact through bash, in pure ASCII", () => {
        const text = "quote ' dq \" back \\ dollar $HOME tick ` newline\n tab\t é ✓ \x01 end";
        const q = ansiCQuote(text);
        expect(q).to.match(/^[\x20-\x7e]+$/);
        expect(execFileSync("bash", ["-c", `printf %s ${q}`], { encoding: "utf8" })).to.equal(text);
        expect(() => ansiCQuote("a\0b")).to.throw(/NUL/);
    });

    it("the bootstrap exports the environment, runs the command, and hands it the rest of stdin", async () => {
        const env = { SECRET_TOKEN: 'tok\'en "x" $(rm -rf /) é\n', EMPTY: "" };
        const payload = remotePayload('printf "[%s][%s]\\n" "$SECRET_TOKEN" "$EMPTY"; exec bash -s', env);
        const script = "echo from-stdin-script; cat\n";
        const rest = "line after the script ✓\n";
        // /bin/sh stands for the login shell that sshd runs the remote command line with.
        const r = await runProcess("/bin/sh", ["-c", REMOTE_BOOTSTRAP], {
            input: Buffer.from(payload + script + rest),
            env: { ...process.env, LANG: "C.UTF-8" },
        });
        expect(r.code).to.equal(0);
        expect(r.stdout).to.equal(`[${env.SECRET_TOKEN}][]\nfrom-stdin-script\n${rest}`);
        expect(REMOTE_BOOTSTRAP).to.not.include("tok");
        expect(() => remotePayload("true", { "BAD-NAME": "x" })).to.throw(/invalid variable name/);
    });

    it("passes the command's exit code through", async () => {
        const r = await runProcess("/bin/sh", ["-c", REMOTE_BOOTSTRAP], { input: remotePayload("echo out; echo err >&2; exit 7") });
        expect([r.code, r.stdout, r.stderr]).to.deep.equal([7, "out\n", "err\n"]);
    });

    it("shellQuote quotes what sh would split or expand", () => {
        expect(shellQuote("root@10.0.0.1")).to.equal("root@10.0.0.1");
        expect(shellQuote("a b'c")).to.equal(`'a b'\\''c'`);
        expect(execFileSync("/bin/sh", ["-c", `printf %s ${shellQuote("$x `y` 'z'")}`], { encoding: "utf8" })).to.equal("$x `y` 'z'");
    });
});

describe("exec/ssh: dial errors", () => {
    const dial = (stderr: string, code = 255, stdout = "") => isDialError({ code, stdout, stderr });

    it("classifies ssh's connection failures as dial errors", () => {
        for (const e of [
            "ssh: connect to host 10.0.15.11 port 22: Connection refused",
            "ssh: connect to host 10.0.15.11 port 22: Connection timed out",
            "ssh: connect to host 10.0.15.11 port 22: No route to host",
            "kex_exchange_identification: read: Connection reset by peer",
            "kex_exchange_identification: Connection closed by remote host",
            "Connection closed by 10.0.15.11 port 22",
            "Connection timed out during banner exchange",
            "ssh: Could not resolve hostname node9: Name or service not known",
            "root@10.0.15.11: Permission denied (publickey).",
        ])
            expect(dial(e), e).to.equal(true);
    });

    it("does not count the command's own failures, nor other ssh errors", () => {
        expect(dial("Connection refused", 1)).to.equal(false); // exit code of the command
        expect(dial("curl: (7) Failed to connect: Connection refused", 255, "partial output")).to.equal(false);
        expect(dial("Host key verification failed.")).to.equal(false);
        expect(dial("")).to.equal(false);
    });
});

describe("exec/ssh: runSsh (with a stand-in ssh program)", () => {
    let ssh: FakeSsh;
    beforeEach(() => (ssh = fakeSsh()));
    afterEach(() => ssh.cleanup());
    const conn = (extra: Partial<Connection> = {}): Connection => ({ host: "10.0.15.11", privateKey: KEY, ...extra });

    it("runs the command with env and stdin; no secret on the command line; temp files removed", async () => {
        const r = await runSsh(conn({ password: "pw-s3cret" }), {
            command: 'echo "token=$TOKEN"; cat',
            env: { TOKEN: "env-s3cret" },
            stdin: "stdin-s3cret\n",
            sshProgram: ssh.program,
        });
        expect([r.code, r.stdout, r.attempts]).to.deep.equal([0, "token=env-s3cret\nstdin-s3cret\n", 1]);
        const argv = ssh.lastArgs().join("\n");
        for (const secret of ["SECRETKEYMATERIAL", "pw-s3cret", "env-s3cret", "stdin-s3cret", "token="]) expect(argv).to.not.include(secret);
        expect(ssh.lastEnv().EXEC_SSH_PASSWORD_T).to.equal("pw-s3cret");
        const keyFile = ssh.lastArgs()[ssh.lastArgs().indexOf("-i") + 1];
        expect(fs.existsSync(path.dirname(keyFile))).to.equal(false);
    });

    it("returns a failing command's exit code without retrying", async () => {
        const r = await runSsh(conn(), { command: "echo nope >&2; exit 255", sshProgram: ssh.program, pauseMs: 1 });
        expect([r.code, r.stderr, ssh.calls()]).to.deep.equal([255, "nope\n", 1]);
    });

    it("dials again after dial errors, up to dialErrorLimit", async () => {
        ssh.failNext(2);
        const r = await runSsh(conn({ dialErrorLimit: 3 }), { command: "echo up", sshProgram: ssh.program, pauseMs: 1 });
        expect([r.stdout, r.attempts, ssh.calls()]).to.deep.equal(["up\n", 3, 3]);
    });

    it("gives up after dialErrorLimit attempts, naming the host and the attempts", async () => {
        ssh.failNext(100);
        const err = await runSsh(conn({ dialErrorLimit: 4 }), { command: "echo up", sshProgram: ssh.program, pauseMs: 1 }).catch((e) => e);
        expect(err).to.be.instanceOf(DialError);
        expect(err.message).to.match(
            new RegExp(
                /could not connect to root@10\.0\.15\.11:22 over SSH: dialed 4 times over \d+ s \(dialErrorLimit 4\); last error: ssh: connect to /.source +
                    /host 10\.0\.15\.11 port 22: Connection refused/.source,
            ),
        );
        expect(err.message).to.not.include("SECRETKEYMATERIAL");
        expect(ssh.calls()).to.equal(4);
    });

    it("the default limit is 10 attempts", async () => {
        ssh.failNext(100);
        const err = await runSsh(conn(), { command: "true", sshProgram: ssh.program, pauseMs: 1 }).catch((e) => e);
        expect(err.attempts).to.equal(10);
    });

    const MISMATCH = [
        "@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@",
        "@    WARNING: REMOTE HOST IDENTIFICATION HAS CHANGED!     @",
        "@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@",
        "IT IS POSSIBLE THAT SOMEONE IS DOING SOMETHING NASTY!",
        "The fingerprint for the ED25519 key sent by the remote host is",
        "SHA256:Xw3oNotTheRightKeyAtAll0000000000000000000.",
        "Host key for 10.0.15.11 has changed and you have requested strict checking.",
        "Host key verification failed.",
    ].join("\n");

    it("a host that presents another key than the pinned hostKey fails at once, with an error that says so", async () => {
        ssh.failNext(5, MISMATCH);
        const err = await runSsh(conn({ hostKey: HOST_KEY, dialErrorLimit: -1, dialTimeout: 30 }), {
            command: "true",
            sshProgram: ssh.program,
            pauseMs: 1,
        }).catch((e) => e);
        expect(err).to.be.instanceOf(HostKeyError);
        expect(ssh.calls(), "never dialed again: a wrong key is no boot delay").to.equal(1);
        expect(err.message).to.include("root@10.0.15.11:22");
        expect(err.message).to.include("did not present the pinned host key");
        expect(err.message).to.include(HOST_KEY.slice(0, 30));
        expect(err.message).to.include("SHA256:Xw3oNotTheRightKeyAtAll");
        expect(err.message).to.not.include("SECRETKEYMATERIAL");
    });

    it("a jump host with the wrong key fails the same way, though the outer ssh reports a closed connection", async () => {
        ssh.failNext(5, `${MISMATCH}\nkex_exchange_identification: Connection closed by remote host\nConnection closed by UNKNOWN port 65535`);
        const c = conn({ hostKey: HOST_KEY, proxy: { host: "203.0.113.10", user: "jump", hostKey: HOST_KEY } });
        const err = await runSsh(c, { command: "true", sshProgram: ssh.program, pauseMs: 1 }).catch((e) => e);
        expect(err).to.be.instanceOf(HostKeyError);
        expect(ssh.calls()).to.equal(1);
        expect(err.message).to.include("(via jump@203.0.113.10:22)");
    });

    it("dialErrorLimit -1 dials until dialTimeout has passed", async () => {
        ssh.failNext(1000, "kex_exchange_identification: Connection closed by remote host");
        const t0 = Date.now();
        const err = await runSsh(conn({ dialErrorLimit: -1, dialTimeout: 1, proxy: { host: "203.0.113.10", user: "jump" } }), {
            command: "true",
            sshProgram: ssh.program,
            pauseMs: 100,
        }).catch((e) => e);
        const took = Date.now() - t0;
        expect(err).to.be.instanceOf(DialError);
        expect(took).to.be.within(800, 5000);
        expect(err.attempts).to.be.at.least(2);
        expect(err.message).to.include("root@10.0.15.11:22 (via jump@203.0.113.10:22)");
        expect(err.message).to.include("(dialTimeout 1 s)");
    });
});
