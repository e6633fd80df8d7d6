import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";

const root = join(import.meta.dirname, "../..");

// That `switchboard/client` resolves by name, with the exports of src/client/index.ts, is
// checked on the installed tarball by test/package/install.test.ts (which also bundles it
// for a browser); this file keeps the rule that makes it loadable in a browser as it is.
describe("the switchboard/client entry point", () => {
  it("imports nothing from Node, so browsers load it as it is", () => {
    const dir = join(root, "src/client");
    const files = readdirSync(dir).filter((f) => f.endsWith(".ts"));
    expect(files.length).toBeGreaterThan(5);
    for (const file of files) {
      const source = readFileSync(join(dir, file), "utf8");
      // Values only from the client's own modules; the wire types may come from protocol/ (erased at build).
      for (const m of source.matchAll(/^(?:import|export)\s+(type\s+)?[^"]*from "([^"]+)"/gm)) {
        const spec = m[2]!;
        if (m[1]) expect(spec, `${file} imports ${spec}`).toMatch(/^\.\/[a-z-]+\.js$|^\.\.\/protocol\/index\.js$/);
        else expect(spec, `${file} imports ${spec}`).toMatch(/^\.\/[a-z-]+\.js$/);
      }
    }
  });
});
