export { ZooKeeperEnsemble, ZooKeeperEnsembleArgs } from "./ensemble";
export * as zookeeperScripts from "./scripts";
export { ZOOKEEPER_PACKAGES } from "./scripts";
