import { spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { clientCommand } from "../../src/cli/dbshell.js";
import { findPostgres, startPostgres } from "../helpers/postgres.js";
import { findProgram } from "../helpers/programs.js";

const sqlite3 = findProgram("dbshell on SQLite", "sqlite3", "sqlite3");
const psql = findProgram("dbshell on PostgreSQL", "psql", "postgresql-client");
const postgres = findPostgres("dbshell on PostgreSQL");

const main = join(import.meta.dirname, "../../src/cli/main.ts");

const temps: string[] = [];
afterAll(() => {
  for (const dir of temps) rmSync(dir, { recursive: true, force: true });
});
/** A fresh DATA_DIR, removed after the suite. */
function dataDir(): string {
  const dir = mkdtempSync(join(tmpdir(), "sb-dbshell-"));
  temps.push(dir);
  return dir;
}

/** Runs the CLI with `input` on its stdin (a pipe, as `echo ".tables" | switchboard dbshell`). */
function cli(args: string[], env: Record<string, string>, input = ""): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ["--import", "tsx", main, ...args], { env: { ...process.env, LOG_LEVEL: "silent", ...env } });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d: Buffer) => (stdout += d));
    child.stderr.on("data", (d: Buffer) => (stderr += d));
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
      reject(new Error(`switchboard ${args.join(" ")} did not exit within 30 s; stderr: ${stderr}`));
    }, 30_000);
    child.once("exit", (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
    child.stdin.end(input);
  });
}

describe("dbshell: the client command", () => {
  it("opens sqlite3 on the file, and psql on the URL without its password (PGPASSWORD instead)", () => {
    expect(clientCommand("sqlite:/var/lib/switchboard/switchboard.sqlite")).toEqual({
      program: "sqlite3",
      args: ["/var/lib/switchboard/switchboard.sqlite"],
      env: {},
      debianPackage: "sqlite3",
    });
    expect(clientCommand("postgres://app:p%40ss%21@db.internal:5432/switchboard?sslmode=require", ["-c", "select 1"])).toEqual({
      program: "psql",
      args: ["postgres://app@db.internal:5432/switchboard?sslmode=require", "-c", "select 1"],
      env: { PGPASSWORD: "p@ss!" },
      debianPackage: "postgresql-client",
    });
    expect(clientCommand("postgresql://app@127.0.0.1/db?password=s3cret").env).toEqual({ PGPASSWORD: "s3cret" });
    expect(clientCommand("postgresql://app@127.0.0.1/db?password=s3cret").args).toEqual(["postgresql://app@127.0.0.1/db"]);
    expect(clientCommand("postgres://app@127.0.0.1/db").env).toEqual({});
    expect(() => clientCommand("sqlite::memory:")).toThrow(/in-memory/);
  });
});

// Each CLI run is one Node start (seconds on a loaded machine): one migrated database serves every SQLite case.
describe("switchboard dbshell", { timeout: 60_000 }, () => {
  let migrated: Record<string, string>;
  beforeAll(async () => {
    migrated = { DATA_DIR: dataDir() };
    expect((await cli(["migrate"], migrated)).code).toBe(0);
  }, 60_000);

  it.skipIf(!sqlite3.available)("runs the real sqlite3 on the configured database, over a pipe", async () => {
    const piped = await cli(["dbshell"], migrated, ".tables\nselect 'one=' || 1;\n");
    expect(piped.stderr).toBe("");
    expect(piped.code).toBe(0);
    expect(piped.stdout.split(/\s+/)).toEqual(expect.arrayContaining(["users", "sessions", "chat_messages", "one=1"]));
    // Arguments after -- go to sqlite3, after the database (as Django's dbshell -- does).
    const args = await cli(["dbshell", "--", "select 40 + 2;"], migrated);
    expect(args.stdout.trim()).toBe("42");
    // The client's own exit code comes back.
    const failed = await cli(["dbshell", "--", "-bail", "select * from no_such_table;"], migrated);
    expect(failed.code).not.toBe(0);
    expect(failed.stderr).toContain("no_such_table");
  });

  it("refuses a database that does not exist yet, or lives only in memory", async () => {
    const missing = await cli(["dbshell"], { DATA_DIR: dataDir() }, ".tables\n");
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/no database at .*switchboard\.sqlite yet; run "switchboard migrate" first/);
    const memory = await cli(["dbshell"], { DATA_DIR: dataDir(), DATABASE_URL: "sqlite::memory:" });
    expect(memory.code).toBe(1);
    expect(memory.stderr).toContain("in-memory");
  });

  it("names the Debian package when the client is not installed", async () => {
    // An empty PATH: no sqlite3 or psql to be found (node itself is started by its full path).
    const empty = join(migrated.DATA_DIR!, "empty");
    const noSqlite = await cli(["dbshell"], { ...migrated, PATH: empty });
    expect(noSqlite.code).toBe(69);
    expect(noSqlite.stderr).toContain("sqlite3 is not installed");
    expect(noSqlite.stderr).toContain("apt-get install -y sqlite3");
    const noPsql = await cli(["dbshell"], { ...migrated, PATH: empty, DATABASE_URL: "postgres://app:secret@127.0.0.1:1/app" });
    expect(noPsql.code).toBe(69);
    expect(noPsql.stderr).toContain("apt-get install -y postgresql-client");
  });

  it.skipIf(!psql.available || !postgres.available)("runs the real psql on a PostgreSQL URL, the password in PGPASSWORD and not in its argv", async () => {
    const server = await startPostgres(postgres.bin);
    try {
      const url = (await server.createDatabase("dbshell")).replace("postgres@", "postgres:s3cret%21word@");
      const env = { DATA_DIR: dataDir(), DATABASE_URL: url };
      expect((await cli(["migrate"], env)).code).toBe(0);
      // \! runs a shell from psql: its parent ($PPID) is psql, whose argv and environment we read.
      const script = [
        "select count(*) as user_rows from users;",
        "\\! echo \"pgpassword=$PGPASSWORD\"",
        "\\! echo \"argv=$(tr '\\0' ' ' < /proc/$PPID/cmdline)\"",
        "",
      ].join("\n");
      const r = await cli(["dbshell"], env, script);
      expect(r.stderr).toBe("");
      expect(r.code).toBe(0);
      expect(r.stdout).toMatch(/user_rows\s*\n-+\s*\n\s*0\s*\n/);
      expect(r.stdout).toContain("pgpassword=s3cret!word");
      const argv = /^argv=(.*)$/m.exec(r.stdout)?.[1] ?? "";
      expect(argv).toContain("psql");
      expect(argv).toContain(`postgres://postgres@127.0.0.1:`);
      expect(argv).not.toContain("s3cret");
    } finally {
      await server.stop();
    }
  });
});
