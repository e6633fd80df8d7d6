import { mkdirSync } from "node:fs";
import { dirname, isAbsolute, resolve } from "node:path";
import SQLite from "better-sqlite3";
import { Kysely, PostgresDialect, SqliteDialect, type SqliteDatabase } from "kysely";
import pg from "pg";
import type { Database } from "./schema.js";

// int8 columns hold millisecond timestamps (well below 2^53): read them as numbers, not strings.
pg.types.setTypeParser(20, (value: string) => Number(value));

/**
 * Opens the database named by `databaseUrl`: `sqlite:<path>` or `postgres://…`. SQLite
 * runs in WAL mode with `synchronous=NORMAL`: a committed write survives a process crash,
 * and readers never block the writer. PostgreSQL uses a pool of 10 connections.
 */
export function openDatabase(databaseUrl: string): Kysely<Database> {
  if (/^postgres(ql)?:\/\//.test(databaseUrl)) {
    return new Kysely<Database>({ dialect: new PostgresDialect({ pool: new pg.Pool({ connectionString: databaseUrl, max: 10 }) }) });
  }
  if (!databaseUrl.startsWith("sqlite:")) throw new TypeError(`unsupported DATABASE_URL ${databaseUrl}`);
  const path = sqlitePath(databaseUrl);
  if (path !== ":memory:") mkdirSync(dirname(path), { recursive: true });
  const sqlite = new SQLite(path);
  sqlite.pragma("journal_mode = WAL");
  sqlite.pragma("synchronous = NORMAL");
  sqlite.pragma("foreign_keys = ON");
  sqlite.pragma("busy_timeout = 5000");
  return new Kysely<Database>({ dialect: new SqliteDialect({ database: cachingStatements(sqlite) }) });
}

/** Most prepared statements kept; queries are built from a fixed set of shapes, so a few dozen suffice. */
const STATEMENT_CACHE = 256;

/**
 * Kysely prepares every query anew; preparing costs more than running a small insert.
 * Statements are run synchronously by better-sqlite3, so one can be reused by the next
 * query with the same SQL.
 */
function cachingStatements(sqlite: SQLite.Database): SqliteDatabase {
  const cache = new Map<string, SQLite.Statement>();
  return {
    close: () => sqlite.close(),
    prepare: (sql: string) => {
      let statement = cache.get(sql);
      if (!statement) {
        statement = sqlite.prepare(sql);
        if (cache.size >= STATEMENT_CACHE) cache.delete(cache.keys().next().value!);
        cache.set(sql, statement);
      }
      return statement;
    },
  };
}

/** The SQLite file path of a `sqlite:` URL, resolved against the working directory. */
export function sqlitePath(databaseUrl: string): string {
  const path = databaseUrl.slice("sqlite:".length);
  return path === ":memory:" || isAbsolute(path) ? path : resolve(path);
}
