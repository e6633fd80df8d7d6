import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import semver from "semver";
import { describe, expect, it } from "vitest";

const root = join(import.meta.dirname, "..");

describe("engines", () => {
  // >=20.19, not >=20: installed as a dependency (where our `overrides` do not apply), npm
  // resolves fastify's cookie@2 and content-disposition@3, ES modules that are require()d, which
  // Node 20 does only from 20.19 on (before it: ERR_REQUIRE_ESM at start).
  it("every production dependency declares support for Node 20 (the package says >=20.19)", () => {
    const pkg = JSON.parse(readFileSync(join(root, "package.json"), "utf8")) as { engines: { node: string } };
    expect(pkg.engines.node).toBe(">=20.19");
    // One line per installed package of the production tree (path of its folder).
    const dirs = execFileSync("npm", ["ls", "--omit=dev", "--all", "--parseable"], { cwd: root, encoding: "utf8" }).trim().split("\n").slice(1);
    expect(dirs.length).toBeGreaterThan(50);
    const refusing = dirs.flatMap((dir) => {
      const manifest = JSON.parse(readFileSync(join(dir, "package.json"), "utf8")) as { name: string; version: string; engines?: { node?: string } };
      const range = manifest.engines?.node;
      return range && !semver.intersects(range, ">=20.19 <21") ? [`${manifest.name}@${manifest.version} wants node ${range}`] : [];
    });
    expect(refusing).toEqual([]);
  });
});
