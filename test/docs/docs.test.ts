import { mkdirSync, readFileSync, readdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import ts from "typescript";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestServer, type TestServer } from "../helpers/server.js";

const root = join(import.meta.dirname, "../..");
const docs = join(root, "docs");
const generated = join(import.meta.dirname, ".generated");

/** Every ```ts block of a page, in order, as one module: the page's program. */
function program(page: string): string {
  const text = readFileSync(join(docs, page), "utf8");
  return [...text.matchAll(/^```ts\n([\s\S]*?)^```$/gm)].map((m) => m[1]).join("\n");
}

const runnable = readdirSync(docs).filter((f) => f.endsWith(".md") && program(f).trim() !== "");

/** Type-checks `file` as users would compile it, with `switchboard` mapped to the sources. */
function typeErrors(file: string): string[] {
  const config = ts.getParsedCommandLineOfConfigFile(join(root, "tsconfig.json"), {}, { ...ts.sys, onUnRecoverableConfigFileDiagnostic: () => {} })!;
  const options: ts.CompilerOptions = {
    ...config.options,
    noEmit: true,
    paths: { switchboard: [join(root, "src/core/index.ts")], "switchboard/client": [join(root, "src/client/index.ts")] },
  };
  const built = ts.createProgram([file], options);
  return ts
    .getPreEmitDiagnostics(built, built.getSourceFile(file))
    .map((d) => `${d.start !== undefined ? d.file?.getLineAndCharacterOfPosition(d.start).line ?? 0 : 0}: ${ts.flattenDiagnosticMessageText(d.messageText, "\n")}`);
}

describe("the code in docs/ runs", () => {
  let server: TestServer;
  beforeAll(async () => {
    mkdirSync(generated, { recursive: true });
    // Pages about the shipped routes talk to a running Switchboard, like `npm start` gives.
    server = await startTestServer();
    process.env.SWITCHBOARD_URL = server.url;
  });
  afterAll(async () => {
    delete process.env.SWITCHBOARD_URL;
    await server?.close();
  });

  it("finds the runnable pages", () => {
    expect(runnable).toEqual(expect.arrayContaining(["consumers.md", "client.md"]));
  });

  for (const page of runnable) {
    it(`${page}: type-checks and runs to the end`, async () => {
      const file = join(generated, page.replace(/\.md$/, ".ts"));
      writeFileSync(file, `// Generated from docs/${page} by test/docs/docs.test.ts; do not edit.\n${program(page)}\nexport const finished = true;\n`);
      expect(typeErrors(file)).toEqual([]);
      const module = (await import(pathToFileURL(file).href)) as { finished?: boolean };
      expect(module.finished).toBe(true);
    }, 60_000);
  }
});
