/** The lab harness: hosts as containers, and programs carried out on them for real (docs/lab.md). */
export { Lab, LabHost } from "./lab";
export { LabRun } from "./run";
export { LabStep, LabFailure, ResourceHook } from "./executor";
export { expectedFailuresOnly, stepsOn, describeFailures } from "./expect";
export { LabNames, DEFAULT_HOSTS } from "./topology";
