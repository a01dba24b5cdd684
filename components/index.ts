// Public API of the component library. Other stacks import from here.
export * from "./contracts";
export * from "./hosts/host";
export * as provision from "./provision";
export { validate, ValidationError } from "./validate";
