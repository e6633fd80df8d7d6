import { join } from "node:path";
import ts from "typescript";
import { beforeAll, describe, expect, it } from "vitest";

const root = join(import.meta.dirname, "../..");

/**
 * The browser code type-checks as tsconfig.web.json says (`tsc -p tsconfig.web.json`, by
 * the compiler's API so one program serves both checks): the page scripts, GraphiQL's entry
 * and what they import, with the DOM's types and none of Node's.
 */
describe("the page scripts type-check against switchboard/client and the DOM", () => {
  const config = ts.getParsedCommandLineOfConfigFile(join(root, "tsconfig.web.json"), {}, { ...ts.sys, onUnRecoverableConfigFileDiagnostic: () => {} });
  if (!config) throw new Error("tsconfig.web.json did not parse");
  // A page script that reaches for Node: the same program must refuse it.
  const probe = join(root, "src/web/scripts/parts/__node-probe__.ts");
  const host = ts.createCompilerHost(config.options);
  const readFile = host.readFile.bind(host);
  const fileExists = host.fileExists.bind(host);
  host.readFile = (file) => (file === probe ? 'export const pid: number = process.pid;\nexport const bytes = Buffer.from("x");\n' : readFile(file));
  host.fileExists = (file) => file === probe || fileExists(file);
  let program: ts.Program;
  let diagnostics: { file: string; text: string }[];
  beforeAll(() => {
    program = ts.createProgram({ rootNames: [...config.fileNames, probe], options: config.options, host });
    diagnostics = ts.getPreEmitDiagnostics(program).map((d) => ({ file: d.file?.fileName ?? "", text: ts.flattenDiagnosticMessageText(d.messageText, "\n") }));
  }, 120_000);

  it("checks every page script and the explorer", () => {
    const files = config.fileNames.map((f) => f.slice(root.length + 1));
    for (const f of ["src/web/scripts/room.ts", "src/web/scripts/lobby.ts", "src/web/scripts/workorder.ts", "src/web/graphiql/index.tsx"]) expect(files).toContain(f);
    // The client comes in through the pages' imports, checked with them.
    expect(program.getSourceFile(join(root, "src/client/client.ts"))).toBeDefined();
  });

  it("has no type errors", () => {
    expect(diagnostics.filter((d) => d.file !== probe)).toEqual([]);
  });

  it("knows nothing of Node: process and Buffer are errors in a page", () => {
    const refused = diagnostics.filter((d) => d.file === probe).map((d) => d.text);
    expect(refused.some((t) => t.includes("'process'"))).toBe(true);
    expect(refused.some((t) => t.includes("'Buffer'"))).toBe(true);
  });
});
