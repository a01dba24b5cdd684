import { expect } from "chai";
import {
    absent,
    assertThat,
    directory,
    emit,
    exec,
    file,
    image,
    masked,
    packages,
    remember,
    renderScript,
    service,
    STEP_RESULT,
    systemUser,
    unit,
    waitFor,
    q,
} from "../../../components/provision";
import { expectGolden } from "./golden";

const everyOp = [
    packages("docker.io", "curl"),
    directory("/etc/demo", { mode: "0750", owner: "root", group: "adm" }),
    file("/etc/demo/demo.conf", "a=1\nb='two'\n", { mode: "0640", owner: "root", group: "adm", tag: "demo-config" }),
    file("/etc/demo/raw.bin", "no trailing newline"),
    absent("/etc/demo/old.conf", "demo-config"),
    unit("demo.service", "[Service]\nExecStart=/usr/bin/demo\n"),
    service("demo", ["demo-config"]),
    exec("make token", "test -s /etc/demo/token", "head -c 16 /dev/urandom | base64 >/etc/demo/token", "token"),
    waitFor("demo answers", "curl -fsS http://127.0.0.1:1234/health", 30, "demo did not become healthy"),
    emit("cat /etc/demo/demo.conf"),
    remember("DEMO_SERVED", "demo served before", "curl -fsS http://127.0.0.1:1234/health"),
    masked("demo-legacy.service", "dpkg-query -W demo-legacy"),
    systemUser("demo", { home: "/var/lib/demo", shell: "/bin/sh" }),
    image(`demo/demo@sha256:${"a".repeat(64)}`, "demo/demo:1.0"),
    assertThat("cgroup v1", "grep -q cgroup /proc/mounts", "no cgroup v1"),
];

describe("step scripts (renderScript)", () => {
    it("renders every op kind exactly as the golden script", () => {
        expectGolden(__dirname, "every-op.sh", renderScript("node1", "demo", everyOp));
    });

    it("runs all ops inside one function whose stdin is /dev/null and whose stdout is stderr", () => {
        const s = renderScript("node1", "demo", everyOp);
        expect(s.startsWith("#!/bin/bash\n")).to.equal(true);
        expect(s.indexOf("\nset -euo pipefail\n")).to.be.greaterThan(0).and.lessThan(s.indexOf("() {"));
        expect(s).to.contain("__step='node1/demo'\n__main() {\n");
        expect(s.trimEnd().split("\n").slice(-2)).to.deep.equal(["}", "__main </dev/null 3>&1 1>&2; exit $?"]);
    });

    it("passes file content on stdin (quoted heredoc, or base64 without a final newline), never as an argument", () => {
        const s = renderScript("h", "s", [file("/x", "p=$HOME `id`\n"), file("/y", "abc")]);
        expect(s).to.match(/ensure_file '\/x' '0644' 'root' 'root' '\/x' <<'__EOF_[0-9a-f]{12}__'\np=\$HOME `id`\n__EOF_[0-9a-f]{12}__/);
        expect(s).to.contain(`ensure_file '/y' '0644' 'root' 'root' '/y' < <(printf '%s' 'YWJj' | base64 -d)`);
    });

    it("renders each op kind as its prelude call", () => {
        const line = (op: Parameters<typeof renderScript>[2][number]) => renderScript("h", "s", [op]).split("__main() {\n")[1].split("\n__finish")[0];
        expect(line(packages("a", "b"))).to.equal("ensure_packages 'a' 'b'");
        expect(line(directory("/d"))).to.equal("ensure_dir '/d' '0755' 'root' 'root'");
        expect(line(directory("/d", { owner: "zookeeper" }))).to.equal("ensure_dir '/d' '0755' 'zookeeper' 'zookeeper'");
        expect(line(absent("/f"))).to.equal("ensure_absent '/f' '/f'");
        expect(line(unit("x.timer", "[Timer]\n"))).to.match(/^ensure_file '\/etc\/systemd\/system\/x.timer' 0644 root root 'unit:x.timer' <</);
        expect(line(service("x"))).to.equal("ensure_service 'x' 1");
        expect(line(service("x", ["a", "b"], false))).to.equal("ensure_service 'x' 0 'a' 'b'");
        expect(line(exec("d", "u", "r"))).to.equal("ensure_exec 'd' 'u' 'r' 'd'");
        expect(line(waitFor("d", "c", 12.7, "m"))).to.equal("wait_for 'd' 12 'c' 'm'");
        expect(line(emit("echo hi"))).to.equal("{\necho hi\n} >&3");
        expect(line(masked("x.service"))).to.equal("ensure_masked 'x.service'");
        expect(line(masked("x.service", "test -e /x"))).to.equal("ensure_masked 'x.service' 'test -e /x'");
        expect(line(systemUser("u", { home: "/h" }))).to.equal("ensure_user 'u' '/h' '/usr/sbin/nologin'");
        expect(line(image("r@sha256:1", "r:1", "r:latest"))).to.equal("ensure_image 'r@sha256:1' 'r:1' 'r:latest'");
        expect(line(image("r@sha256:1"))).to.equal("ensure_image 'r@sha256:1'");
        expect(line(assertThat("d", "c", "m"))).to.equal("assert_that 'd' 'c' 'm'");
    });

    it("serializes steps on a lock only root can create or hold (not world-writable /run/lock)", () => {
        const script = renderScript("node1", "x", []);
        const lock = /exec 9>"\$\{MICROSERVICE_STEP_LOCK:-([^}]+)\}"/.exec(script)?.[1];
        expect(lock).to.equal("/run/microservice/steps.lock");
        // Its directory is made root's, mode 0700, before the lock is opened (/run itself is root's 0755).
        const mk = script.indexOf("install -d -m 0700 -o root -g root /run/microservice");
        expect(mk).to.be.greaterThan(-1).and.lessThan(script.indexOf("exec 9>"));
        expect(script).not.to.match(/\/(var\/)?(run\/)?lock\//);
    });

    it("quotes any string for bash", () => {
        expect(q("it's")).to.equal(`'it'\\''s'`);
    });

    it("parses the result line", () => {
        expect(STEP_RESULT.exec("x\nSTEP node1/demo: changed (/etc/a,restarted demo)\n")!.slice(1)).to.deep.equal([
            "node1/demo",
            "changed",
            "/etc/a,restarted demo",
        ]);
        expect(STEP_RESULT.exec("STEP node1/demo: unchanged")!.slice(1, 3)).to.deep.equal(["node1/demo", "unchanged"]);
    });
});
