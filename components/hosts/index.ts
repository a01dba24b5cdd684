// The host targets: each makes the same Host shape (./host.ts), so no component knows where its
// hosts come from. VagrantHosts (./vagrant/hosts, @pulumi/vagrant-shim) and AwsHosts (./aws/hosts,
// @pulumi/aws) are not re-exported here: their dependencies load only where they are imported
// (the package entries microservice-platform/vagrant and microservice-platform/aws).
export { LocalHosts, LocalHostsArgs } from "./local/hosts";
// What each target offers the layers above (plain constants: no target's dependencies load).
export { HostTarget, appsEntryEnabled } from "./target";
export { LOCAL_TARGET } from "./local/target";
export { VAGRANT_TARGET } from "./vagrant/target";
export { AWS_TARGET } from "./aws/target";
export { EXISTING_TARGET } from "./existing/target";
export { ExistingHosts, ExistingHostsArgs } from "./existing/hosts";
export { StackSshKey, StackSshKeyArgs } from "./ssh-key";
export { waitForSsh, readyScript } from "./ready";
export { hostSpecSchema, hostListSchema, HostSpec, HostSpecInput, toHost, sshCommand } from "./spec";
export { AUTHORIZED_KEYS_PATH, MACHINE_RUN, NODE_IMAGE_DIR, dockerRunFlags } from "./local/machine";
