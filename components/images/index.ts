export { AppImage, AppImageArgs } from "./image";
export { contextFiles, contextHash, contextTag } from "./context";
export { ImageSpec, buildOps, imageRef, registryApiScript, imagePruneScript, historyFile } from "./ops";
