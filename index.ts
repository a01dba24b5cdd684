// The stack program entry point (Pulumi.yaml `main`). Everything lives in stack/program.ts so that
// tests can evaluate it under mocks.
import { program } from "./stack/program";

export = program();
