export * from "./ops";
export { renderScript, sha256, q, STEP_RESULT } from "./script";
export { asRoot, onRemoval, RemovalArgs, RUN_STDIN_AS_ROOT } from "./removal";
export { hostStep, HostSteps, StepOptions, stepPayload } from "./step";
export { HostPackages, HostPackagesArgs } from "./packages";
