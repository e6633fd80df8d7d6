import type { Kysely } from "kysely";
import type { ChatLine } from "../../protocol/index.js";
import type { Database } from "../../storage/schema.js";
import { RoomCounts } from "./room-counts.js";

/** A stored chat line is exactly what clients receive (the wire type of `protocol/`). */
export type { ChatLine };

/** Reads and writes chat lines. */
export class MessageStore {
  /** Lines this process stored, per room (the admin dashboard's message rates). */
  readonly stored = new RoomCounts();

  constructor(readonly db: Kysely<Database>) {}

  /** Stores one line and returns it with its id. */
  async add(room: string, user: string, message: string, now = Date.now()): Promise<ChatLine> {
    return (await this.addOnce(room, user, message, null, now)).line;
  }

  /**
   * Stores a line unless this room already holds one from `user` with client id `cid`;
   * then returns that one (`stored: false`), whatever text the resend carries. One
   * statement, so two nodes taking the same resend at once still store it once.
   */
  async addOnce(room: string, user: string, message: string, cid: string | null, now = Date.now()): Promise<{ line: ChatLine; stored: boolean }> {
    const row = await this.db
      .insertInto("chat_messages")
      .values({ room, user, body: message, created_at: now, client_id: cid })
      .onConflict((conflict) => conflict.columns(["room", "user", "client_id"]).doNothing())
      .returning("id")
      .executeTakeFirst();
    if (row) {
      this.stored.add(room);
      return { line: withCid({ id: row.id, room, user, message, ts: now }, cid), stored: true };
    }
    const existing = await this.db
      .selectFrom("chat_messages")
      .select(["id", "room", "user", "body", "created_at", "client_id"])
      .where("room", "=", room)
      .where("user", "=", user)
      .where("client_id", "=", cid)
      .executeTakeFirstOrThrow();
    return { line: toLine(existing), stored: false };
  }

  /** Up to `limit` lines of `room` with id greater than `after`, oldest first. */
  async after(room: string, after: number, limit: number): Promise<ChatLine[]> {
    const rows = await this.db
      .selectFrom("chat_messages")
      .select(["id", "room", "user", "body", "created_at", "client_id"])
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
      .select(["id", "room", "user", "body", "created_at", "client_id"])
      .where("room", "=", room)
      .orderBy("id", "desc")
      .limit(limit)
      .execute();
    return rows.reverse().map(toLine);
  }
}

function toLine(row: { id: number; room: string; user: string; body: string; created_at: number; client_id: string | null }): ChatLine {
  return withCid({ id: row.id, room: row.room, user: row.user, message: row.body, ts: row.created_at }, row.client_id);
}

/** The line with its sender's `cid`, when it had one (absent otherwise: the tutorial's lines stay as they were). */
function withCid(line: ChatLine, cid: string | null): ChatLine {
  return cid === null ? line : { ...line, cid };
}
