import { mkdirSync } from "node:fs";
import { dirname } from "node:path";
import SQLite from "better-sqlite3";
import { Kysely, SqliteDialect } from "kysely";
import { sqlitePath } from "../config.js";
import type { Database } from "./schema.js";

/**
 * Opens the database named by `databaseUrl` (`sqlite:<path>`). SQLite runs in WAL mode
 * with `synchronous=NORMAL`: a committed write survives a process crash, and readers
 * never block the writer.
 */
export function openDatabase(databaseUrl: string): Kysely<Database> {
  if (!databaseUrl.startsWith("sqlite:")) throw new TypeError(`unsupported DATABASE_URL ${databaseUrl}`);
  const path = sqlitePath(databaseUrl);
  if (path !== ":memory:") mkdirSync(dirname(path), { recursive: true });
  const sqlite = new SQLite(path);
  sqlite.pragma("journal_mode = WAL");
  sqlite.pragma("synchronous = NORMAL");
  sqlite.pragma("foreign_keys = ON");
  sqlite.pragma("busy_timeout = 5000");
  return new Kysely<Database>({ dialect: new SqliteDialect({ database: sqlite }) });
}
