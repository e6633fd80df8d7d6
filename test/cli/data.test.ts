import { workOrderService } from "../../src/apps/workorders/index.js";
import { execFile } from "node:child_process";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";
import { buildApp } from "../../src/app.js";
import { loadConfig } from "../../src/config.js";
import { silentLogger } from "../../src/core/index.js";

const run = promisify(execFile);
const main = join(import.meta.dirname, "../../src/cli/main.ts");

async function cli(args: string[], env: Record<string, string>): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run(process.execPath, ["--import", "tsx", main, ...args], { env: { ...process.env, LOG_LEVEL: "silent", ...env }, maxBuffer: 64 * 1024 * 1024 });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

describe("shell", () => {
  it("evaluates with config, db and layer loaded, and exits cleanly", async () => {
    const { spawn } = await import("node:child_process");
    const child = spawn(process.execPath, ["--import", "tsx", main, "shell"], {
      env: { ...process.env, LOG_LEVEL: "silent", PORT: "8000", REDIS_URL: "", DATA_DIR: mkdtempSync(join(tmpdir(), "sb-shell-")) },
      stdio: ["pipe", "pipe", "pipe"],
    });
    let out = "";
    child.stdout.on("data", (d: Buffer) => (out += d.toString()));
    child.stdin.write("config.port + 1\n");
    child.stdin.write("(await db.selectFrom('users').selectAll().execute()).length\n");
    child.stdin.write("await layer.send('probe', {type: 'x'}); (await layer.receive('probe')).type\n");
    child.stdin.write(".exit\n");
    const code = await new Promise<number | null>((resolve) => child.on("exit", resolve));
    expect(code).toBe(0);
    expect(out).toContain("8001");
    expect(out).toMatch(/\b0\b/);
    expect(out).toContain("'x'");
  }, 30_000);
});

describe("dumpdata, flush, loaddata, showmigrations", { timeout: 60_000 }, () => {
  it("round-trips every table: dump → flush → load leaves the database identical", async () => {
    const dataDir = mkdtempSync(join(tmpdir(), "sb-dump-"));
    const env = { DATA_DIR: dataDir, BEAT: "0" };
    // Fill every app's tables through the real app.
    const app = await buildApp(loadConfig({ ...env, LOG_LEVEL: "silent" }), { logger: silentLogger });
    const { UserStore } = await import("../../src/auth/users.js");
    const { SessionStore } = await import("../../src/auth/sessions.js");
    const { MessageStore } = await import("../../src/apps/chat/store.js");
    const { BookStore } = await import("../../src/apps/books/store.js");
    const users = new UserStore(app.db);
    const made = await users.create({ username: "dumper", email: "d@example.com", password: "long-enough-pw" });
    const uid = ("user" in made && made.user.id) as number;
    await new SessionStore(app.db).create(uid);
    await new MessageStore(app.db).add("lobby", "dumper", "kept across dumps");
    await new BookStore(app.db).create("T", "A");
    await workOrderService(app).file(uid, { title: "dumped order", template: "demo-deploy", params: {} });
    await app.close();

    const first = join(dataDir, "first.json");
    expect((await cli(["dumpdata", "--output", first], env)).code).toBe(0);
    const before = readFileSync(first, "utf8");
    expect(JSON.parse(before).tables.chat_messages[0].body).toBe("kept across dumps");
    expect((await cli(["flush"], env)).code).toBe(2); // no terminal, no --yes
    expect((await cli(["flush", "--yes"], env)).stdout).toContain("all data deleted");
    const empty = JSON.parse((await cli(["dumpdata"], env)).stdout);
    expect(Object.values(empty.tables).every((rows) => (rows as unknown[]).length === 0)).toBe(true);
    expect((await cli(["loaddata", first], env)).stdout).toMatch(/loaded \d+ rows/);
    const second = join(dataDir, "second.json");
    await cli(["dumpdata", "--output", second], env);
    expect(readFileSync(second, "utf8")).toBe(before);
    // Loading twice fails whole (duplicate ids) and changes nothing.
    expect((await cli(["loaddata", first], env)).code).not.toBe(0);
    await cli(["dumpdata", "--output", second], env);
    expect(readFileSync(second, "utf8")).toBe(before);
  }, 60_000);

  it("refuses a dump from a newer schema, and bad arguments", async () => {
    const env = { DATA_DIR: mkdtempSync(join(tmpdir(), "sb-dump-")) };
    const file = join(env.DATA_DIR, "future.json");
    writeFileSync(file, JSON.stringify({ format: "switchboard-dump", schema: "9999-from-the-future", tables: {} }));
    const r = await cli(["loaddata", file], env);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("comes from a newer schema (9999-from-the-future)");
    expect((await cli(["dumpdata", "nosuchapp"], env)).code).toBe(2);
    expect((await cli(["loaddata"], env)).code).toBe(2);
    const chat = JSON.parse((await cli(["dumpdata", "chat"], env)).stdout);
    expect(Object.keys(chat.tables)).toEqual(["chat_messages"]);
  }, 30_000);

  it("showmigrations lists applied and pending migrations", async () => {
    const env = { DATA_DIR: mkdtempSync(join(tmpdir(), "sb-dump-")) };
    expect((await cli(["showmigrations"], env)).stdout).toContain("[ ] 0001-chat-messages");
    await cli(["migrate"], env);
    expect((await cli(["showmigrations"], env)).stdout).toContain("[X] 0004-workorders");
  }, 30_000);
});
