/**
 * Public API of the component library (`microservice-platform`). Other stacks import from here.
 * It loads no optional dependency: AwsHosts and FlockerEbsVolumes (@pulumi/aws) are in ./aws.ts
 * (`microservice-platform/aws`), VagrantHosts (@pulumi/vagrant-shim, @pulumi/command) in ./vagrant.ts
 * (`microservice-platform/vagrant`), and mocks for unit tests in ./testing.ts (`microservice-platform/testing`).
 *
 * @module microservice-platform
 */
export * from "./contracts";
export * from "./hosts/host";
export { readinessOn } from "./hosts/readiness";
export {
    LocalHosts,
    LocalHostsArgs,
    ExistingHosts,
    ExistingHostsArgs,
    StackSshKey,
    StackSshKeyArgs,
    waitForSsh,
    hostSpecSchema,
    hostListSchema,
    HostSpec,
    HostSpecInput,
    toHost,
    sshCommand,
    HostTarget,
    appsEntryEnabled,
    LOCAL_TARGET,
    VAGRANT_TARGET,
    AWS_TARGET,
    EXISTING_TARGET,
} from "./hosts";
// Types that public signatures use (a Host's connection, the commands hosts and steps are made of).
export { WaitForSshOptions } from "./hosts/ready";
export { ConnectionArgs, ConnectionInput, Connection as ResolvedConnection } from "./exec/connection";
export { RemoteCommand, RemoteCommandArgs, LocalCommand, LocalCommandArgs, CopyToRemote, CopyToRemoteArgs, Logging } from "./exec/command";
export * as provision from "./provision";
export { StackCa, StackCaArgs, ServerCertificate, ServerCertificateArgs, CertificateUsage, PKI_PACKAGES } from "./pki";
export {
    DockerEngine,
    DockerEngineArgs,
    DockerRegistry,
    DockerRegistryArgs,
    dockerEnginePackages,
    dockerRegistryPackages,
    dockerSettingsSchema,
    DockerSettings,
    DockerSettingsInput,
    registrySettingsSchema,
    RegistrySettings,
    RegistrySettingsInput,
} from "./docker";
export { ZooKeeperEnsemble, ZooKeeperEnsembleArgs, ZOOKEEPER_PACKAGES, zookeeperSettingsSchema, ZookeeperSettings, ZookeeperSettingsInput } from "./zookeeper";
export { ZooSettings } from "./zookeeper/ops";
export {
    WeaveMesh,
    WeaveMeshArgs,
    OverlayMesh,
    OverlayMeshArgs,
    createContainerNetwork,
    ContainerNetworkArgs,
    meshSettingsSchema,
    MeshSettings,
    MeshSettingsInput,
    WeaveSettingsInput,
    OverlaySettingsInput,
    MeshComponent,
    meshSettingsObject,
    weaveSettingsSchema,
    overlaySettingsSchema,
    containerNetworkPackages,
} from "./mesh";
export {
    FlockerZfsCluster,
    FlockerZfsClusterArgs,
    volumeAppSettings,
    VolumeAppSettings,
    volumeSettingsSchema,
    VolumeSettings,
    VolumeSettingsInput,
    flockerZfsPackages,
} from "./volumes";
export { RsyslogAggregator, RsyslogAggregatorArgs, loggingSettingsSchema, LoggingSettings, LoggingSettingsInput, rsyslogAggregatorPackages } from "./logging";
export {
    MesosCluster,
    MesosClusterArgs,
    mesosSettingsSchema,
    MesosSettings,
    MesosSettingsInput,
    quorum,
    mesosClusterPackages,
    MesosPackageSettings,
} from "./mesos";
export { validate, ValidationError } from "./validate";
// Every port the platform uses and who must reach it (the AWS security groups and the port-conflict rule).
export { platformPorts, hostAccessPorts, portUseSchema, PortUse, PortsView, Reach, REACH, MESOS_TASK_PORTS, portLabel } from "./ports";
export {
    MarathonApp,
    MarathonAppArgs,
    MarathonAccessArgs,
    MARATHON_APP_TYPE,
    marathonAccess,
    marathonProvider,
    toDefinition,
    validateDefinition,
    definitionErrors,
    normalize,
    diffDefinitions,
    AppSpec,
    MarathonDefinition,
} from "./marathon";
export * as marathon from "./marathon";
export { AppImage, AppImageArgs, contextTag } from "./images";
