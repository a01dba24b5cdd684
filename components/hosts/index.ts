// The host targets: each makes the same Host shape (./host.ts), so no component knows where its
// hosts come from.
export { LocalHosts, LocalHostsArgs } from "./local/hosts";
export { VagrantHosts, VagrantHostsArgs } from "./vagrant/hosts";
export { AwsHosts, AwsHostsArgs } from "./aws/hosts";
export { ExistingHosts, ExistingHostsArgs } from "./existing/hosts";
export { StackSshKey, StackSshKeyArgs } from "./ssh-key";
export { waitForSsh, readyScript } from "./ready";
export { hostSpecSchema, hostListSchema, HostSpec, HostSpecInput, toHost, sshCommand } from "./spec";
export { AUTHORIZED_KEYS_PATH, MACHINE_RUN, NODE_IMAGE_DIR, dockerRunFlags } from "./local/machine";
