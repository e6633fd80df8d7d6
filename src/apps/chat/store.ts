import type { Kysely } from "kysely";
import type { ChatLine } from "../../protocol/index.js";
import type { Database } from "../../storage/schema.js";

/** A stored chat line is exactly what clients receive (the wire type of `protocol/`). */
export type { ChatLine };

/** Reads and writes chat lines. */
export class MessageStore {
  constructor(readonly db: Kysely<Database>) {}

  /** Stores one line and returns it with its id. */
  async add(room: string, user: string, message: string, now = Date.now()): Promise<ChatLine> {
    const row = await this.db
      .insertInto("chat_messages")
      .values({ room, user, body: message, created_at: now })
      .returning("id")
      .executeTakeFirstOrThrow();
    return { id: row.id, room, user, message, ts: now };
  }

  /** Up to `limit` lines of `room` with id greater than `after`, oldest first. */
  async after(room: string, after: number, limit: number): Promise<ChatLine[]> {
    const rows = await this.db
      .selectFrom("chat_messages")
      .select(["id", "room", "user", "body", "created_at"])
      .where("room", "=", room)
      .where("id", ">", after)
      .orderBy("id", "asc")
      .limit(limit)
      .execute();
    return rows.map(toLine);
  }

  /** The last `limit` lines of `room`, oldest first. */
  async latest(room: string, limit: number): Promise<ChatLine[]> {
    const rows = await this.db
      .selectFrom("chat_messages")
      .select(["id", "room", "user", "body", "created_at"])
      .where("room", "=", room)
      .orderBy("id", "desc")
      .limit(limit)
      .execute();
    return rows.reverse().map(toLine);
  }
}

function toLine(row: { id: number; room: string; user: string; body: string; created_at: number }): ChatLine {
  return { id: row.id, room: row.room, user: row.user, message: row.body, ts: row.created_at };
}
