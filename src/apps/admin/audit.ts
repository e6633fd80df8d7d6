import type { Kysely } from "kysely";
import type { Database } from "../../storage/schema.js";

import type { AdminAuditEntry } from "../../protocol/admin.js";

/** One audited admin action, as the page lists it (the wire type). */
export type AuditEntry = AdminAuditEntry;

/** The audit trail of the dashboard's actions, in the database (`admin_audit`). */
export class AuditLog {
  constructor(readonly db: Kysely<Database>) {}

  /** Records one action; answers it with its id. */
  async record(entry: Omit<AuditEntry, "id" | "at">, at = Date.now()): Promise<AuditEntry> {
    const row = await this.db
      .insertInto("admin_audit")
      .values({ actor_id: entry.actorId, actor: entry.actor, action: entry.action, target: entry.target, detail: entry.detail, outcome: entry.outcome, at })
      .returning("id")
      .executeTakeFirstOrThrow();
    return { ...entry, id: row.id, at };
  }

  /** The `limit` most recent actions, newest first. */
  async recent(limit = 50): Promise<AuditEntry[]> {
    const rows = await this.db.selectFrom("admin_audit").selectAll().orderBy("id", "desc").limit(limit).execute();
    return rows.map((r) => ({ id: r.id, actorId: r.actor_id, actor: r.actor, action: r.action as AuditEntry["action"], target: r.target, detail: r.detail, outcome: r.outcome, at: Number(r.at) }));
  }
}
