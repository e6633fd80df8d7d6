import type { Kysely } from "kysely";
import { idColumn, millisType } from "../../../storage/dialect.js";

export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable("chat_messages")
    .addColumn("id", ...idColumn(db))
    .addColumn("room", "text", (c) => c.notNull())
    .addColumn("user", "text", (c) => c.notNull())
    .addColumn("body", "text", (c) => c.notNull())
    .addColumn("created_at", millisType(db), (c) => c.notNull())
    .execute();
  await db.schema.createIndex("chat_messages_room_id").on("chat_messages").columns(["room", "id"]).execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable("chat_messages").execute();
}
