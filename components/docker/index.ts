export { DockerEngine, DockerEngineArgs, dockerEnginePackages } from "./engine";
export { DockerRegistry, DockerRegistryArgs, dockerRegistryPackages } from "./registry";
export * as dockerScripts from "./scripts";
