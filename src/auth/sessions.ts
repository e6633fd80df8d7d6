import { createHash, randomBytes } from "node:crypto";
import type { Kysely } from "kysely";
import type { Database } from "../storage/schema.js";

/** The session cookie's name. */
export const SESSION_COOKIE = "sb_session";
/** How long a session lasts, in ms. */
export const SESSION_TTL_MS = 14 * 24 * 3600 * 1000;

const digest = (token: string): string => createHash("sha256").update(token).digest("base64url");

/** Cookie sessions: the cookie holds a random token; the database holds only its hash. */
export class SessionStore {
  constructor(readonly db: Kysely<Database>) {}

  /** Starts a session for `userId`; returns the cookie value. */
  async create(userId: number): Promise<string> {
    const token = randomBytes(32).toString("base64url");
    await this.db.insertInto("sessions").values({ id: digest(token), user_id: userId, expires_at: Date.now() + SESSION_TTL_MS }).execute();
    return token;
  }

  /** The user id of a live session, or null. */
  async userId(token: string): Promise<number | null> {
    if (!/^[A-Za-z0-9_-]{20,100}$/.test(token)) return null;
    const row = await this.db.selectFrom("sessions").select(["user_id", "expires_at"]).where("id", "=", digest(token)).executeTakeFirst();
    return row && row.expires_at > Date.now() ? row.user_id : null;
  }

  async destroy(token: string): Promise<void> {
    await this.db.deleteFrom("sessions").where("id", "=", digest(token)).execute();
  }
}

/** Reads one cookie from a `Cookie` header. */
export function readCookie(header: string | undefined, name: string): string | null {
  if (!header) return null;
  for (const part of header.split(";")) {
    const eq = part.indexOf("=");
    if (eq === -1 || part.slice(0, eq).trim() !== name) continue;
    try {
      return decodeURIComponent(part.slice(eq + 1).trim());
    } catch {
      return null;
    }
  }
  return null;
}
