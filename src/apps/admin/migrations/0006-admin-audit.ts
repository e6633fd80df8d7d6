import type { Kysely } from "kysely";
import { idColumn, millisType } from "../../../storage/dialect.js";

/** The admin dashboard's audit trail: one row per action, never updated. */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable("admin_audit")
    .addColumn("id", ...idColumn(db))
    .addColumn("actor_id", "integer", (c) => c.notNull())
    .addColumn("actor", "text", (c) => c.notNull())
    .addColumn("action", "text", (c) => c.notNull())
    .addColumn("target", "text", (c) => c.notNull())
    .addColumn("detail", "text", (c) => c.notNull())
    .addColumn("outcome", "text", (c) => c.notNull())
    .addColumn("at", millisType(db), (c) => c.notNull())
    .execute();
  await db.schema.createIndex("admin_audit_at").on("admin_audit").column("at").execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable("admin_audit").execute();
}
