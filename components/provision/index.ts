export * from "./ops";
export { renderScript, sha256, q, STEP_RESULT } from "./script";
export { hostStep, HostSteps, StepOptions, stepPayload } from "./step";
