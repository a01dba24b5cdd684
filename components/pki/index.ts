export { StackCa, StackCaArgs } from "./ca";
export { ServerCertificate, ServerCertificateArgs } from "./certificate";
export * as pkiScripts from "./scripts";
