/**
 * `microservice-platform/vagrant`: the vagrant host target. Kept out of the main entry so that only
 * stacks that import this entry load @pulumi/vagrant-shim (bundled with this package) and its peer
 * dependency @pulumi/command.
 *
 * @module microservice-platform/vagrant
 */
export { VagrantHosts, VagrantHostsArgs } from "./hosts/vagrant/hosts";
