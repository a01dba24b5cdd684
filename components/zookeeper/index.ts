export { ZooKeeperEnsemble, ZooKeeperEnsembleArgs } from "./ensemble";
export * from "./settings";
export * as zookeeperScripts from "./scripts";
export { ZOOKEEPER_PACKAGES } from "./scripts";
