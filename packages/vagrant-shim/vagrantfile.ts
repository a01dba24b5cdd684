/**
 * Renders a Vagrantfile from a plain description. Pure: same spec, same text (the text's hash is
 * what decides whether machines are touched).
 */

export type VagrantProvider = "virtualbox" | "libvirt" | "docker";

export interface VagrantMachineSpec {
    /** Vagrant machine name and guest hostname. */
    name: string;
    /** Address on the private network (host-only on VirtualBox). */
    ip: string;
    /** Netmask of the private network, e.g. 24 or "255.255.255.0" (default 24). */
    netmask?: string | number;
    /** MB (virtualbox, libvirt). */
    memory?: number;
    cpus?: number;
}

export interface VagrantfileSpec {
    /** Box and pinned version (ignored by the docker provider). */
    box?: string;
    boxVersion?: string;
    /**
     * Where the box is downloaded from (a .box file; `box` is then the name it is kept under and
     * boxVersion does not apply: a box added from a URL has no catalog version). Needs boxChecksum.
     */
    boxUrl?: string;
    /** sha256 (64 hex digits) of the box file: Vagrant refuses a download that does not match. */
    boxChecksum?: string;
    provider: VagrantProvider;
    machines: VagrantMachineSpec[];
    /** Public keys authorized for root at provisioning (a shell provisioner, idempotent). */
    authorizedKeys?: string[];
    /** How Vagrant itself logs in (default: the box's user with a key Vagrant inserts). A path starting with ./ is relative to the Vagrantfile. */
    ssh?: { username?: string; privateKeyPath?: string; insertKey?: boolean };
    /**
     * docker provider: image that runs sshd, extra `docker run` arguments, volumes
     * (host:container[:ro]; a host path starting with ./ is relative to the Vagrantfile).
     */
    docker?: { image: string; createArgs?: string[]; volumes?: string[] };
    /**
     * The machine's own ed25519 host key: a file beside the Vagrantfile (its public line in `<file>.pub`),
     * which becomes /etc/ssh/ssh_host_ed25519_key. docker provider: mounted before sshd starts.
     * VMs: installed by a provisioner (over Vagrant's own connection) before anyone else connects;
     * the box's other host keys are removed, so the machine has exactly that identity.
     */
    hostKeyFile?: string;
}

/** Where sshd reads the ed25519 host key. */
export const HOST_KEY_PATH = "/etc/ssh/ssh_host_ed25519_key";
/** The ssh user's private drop directory for the key on its way to HOST_KEY_PATH (VMs). */
const HOST_KEY_DROP = "/tmp/vagrant-shim-host-key";
/** Where the authorized-keys provisioner adds the stack's keys. */
const ROOT_KEYS = "/root/.ssh/authorized_keys";

/** A single-quoted Ruby string literal. */
export function rubyString(s: string): string {
    return `'${s.replace(/\\/g, "\\\\").replace(/'/g, "\\'")}'`;
}

function rubyArray(items: readonly string[]): string {
    return `[${items.map(rubyString).join(", ")}]`;
}

/** A path; one starting with "./" is relative to the Vagrantfile's own directory (Ruby's __dir__). */
export function rubyPath(p: string): string {
    return p.startsWith("./") ? `File.join(__dir__, ${rubyString(p.slice(2))})` : rubyString(p);
}

