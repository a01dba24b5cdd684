// Vagrant machines as Pulumi resources (there is no Pulumi Vagrant provider): a rendered
// Vagrantfile, `vagrant up`/`reload`/`destroy` through @pulumi/command, `vagrant ssh-config` parsed.
export { renderVagrantfile, checkSpec, rubyString, VagrantfileSpec, VagrantMachineSpec, VagrantProvider } from "./vagrantfile";
export { parseSshConfig, parseSshConfigOutput, sshConfigScript, SshConfig, IDENTITY_MARK } from "./ssh-config";
export {
    VagrantMachines,
    VagrantMachinesArgs,
    VagrantMachinesSpec,
    VagrantMachineOutputs,
    VagrantFile,
    filesPayload,
    writeFilesScript,
    removeFilesScript,
} from "./machines";
