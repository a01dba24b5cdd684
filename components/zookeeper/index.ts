export { ZooKeeperEnsemble, ZooKeeperEnsembleArgs } from "./ensemble";
export * from "./settings";
export * as zookeeperScripts from "./ops";
export { ZOOKEEPER_PACKAGES } from "./ops";
