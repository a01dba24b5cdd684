export { MarathonApp, MarathonAppArgs, MarathonAccessArgs, MARATHON_APP_TYPE, definitionOf, marathonAccess } from "./app";
export {
    AppSpec,
    Constraint,
    HealthCheckSpec,
    MarathonDefinition,
    NetworkSpec,
    PortMappingSpec,
    UpgradeStrategySpec,
    VolumeSpec,
    appSpecSchema,
    toDefinition,
} from "./definition";
export { definitionErrors, validateDefinition, ErrorFilter } from "./schema";
export { normalize, diffDefinitions, fromServer, DefinitionDiff } from "./normalize";
export { MarathonAccess, JumpHost, Timing, DEFAULT_TIMING } from "./client";
export * as marathonClient from "./client";
export { openTunnel, withMarathon, sshArgs, Tunnel } from "./tunnel";
export {
    marathonProvider,
    providerImpl,
    AppInputs,
    AppOutputs,
    AppDiff,
    PartialFailure,
    checkInputs,
    diffInputs,
    createApp,
    readApp,
    updateApp,
    deleteAppAndWait,
    sameDefinition,
} from "./provider";
