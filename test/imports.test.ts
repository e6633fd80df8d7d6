import { readdirSync, readFileSync, statSync } from "node:fs";
import { dirname, join, relative, resolve, sep } from "node:path";
import { describe, expect, it } from "vitest";

// The layering rules of src/, checked on every import specifier of every file:
// - the core imports nothing outside src/core/;
// - nothing below the apps (auth, graphql, protocol, storage, beat, runtime, http, web, ops,
//   client) imports an app;
// - no app imports another app (src/apps/module.ts, the contract, is shared by all);
// - storage does not import the configuration;
// - switchboard/client imports only its own modules, and types from protocol/.

const root = resolve(import.meta.dirname, "..");
const src = join(root, "src");

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return sourceFiles(path);
    return name.endsWith(".ts") ? [path] : [];
  });
}

interface Import {
  file: string;
  target: string;
  typeOnly: boolean;
}

const IMPORT = /^(?:import|export)\s+(type\s+)?(?:[^'"]*?\s+from\s+)?["']([^"']+)["']/gm;

function importsOf(file: string): Import[] {
  const text = readFileSync(file, "utf8");
  return [...text.matchAll(IMPORT)]
    .filter((m) => m[2]!.startsWith("."))
    .map((m) => ({ file: relative(src, file), target: relative(src, resolve(dirname(file), m[2]!)), typeOnly: Boolean(m[1]) }));
}

const all = sourceFiles(src).flatMap(importsOf);
const top = (path: string): string => path.split(sep)[0]!;
const appOf = (path: string): string | null => {
  const parts = path.split(sep);
  return parts[0] === "apps" && parts.length > 2 ? parts[1]! : null;
};

describe("the layering of src/", () => {
  it("sees the imports it checks", () => {
    expect(all.length).toBeGreaterThan(200);
    expect(all.some((i) => i.file.startsWith(join("apps", "chat")) && i.target.startsWith("auth"))).toBe(true);
  });

  it("the core imports nothing outside core/", () => {
    const bad = all.filter((i) => top(i.file) === "core" && top(i.target) !== "core");
    expect(bad).toEqual([]);
  });

  it("nothing below the apps imports an app", () => {
    const below = new Set(["auth", "graphql", "protocol", "storage", "beat", "runtime", "http", "web", "ops", "client", "core", "config.ts"]);
    const bad = all.filter((i) => below.has(top(i.file)) && top(i.target) === "apps");
    expect(bad).toEqual([]);
  });

  it("no app imports another app", () => {
    const bad = all.filter((i) => {
      const from = appOf(i.file);
      const to = appOf(i.target);
      return from !== null && to !== null && from !== to;
    });
    expect(bad).toEqual([]);
  });

  it("storage does not read the configuration", () => {
    expect(all.filter((i) => top(i.file) === "storage" && i.target === "config.ts")).toEqual([]);
  });

  it("switchboard/client imports its own modules, and only types from protocol/", () => {
    const bad = all.filter((i) => top(i.file) === "client" && top(i.target) !== "client" && !(i.typeOnly && top(i.target) === "protocol"));
    expect(bad).toEqual([]);
  });

  it("the CLI has no import cycle through its command table", () => {
    const commandFiles = all.filter((i) => top(i.file) === "cli" && i.target === join("cli", "commands.js"));
    expect(commandFiles.map((i) => i.file).sort()).toEqual([join("cli", "run.ts")]);
  });
});