const NAME = /^[a-z][a-z0-9-]{0,62}$/;
const IPV4 = /^(25[0-5]|2[0-4]\d|1?\d?\d)(\.(25[0-5]|2[0-4]\d|1?\d?\d)){3}$/;
const PUBLIC_KEY = /^(ssh-ed25519|ssh-rsa|ecdsa-sha2-nistp\d+) [A-Za-z0-9+/=]+( [^\n']*)?$/;

/** Refuses what would render a broken or unsafe Vagrantfile, naming the field. */
export function checkSpec(spec: VagrantfileSpec): void {
    const fail = (key: string, value: unknown, expected: string) => {
        throw new Error(`Vagrantfile spec: ${key}: expected ${expected}, got ${JSON.stringify(value)}`);
    };
    if (!["virtualbox", "libvirt", "docker"].includes(spec.provider)) fail("provider", spec.provider, "virtualbox, libvirt or docker");
    if (spec.provider === "docker" ? !spec.docker?.image : !spec.box) {
        fail(
            spec.provider === "docker" ? "docker.image" : "box",
            spec.provider === "docker" ? spec.docker?.image : spec.box,
            spec.provider === "docker" ? "an image for the docker provider" : "a box name",
        );
    }
    if (spec.boxUrl !== undefined && !/^(https|file):\/\/[^\s'"\\]+$/.test(spec.boxUrl))
        fail("boxUrl", spec.boxUrl, "an https:// or file:// URL of a .box file");
    if (spec.boxUrl !== undefined && spec.boxChecksum === undefined) fail("boxChecksum", spec.boxChecksum, "the box file's sha256 when boxUrl is given");
    if (spec.boxChecksum !== undefined && !/^[0-9a-f]{64}$/.test(spec.boxChecksum))
        fail("boxChecksum", spec.boxChecksum, "a sha256 of 64 lowercase hex digits");
    if (spec.machines.length === 0) fail("machines", spec.machines, "at least one machine");
    const seen = new Set<string>();
    spec.machines.forEach((m, i) => {
        if (!NAME.test(m.name)) fail(`machines[${i}].name`, m.name, "a lowercase host name");
        if (seen.has(m.name)) fail(`machines[${i}].name`, m.name, "a unique name");
        seen.add(m.name);
        if (!IPV4.test(m.ip)) fail(`machines[${i}].ip`, m.ip, "an IPv4 address");
        if (m.memory !== undefined && !(Number.isInteger(m.memory) && m.memory >= 256))
            fail(`machines[${i}].memory`, m.memory, "MB, an integer of at least 256");
        if (m.cpus !== undefined && !(Number.isInteger(m.cpus) && m.cpus >= 1)) fail(`machines[${i}].cpus`, m.cpus, "an integer of at least 1");
    });
    (spec.authorizedKeys ?? []).forEach((k, i) => {
        if (!PUBLIC_KEY.test(k.trim())) fail(`authorizedKeys[${i}]`, k, "one OpenSSH public key line");
    });
    if (spec.hostKeyFile !== undefined && !/^[A-Za-z0-9_-][A-Za-z0-9._-]{0,63}$/.test(spec.hostKeyFile))
        fail("hostKeyFile", spec.hostKeyFile, "a plain file name beside the Vagrantfile");
}

/** VMs: the host key goes through a drop directory only the ssh user can read, then into place as root. */
function hostKeyProvisioners(file: string): string[] {
    const makeDrop = rubyString(`set -eu; rm -rf ${HOST_KEY_DROP}; mkdir -m 0700 ${HOST_KEY_DROP}`);
    return [
        `  config.vm.provision "shell", name: "host-key-drop", privileged: false, inline: ${makeDrop}`,
        `  config.vm.provision "file", source: ${rubyPath(`./${file}`)}, destination: ${rubyString(`${HOST_KEY_DROP}/key`)}`,
        `  config.vm.provision "shell", name: "host-key", inline: <<~'SHELL'`,
        "    set -eu",
        `    d=${HOST_KEY_DROP}`,
        `    install -m 0600 -o root -g root "$d/key" ${HOST_KEY_PATH}`,
        `    ssh-keygen -y -f ${HOST_KEY_PATH} > ${HOST_KEY_PATH}.pub`,
        `    chmod 0644 ${HOST_KEY_PATH}.pub`,
        '    rm -rf "$d"',
        "    rm -f /etc/ssh/ssh_host_rsa_key /etc/ssh/ssh_host_rsa_key.pub /etc/ssh/ssh_host_ecdsa_key /etc/ssh/ssh_host_ecdsa_key.pub",
        "    systemctl try-restart ssh.service 2>/dev/null || systemctl try-restart sshd.service 2>/dev/null || true",
        "  SHELL",
    ];
}

export function renderVagrantfile(spec: VagrantfileSpec): string {
    checkSpec(spec);
    const out: string[] = [
        "# Generated by @pulumi/vagrant-shim from the stack config: change the config, not this file.",
        'Vagrant.configure("2") do |config|',
    ];
    if (spec.provider !== "docker") {
        out.push(`  config.vm.box = ${rubyString(spec.box!)}`);
        if (spec.boxUrl) out.push(`  config.vm.box_url = ${rubyString(spec.boxUrl)}`);
        else if (spec.boxVersion) out.push(`  config.vm.box_version = ${rubyString(spec.boxVersion)}`);
        if (spec.boxChecksum) {
            out.push(`  config.vm.box_download_checksum = ${rubyString(spec.boxChecksum)}`);
            out.push(`  config.vm.box_download_checksum_type = "sha256"`);
        }
        out.push("  config.vm.box_check_update = false");
    }
    out.push('  config.vm.synced_folder ".", "/vagrant", disabled: true');
    if (spec.ssh?.username) out.push(`  config.ssh.username = ${rubyString(spec.ssh.username)}`);
    if (spec.ssh?.privateKeyPath) out.push(`  config.ssh.private_key_path = ${rubyPath(spec.ssh.privateKeyPath)}`);
    if (spec.ssh?.insertKey !== undefined) out.push(`  config.ssh.insert_key = ${spec.ssh.insertKey}`);
    const keys = (spec.authorizedKeys ?? []).map((k) => k.trim());
    if (keys.length > 0) {
        // Keys go in through the environment, so the script text stays fixed.
        out.push(
            `  config.vm.provision "shell", name: "authorized-keys", env: { "KEYS" => ${rubyString(keys.join("\n"))} }, inline: <<~'SHELL'`,
            "    set -eu",
            "    install -d -m 0700 /root/.ssh",
            `    touch ${ROOT_KEYS} && chmod 0600 ${ROOT_KEYS}`,
            `    printf '%s\\n' "$KEYS" | while IFS= read -r k; do grep -qxF "$k" ${ROOT_KEYS} || printf '%s\\n' "$k" >> ${ROOT_KEYS}; done`,
            "  SHELL",
        );
    }
    if (spec.hostKeyFile !== undefined && spec.provider !== "docker") out.push(...hostKeyProvisioners(spec.hostKeyFile));
    for (const m of spec.machines) {
        out.push(`  config.vm.define ${rubyString(m.name)} do |m|`);
        out.push(`    m.vm.hostname = ${rubyString(m.name)}`);
        out.push(`    m.vm.network "private_network", ip: ${rubyString(m.ip)}, netmask: ${rubyString(String(m.netmask ?? 24))}`);
        out.push(...providerBlock(spec, m));
        out.push("  end");
    }
    out.push("end", "");
    return out.join("\n");
}

function providerBlock(spec: VagrantfileSpec, m: VagrantMachineSpec): string[] {
    switch (spec.provider) {
        case "virtualbox":
            return [
                '    m.vm.provider "virtualbox" do |vb|',
                `      vb.name = ${rubyString(m.name)}`,
                ...(m.memory !== undefined ? [`      vb.memory = ${m.memory}`] : []),
                ...(m.cpus !== undefined ? [`      vb.cpus = ${m.cpus}`] : []),
                "    end",
            ];
        case "libvirt":
            return [
                '    m.vm.provider "libvirt" do |lv|',
                ...(m.memory !== undefined ? [`      lv.memory = ${m.memory}`] : []),
                ...(m.cpus !== undefined ? [`      lv.cpus = ${m.cpus}`] : []),
                "    end",
            ];
        case "docker": {
            // The host key is mounted read-only: in place before the container's sshd first starts.
            const volumes = [
                ...(spec.docker!.volumes ?? []),
                ...(spec.hostKeyFile !== undefined ? [`./${spec.hostKeyFile}:${HOST_KEY_PATH}:ro`, `./${spec.hostKeyFile}.pub:${HOST_KEY_PATH}.pub:ro`] : []),
            ];
            return [
                '    m.vm.provider "docker" do |d|',
                `      d.image = ${rubyString(spec.docker!.image)}`,
                "      d.has_ssh = true",
                "      d.remains_running = true",
                ...(volumes.length ? [`      d.volumes = [${volumes.map(rubyPath).join(", ")}]`] : []),
                ...(spec.docker!.createArgs?.length ? [`      d.create_args = ${rubyArray(spec.docker!.createArgs)}`] : []),
                "    end",
            ];
        }
    }
}
