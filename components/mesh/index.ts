export { WeaveMesh, WeaveMeshArgs } from "./weave/mesh";
export { OverlayMesh, OverlayMeshArgs, chooseManager } from "./overlay/mesh";
export { createContainerNetwork, ContainerNetworkArgs, MeshComponent, containerNetworkPackages } from "./factory";
export * from "./settings";
export * as weaveRender from "./weave/ops";
export * as overlayRender from "./overlay/ops";
