import { PostgresAdapter, type ColumnDataType, type ColumnDefinitionBuilder, type Kysely } from "kysely";

/** Whether `db` talks to PostgreSQL (otherwise SQLite). */
export function isPostgres(db: Kysely<unknown>): boolean {
  return db.getExecutor().adapter instanceof PostgresAdapter;
}

/** An auto-numbered primary key: `integer … autoincrement` on SQLite, `serial` on PostgreSQL. */
export function idColumn(db: Kysely<unknown>): [ColumnDataType, (c: ColumnDefinitionBuilder) => ColumnDefinitionBuilder] {
  return isPostgres(db) ? ["serial", (c) => c.primaryKey()] : ["integer", (c) => c.primaryKey().autoIncrement()];
}

/** A millisecond timestamp: 64-bit on both (`integer` is already 64-bit on SQLite). */
export function millisType(db: Kysely<unknown>): ColumnDataType {
  return isPostgres(db) ? "bigint" : "integer";
}
