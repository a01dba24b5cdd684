import { expect } from "chai";
import { execFileSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import * as pulumi from "@pulumi/pulumi";
import { filesPayload, IDENTITY_MARK, removeFilesScript, VagrantMachines, VagrantMachinesSpec, writeFilesScript } from "../index";
import { mocks } from "../../../tests/support/setup";
import { isSecret, settle, valueOf } from "../../../tests/support/outputs";

const spec: VagrantMachinesSpec = {
    box: "bento/ubuntu-24.04",
    boxVersion: "202510.26.0",
    provider: "virtualbox",
    authorizedKeys: [pulumi.output("ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIFAKE k")],
    machines: [
        { name: "a", ip: "10.0.15.10", memory: 1024, cpus: 1 },
        { name: "b", ip: "10.0.15.11", memory: 2048, cpus: 2 },
    ],
};

function sshMocks(): void {
    mocks.onResource("command:local:Command", (args) => {
        const m = /-(\w+)-ssh-config$/.exec(args.name);
        return m
            ? { stdout: `Host ${m[1]}\n  HostName 127.0.0.1\n  User vagrant\n  Port 2222\n  IdentityFile /k\n${IDENTITY_MARK}\nKEY-${m[1]}\n`, stderr: "" }
            : { stdout: "", stderr: "" };
    });
}

describe("VagrantMachines (under mocks)", () => {
    it("per machine: its files, `vagrant up` in its own directory, then ssh-config; machines one after another", async () => {
        sshMocks();
        const seen = new Map<string, pulumi.ResourceOptions>();
        const vm = new VagrantMachines("lab", { dir: "/srv/vagrant", spec }, { transformations: [(a) => (seen.set(a.name, a.opts), undefined)] });
        await settle();
        expect(mocks.byType("command:local:Command").map((r) => r.name)).to.have.members([
            "lab-a-files",
            "lab-a",
            "lab-a-ssh-config",
            "lab-b-files",
            "lab-b",
            "lab-b-ssh-config",
        ]);
        const b = mocks.named("lab-b").inputs;
        expect(b).to.deep.include({
            dir: "/srv/vagrant/b",
            create: "vagrant up --provider=virtualbox b",
            update: "vagrant reload --provision b",
            delete: "vagrant destroy -f b",
            addPreviousOutputInEnv: false,
        });
        expect(b.environment.VAGRANT_SHIM_MACHINE_SHA256).to.match(/^[0-9a-f]{64}$/);
        const deps = seen.get("lab-b")!.dependsOn as pulumi.Resource[];
        expect(deps).to.have.length(2); // its files, and the machine before it
        expect(deps[1]).to.equal(vm.machines.a.up);
        expect(seen.get("lab-a")!.dependsOn).to.have.length(1);
        expect(seen.get("lab-b")!.customTimeouts).to.deep.equal({ create: "30m", update: "30m", delete: "10m" });
        expect(mocks.named("lab-b-files").inputs.create).to.equal(writeFilesScript("/srv/vagrant/b"));
        expect(mocks.named("lab-b-files").inputs.delete).to.contain('rm -rf "$d/.vagrant"');
        expect(await valueOf(vm.machines.b.sshConfig)).to.deep.equal({ host: "b", hostName: "127.0.0.1", port: 2222, user: "vagrant", identityFile: "/k" });
        expect(await valueOf(vm.machines.b.connection)).to.deep.equal({ host: "127.0.0.1", port: 2222, user: "vagrant", privateKey: "KEY-b\n" });
        expect(await isSecret(vm.machines.b.connection)).to.equal(true);
        expect(await isSecret(vm.machines.b.identity)).to.equal(true);
    });

    it("a change to one machine's size touches that machine only; a box change is a replacement of every machine", async () => {
        const run = async (s: VagrantMachinesSpec) => {
            mocks.reset();
            sshMocks();
            new VagrantMachines("lab", { dir: "/srv/vagrant", spec: s });
            await settle();
            return Object.fromEntries(mocks.resources.map((r) => [r.name, JSON.stringify(r.inputs)]));
        };
        const before = await run(spec);
        const bigger = await run({ ...spec, machines: [spec.machines[0], { ...spec.machines[1], memory: 4096 }] });
        expect(
            Object.keys(before)
                .filter((n) => before[n] !== bigger[n])
                .sort(),
        ).to.deep.equal(["lab-b", "lab-b-files", "lab-b-ssh-config"]);
        expect(JSON.parse(bigger["lab-b"]).triggers).to.deep.equal(JSON.parse(before["lab-b"]).triggers);
        const newBox = await run({ ...spec, boxVersion: "202602.01.0" });
        for (const m of ["lab-a", "lab-b"]) expect(JSON.parse(newBox[m]).triggers).to.not.deep.equal(JSON.parse(before[m]).triggers);
    });

    it("a file for one machine lands in that machine's directory only", async () => {
        sshMocks();
        new VagrantMachines("lab", {
            dir: "/srv/vagrant",
            spec,
            files: [
                { name: "shared", content: "S" },
                { name: "own", content: "A", machine: "a" },
                { name: "own", content: "B", machine: "b" },
            ],
        });
        await settle();
        const written = (m: string) =>
            String(mocks.named(`lab-${m}-files`).inputs.stdin)
                .trim()
                .split("\n")
                .slice(1)
                .map((l) => [l.split(" ")[0], Buffer.from(l.split(" ")[2], "base64").toString()]);
        expect(written("a")).to.deep.equal([
            ["shared", "S"],
            ["own", "A"],
        ]);
        expect(written("b")).to.deep.equal([
            ["shared", "S"],
            ["own", "B"],
        ]);
        expect(() => new VagrantMachines("x", { dir: "/tmp/ab", spec, files: [{ name: "own", content: "k", machine: "c" }] })).to.throw(
            /files\[own\]\.machine: expected one of the machines, got "c"/,
        );
    });

    it("refuses unsafe directories and file names before creating anything", () => {
        expect(() => new VagrantMachines("x", { dir: "/tmp/a b", spec })).to.throw(/dir: expected a path without spaces/);
        expect(() => new VagrantMachines("x", { dir: "/tmp/ab", spec, files: [{ name: "../key", content: "k" }] })).to.throw(
            /files: expected a plain file name/,
        );
        expect(() => new VagrantMachines("x", { dir: "/tmp/ab", spec, files: [{ name: "key", content: "k", mode: "777x" }] })).to.throw(
            /files\[key\]\.mode: expected an octal mode/,
        );
        expect(mocks.resources).to.have.length(0);
    });
});

describe("VagrantMachines file scripts (run here)", () => {
    it("writes each file whole with its mode, any content, and removes only what it wrote", () => {
        const root = fs.mkdtempSync(path.join(os.tmpdir(), "vagrant-files-"));
        try {
            const dir = path.join(root, "node1");
            const payload = filesPayload([
                { name: "Vagrantfile", mode: "0644", content: 'Vagrant.configure("2") do |c|\nend\n' },
                { name: "stack_key", mode: "0600", content: "line one\n  'quoted' $HOME `x`\n" },
            ]);
            execFileSync("bash", ["-c", writeFilesScript(dir)], { input: payload });
            expect(fs.readFileSync(path.join(dir, "stack_key"), "utf8")).to.equal("line one\n  'quoted' $HOME `x`\n");
            expect(fs.statSync(path.join(dir, "stack_key")).mode & 0o777).to.equal(0o600);
            expect(fs.statSync(path.join(dir, "Vagrantfile")).mode & 0o777).to.equal(0o644);
            // A second write (update) replaces the content.
            execFileSync("bash", ["-c", writeFilesScript(dir)], { input: filesPayload([{ name: "Vagrantfile", mode: "0644", content: "new\n" }]) });
            expect(fs.readFileSync(path.join(dir, "Vagrantfile"), "utf8")).to.equal("new\n");
            fs.mkdirSync(path.join(dir, ".vagrant", "machines"), { recursive: true });
            fs.writeFileSync(path.join(root, "other"), "kept");
            execFileSync("bash", ["-c", removeFilesScript(dir, ["Vagrantfile", "stack_key"])]);
            expect(fs.existsSync(dir)).to.equal(false);
            expect(fs.readFileSync(path.join(root, "other"), "utf8")).to.equal("kept");
            // Removing again (already gone) succeeds.
            execFileSync("bash", ["-c", removeFilesScript(dir, ["Vagrantfile"])]);
        } finally {
            fs.rmSync(root, { recursive: true, force: true });
        }
    });
});
