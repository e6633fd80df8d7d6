import { execFile } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";
import { commands } from "../../src/cli/commands.js";
import { commandList } from "../../src/cli/run.js";
import { findProgram } from "../helpers/programs.js";
import { startRedis } from "../helpers/redis.js";

const redisBin = findProgram("CLI on Redis", "redis-server", "redis-server");

const run = promisify(execFile);
const main = join(import.meta.dirname, "../../src/cli/main.ts");

async function cli(args: string[], env: Record<string, string> = {}): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    // One process (not the tsx wrapper and its child): each command costs one Node start.
    const { stdout, stderr } = await run(process.execPath, ["--import", "tsx", main, ...args], { env: { ...process.env, LOG_LEVEL: "silent", ...env } });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

// Each test starts several CLI processes; on a loaded 2-core machine one start can take seconds.
describe("switchboard CLI", { timeout: 60_000 }, () => {
  it("layer-check round-trips a hello through the layer", async () => {
    const r = await cli(["layer-check"], { DATA_DIR: mkdtempSync(join(tmpdir(), "sb-cli-")) });
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('{"type":"hello"}');
  });

  it("layer-check fails with a clear message when Redis is unreachable", async () => {
    const r = await cli(["layer-check"], { DATA_DIR: mkdtempSync(join(tmpdir(), "sb-cli-")), REDIS_URL: "redis://127.0.0.1:1/0" });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("layer");
  });

  it.skipIf(!redisBin.available)("layer-check round-trips through a real Redis", async () => {
    const redis = await startRedis(redisBin.path);
    try {
      const r = await cli(["layer-check"], { DATA_DIR: mkdtempSync(join(tmpdir(), "sb-cli-")), REDIS_URL: redis.url });
      expect(r.stdout).toContain('redis layer OK: received {"type":"hello"}');
      expect(r.code).toBe(0);
    } finally {
      await redis.stop();
    }
  });

  it("runworker refuses unknown or missing channels with usage and exit 2", async () => {
    const none = await cli(["runworker"]);
    expect(none.code).toBe(2);
    expect(none.stderr).toContain("name at least one channel");
    const unknown = await cli(["runworker", "nope"]);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain("routed: testing-print");
  });

  it("beat --list prints the built-in and file entries with their next fire times", async () => {
    const dir = mkdtempSync(join(tmpdir(), "sb-cli-"));
    const file = join(dir, "schedule.json");
    writeFileSync(file, JSON.stringify({ report: { group: "ops", type: "report.due", cron: "*/5 * * * *" } }));
    const r = await cli(["beat", "--list"], { DATA_DIR: dir, BEAT_SCHEDULE: file });
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^clock: server\.time → group clock, every 1s; next \d{4}-/m);
    expect(r.stdout).toMatch(/^report: report\.due → group ops, cron \*\/5 \* \* \* \*; next /m);
  });

  it("beat refuses a bad schedule, naming the entry and the problem", async () => {
    const dir = mkdtempSync(join(tmpdir(), "sb-cli-"));
    const file = join(dir, "schedule.json");
    writeFileSync(file, JSON.stringify({ broken: { group: "ops", type: "x", every: "soon" } }));
    const r = await cli(["beat", "--list"], { DATA_DIR: dir, BEAT_SCHEDULE: file });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('beat schedule: entry "broken": `every` must be a duration');
  });

  it("createsuperuser creates a superuser from flags, and explains a bad one", async () => {
    const env = { DATA_DIR: mkdtempSync(join(tmpdir(), "sb-cli-")) };
    const ok = await cli(["createsuperuser", "--no-input", "--username", "root", "--email", "root@example.com"], { ...env, SWITCHBOARD_SUPERUSER_PASSWORD: "very-long-secret" });
    expect(ok.code).toBe(0);
    expect(ok.stdout).toContain("superuser root created");
    const dup = await cli(["createsuperuser", "--no-input", "--username", "root", "--email", "r@example.com", "--password", "another-long-one"], env);
    expect(dup.code).toBe(1);
    expect(dup.stderr).toContain("username root is taken");
    const missing = await cli(["createsuperuser", "--no-input", "--username", "x"], env);
    expect(missing.code).toBe(2);
    const moved = await cli(["users", "set-group", "root", "ops"], env);
    expect(moved.stdout).toContain("root is now in group ops");
    expect((await cli(["users", "set-group", "nobody", "ops"], env)).code).toBe(1);
    expect((await cli(["users", "set-group", "root", "bad group"], env)).code).toBe(2);
    expect((await cli(["users", "frobnicate"], env)).code).toBe(2);
  });

  it("migrate applies migrations once", async () => {
    const env = { DATA_DIR: mkdtempSync(join(tmpdir(), "sb-cli-")) };
    const first = await cli(["migrate"], env);
    expect(first.code).toBe(0);
    expect(first.stdout).toContain("applied: 0001-chat-messages");
    expect(first.stdout).toContain("applied: 0002-accounts");
    expect((await cli(["migrate"], env)).stdout).toContain("no migrations to apply");
  });

  it("prints usage and exits 2 on an unknown command or option", async () => {
    const unknown = await cli(["frobnicate"]);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain("usage: switchboard");
    expect((await cli(["migrate", "--bogus"])).code).toBe(2);
    const help = await cli(["serve", "--help"]);
    expect(help.code).toBe(0);
    expect(help.stdout).toContain("usage: switchboard serve");
  });

  it("--help lists every command in two aligned columns, summaries wrapped", async () => {
    const r = await cli(["--help"]);
    expect(r.code).toBe(0);
    const lines = r.stdout.split("\n");
    const block = lines.slice(lines.indexOf("commands:") + 1, lines.indexOf("", lines.indexOf("commands:")));
    const names = block.filter((l) => /^  \S/.test(l)).map((l) => l.trim().split(/\s/)[0]);
    expect(names).toEqual(Object.keys(commands));
    const column = 2 + Math.max(...names.map((n) => n!.length)) + 2;
    for (const line of block) {
      expect(line.length, line).toBeLessThanOrEqual(80);
      // A command line: its name, at least two spaces, its summary starting in the one column.
      // A continuation line: only the summary, in that column.
      const command = /^  (\S+)( +)(\S.*)$/.exec(line);
      if (command) {
        expect(command[2]!.length, line).toBeGreaterThanOrEqual(2);
        expect(line.length - command[3]!.length, line).toBe(column);
      } else {
        expect(line).toMatch(new RegExp(`^ {${column}}\\S`));
      }
    }
    expect(block.some((l) => /^  showmigrations {2,}list migrations/.test(l))).toBe(true);
    expect(block.some((l) => /^  createsuperuser {2,}create a superuser/.test(l))).toBe(true);
  });

  it("commandList pads to the longest name plus two and wraps long summaries under the summary column", () => {
    const lines = commandList([["x", "short"], ["a-very-long-command-name", "word ".repeat(30).trim()]], 60);
    expect(lines[0]).toBe(`  x${" ".repeat(25)}short`);
    expect(lines[1]!.startsWith("  a-very-long-command-name  word word")).toBe(true);
    expect(lines.length).toBeGreaterThan(3);
    for (const line of lines.slice(2)) expect(line).toMatch(/^ {28}word/);
    for (const line of lines) expect(line.length).toBeLessThanOrEqual(60);
    expect(lines.join(" ").split(/\s+/).filter((w) => w === "word")).toHaveLength(30);
  });

  it("startapp without a name, or with a bad one, prints why and exits 2", async () => {
    const none = await cli(["startapp"]);
    expect(none.code).toBe(2);
    expect(none.stderr).toContain("usage: switchboard startapp <name>");
    const bad = await cli(["startapp", "My-App", "--dir", join(import.meta.dirname, "../..")]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain("app names are lowercase identifiers");
  });

  it("serve refuses a bad configuration with a clear message", async () => {
    const r = await cli(["serve"], { PORT: "http" });
    expect(r.code).toBe(78);
    expect(r.stderr).toContain("PORT must be an integer");
  });
});
