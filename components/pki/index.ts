export { StackCa, StackCaArgs } from "./ca";
export { ServerCertificate, ServerCertificateArgs } from "./certificate";
export type { CertificateUsage } from "./scripts";
export * as pkiScripts from "./scripts";
export { PKI_PACKAGES } from "./scripts";
