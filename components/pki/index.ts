export { StackCa, StackCaArgs } from "./ca";
export { ServerCertificate, ServerCertificateArgs } from "./certificate";
export type { CertificateUsage } from "./ops";
export * as pkiScripts from "./ops";
export { PKI_PACKAGES } from "./ops";
