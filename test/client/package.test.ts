import { execFileSync } from "node:child_process";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import * as client from "../../src/client/index.js";

const root = join(import.meta.dirname, "../..");

describe("the switchboard/client entry point", () => {
  it("is exported by package.json and resolves by name from Node (the built files)", () => {
    const pkg = JSON.parse(readFileSync(join(root, "package.json"), "utf8")) as { exports: Record<string, string> };
    expect(pkg.exports["./client"]).toBe("./dist/client/index.js");
    // `npm install` builds dist/ (the prepare script); build it here when a checkout has not.
    if (!existsSync(join(root, "dist/client/index.js"))) execFileSync(process.execPath, [join(root, "node_modules/typescript/bin/tsc"), "-p", "tsconfig.build.json"], { cwd: root });
    const names = execFileSync(process.execPath, ["--input-type=module", "-e", 'const c = await import("switchboard/client"); console.log(Object.keys(c).sort().join(","))'], {
      cwd: root,
      encoding: "utf8",
    }).trim();
    expect(names).toBe(Object.keys(client).sort().join(","));
  }, 60_000);

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
