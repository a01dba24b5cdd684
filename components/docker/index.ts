export { DockerEngine, DockerEngineArgs, dockerEnginePackages } from "./engine";
export { DockerRegistry, DockerRegistryArgs, dockerRegistryPackages } from "./registry";
export * from "./settings";
export * as dockerScripts from "./ops";
