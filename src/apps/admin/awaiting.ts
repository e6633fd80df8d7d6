import type { Kysely } from "kysely";
import type { Database } from "../../storage/schema.js";

/** A work order waiting for an approver, as the dashboard lists it. */
export interface AwaitingOrder {
  id: number;
  title: string;
  requester: string;
  since: number;
}

/**
 * The oldest `limit` work orders awaiting approval, read from the shared database (the
 * workorders app's table: apps do not import each other, and the table is the contract the
 * CLI's `dumpdata` reads too). Cluster-wide by nature: every node sees the same rows.
 */
export async function awaitingApproval(db: Kysely<Database>, limit = 50): Promise<AwaitingOrder[]> {
  const rows = await db
    .selectFrom("work_orders")
    .leftJoin("users", "users.id", "work_orders.requester_id")
    .select(["work_orders.id as id", "work_orders.title as title", "users.username as requester", "work_orders.updated_at as since"])
    .where("work_orders.state", "=", "pending_approval")
    .orderBy("work_orders.updated_at", "asc")
    .limit(limit)
    .execute();
  return rows.map((r) => ({ id: r.id, title: r.title, requester: r.requester ?? "(deleted user)", since: Number(r.since) }));
}
