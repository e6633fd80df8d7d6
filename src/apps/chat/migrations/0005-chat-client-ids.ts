import type { Kysely } from "kysely";

/**
 * The id a client gives each line it sends (`cid`): a line is stored once per room, user
 * and client id, so a client that resends what it never saw acknowledged (the server died
 * before the ack) does not store it twice. Lines without one (the tutorial's page) keep NULL,
 * which a unique index never compares equal.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable("chat_messages").addColumn("client_id", "text").execute();
  await db.schema.createIndex("chat_messages_client_id").unique().on("chat_messages").columns(["room", "user", "client_id"]).execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropIndex("chat_messages_client_id").execute();
  await db.schema.alterTable("chat_messages").dropColumn("client_id").execute();
}
