export { MesosCluster, MesosClusterArgs } from "./cluster";
export { mesosClusterPackages, MesosPackageSettings } from "./packages";
export * from "./settings";
export { quorum, agentAttributes, attributesFlag, slavetype, isAdditiveChange } from "./topology";
export { mirrored, splitPinned, byDigest } from "./images";
export * as mesosRender from "./render";
export * as mesosSteps from "./ops";
