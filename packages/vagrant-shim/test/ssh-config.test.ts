import { expect } from "chai";
import { execFileSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { IDENTITY_MARK, parseSshConfig, parseSshConfigOutput, sshConfigScript } from "../index";

// What `vagrant ssh-config node1` prints (VirtualBox, inserted key, a path with a space).
const SAMPLE = `Host node1
  HostName 127.0.0.1
  User vagrant
  Port 2200
  UserKnownHostsFile /dev/null
  StrictHostKeyChecking no
  PasswordAuthentication no
  IdentityFile "/home/me/my stack/.vagrant/machines/node1/virtualbox/private_key"
  IdentityFile /home/me/.vagrant.d/insecure_private_keys/vagrant.key.ed25519
  IdentitiesOnly yes
  LogLevel FATAL

Host node2
  HostName 10.0.15.12
  User root
`;

describe("vagrant ssh-config parsing", () => {
    it("reads host, address, port, user and the first identity file of every block", () => {
        expect(parseSshConfig(SAMPLE)).to.deep.equal([
            {
                host: "node1",
                hostName: "127.0.0.1",
                port: 2200,
                user: "vagrant",
                identityFile: "/home/me/my stack/.vagrant/machines/node1/virtualbox/private_key",
            },
            { host: "node2", hostName: "10.0.15.12", port: 22, user: "root" },
        ]);
    });

    it("fails clearly on output that is not a usable config", () => {
        expect(() => parseSshConfig("")).to.throw(/printed no Host block \(is the machine running\?\)/);
        expect(() => parseSshConfig("Host a\n  User x\n")).to.throw(/Host a has no HostName or User/);
        expect(() => parseSshConfig("Host a\n  HostName h\n  User x\n  Port 99999\n")).to.throw(/Host a: bad Port "99999"/);
    });

    it("the script prints the config and then the identity file, read by the script (never on a command line)", () => {
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "vagrant-shim-"));
        try {
            const keyDir = path.join(dir, "my stack");
            fs.mkdirSync(keyDir);
            const key = path.join(keyDir, "private_key");
            fs.writeFileSync(key, "-----BEGIN OPENSSH PRIVATE KEY-----\nSECRET\n-----END OPENSSH PRIVATE KEY-----\n", { mode: 0o600 });
            // A stand-in `vagrant` that answers ssh-config as Vagrant does, and logs its arguments.
            fs.writeFileSync(
                path.join(dir, "vagrant"),
                [
                    "#!/bin/sh",
                    `echo "$@" >> "${dir}/args"`,
                    '[ "$1" = ssh-config ] || exit 3',
                    `printf 'Host %s\\n  HostName 127.0.0.1\\n  User vagrant\\n  Port 2222\\n  IdentityFile "%s"\\n  IdentitiesOnly yes\\n' "$2" "${key}"`,
                    "",
                ].join("\n"),
                { mode: 0o755 },
            );
            const out = execFileSync("bash", ["-c", sshConfigScript("node3")], {
                env: { ...process.env, PATH: `${dir}:${process.env.PATH}` },
                encoding: "utf8",
            });
            expect(out).to.contain(IDENTITY_MARK);
            const parsed = parseSshConfigOutput(out);
            expect(parsed.config).to.deep.equal({ host: "node3", hostName: "127.0.0.1", port: 2222, user: "vagrant", identityFile: key });
            expect(parsed.privateKey).to.equal(fs.readFileSync(key, "utf8"));
            expect(fs.readFileSync(path.join(dir, "args"), "utf8")).to.equal("ssh-config node3\n");
            expect(sshConfigScript("node3")).to.not.contain("SECRET");
        } finally {
            fs.rmSync(dir, { recursive: true, force: true });
        }
    });

    it("a machine that is not up fails the script (no empty connection)", () => {
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "vagrant-shim-"));
        try {
            fs.writeFileSync(path.join(dir, "vagrant"), "#!/bin/sh\necho 'The machine is not created' >&2\nexit 1\n", { mode: 0o755 });
            expect(() =>
                execFileSync("bash", ["-c", sshConfigScript("node1")], { env: { ...process.env, PATH: `${dir}:${process.env.PATH}` }, stdio: "pipe" }),
            ).to.throw();
        } finally {
            fs.rmSync(dir, { recursive: true, force: true });
        }
        expect(() => sshConfigScript("node1; rm -rf /")).to.throw(/machine: expected a lowercase name/);
    });
});
