export { DockerEngine, DockerEngineArgs } from "./engine";
export { DockerRegistry, DockerRegistryArgs } from "./registry";
export * as dockerScripts from "./scripts";
