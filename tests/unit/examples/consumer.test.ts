import { expect } from "chai";
import * as path from "path";
import * as ts from "typescript";

const DIR = path.resolve(__dirname, "../../../examples/consumer");

describe("examples/consumer (a stack that imports the package as another team would)", () => {
    it("type-checks against the package's public API (tsc -p examples/consumer)", function () {
        this.timeout(120000);
        const file = ts.findConfigFile(DIR, ts.sys.fileExists, "tsconfig.json")!;
        const read = ts.readConfigFile(file, ts.sys.readFile);
        const parsed = ts.parseJsonConfigFileContent(read.config, ts.sys, DIR);
        expect(parsed.errors, ts.formatDiagnostics(parsed.errors, host)).to.deep.equal([]);
        const program = ts.createProgram({ rootNames: parsed.fileNames, options: { ...parsed.options, noEmit: true } });
        const diagnostics = ts.getPreEmitDiagnostics(program);
        expect(diagnostics.length, ts.formatDiagnostics(diagnostics, host)).to.equal(0);
        // It imports by package name only, never by a relative path into this repository.
        const source = program.getSourceFile(path.join(DIR, "index.ts"))!.getFullText();
        expect(source).to.match(/from "microservice-platform"/);
        expect(source).to.not.match(/from "\.\.?\//);
    });
});

const host: ts.FormatDiagnosticsHost = { getCanonicalFileName: (f) => f, getCurrentDirectory: () => DIR, getNewLine: () => "\n" };
