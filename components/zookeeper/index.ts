export { ZooKeeperEnsemble, ZooKeeperEnsembleArgs } from "./ensemble";
export * as zookeeperScripts from "./scripts";
