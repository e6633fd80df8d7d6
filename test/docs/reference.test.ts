import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { MODULES } from "../../src/app.js";
import "../../src/config.js";
import { CloseCode, catalog } from "../../src/core/index.js";
import type { CatalogEntry } from "../../src/core/errors.js";

const root = join(import.meta.dirname, "../..");
const read = (path: string): string => readFileSync(join(root, path), "utf8");

describe("docs/configuration.md", () => {
  it("has a row for every variable src/config.ts reads", () => {
    const source = read("src/config.ts");
    const names = new Set([...source.matchAll(/env\.([A-Z][A-Z0-9_]+)|whole\("([A-Z][A-Z0-9_]+)"/g)].map((m) => m[1] ?? m[2]!));
    expect(names.size).toBeGreaterThan(20);
    const page = read("docs/configuration.md");
    const documented = new Set([...page.matchAll(/^\| `([A-Z][A-Z0-9_]+)` \|/gm)].map((m) => m[1]));
    expect([...names].filter((n) => !documented.has(n))).toEqual([]);
  });
});

describe("docs/protocols.md", () => {
  const page = read("docs/protocols.md");
  const rows = page.split("\n").filter((l) => l.startsWith("| `SB_ERR_"));

  it("lists every catalogued error (the core's, auth's and every module's) with its status, close code and frame name", () => {
    expect(MODULES.length).toBeGreaterThan(4); // importing the app loads every module's codes
    const all = [...catalog()] as [string, CatalogEntry][];
    expect(all.length).toBeGreaterThan(45);
    for (const [code, entry] of all) {
      const row = rows.find((r) => r.startsWith(`| \`${code}\` |`));
      expect(row, code).toBeDefined();
      const cells = row!.split("|").map((c) => c.trim());
      expect(cells[2], `${code} status`).toBe(entry.status === undefined ? "" : String(entry.status));
      if (entry.closeCode !== undefined) expect(cells[3], `${code} close code`).toBe(String(entry.closeCode));
      expect(cells[4], `${code} frame`).toBe(entry.frame === undefined ? "" : `\`${entry.frame}\``);
    }
    expect(rows).toHaveLength(all.length);
  });

  it("explains every close code the server uses", () => {
    for (const code of Object.values(CloseCode)) expect(page, String(code)).toContain(String(code));
  });
});
