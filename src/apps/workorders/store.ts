import { sql, type Kysely } from "kysely";
import { isPostgres } from "../../storage/dialect.js";
import type { Database } from "../../storage/schema.js";
import type { StepRun } from "../../protocol/workorders.js";
import type { OrderState, StepState } from "./states.js";
import { validateTemplate, type PipelineTemplate } from "./template.js";

/** A work order as clients see it. */
export interface WorkOrder {
  id: number;
  title: string;
  templateId: number;
  templateName: string;
  params: Record<string, string>;
  requesterId: number;
  requester: string;
  approverId: number | null;
  state: OrderState;
  reason: string | null;
  createdAt: number;
  updatedAt: number;
}

export type { StepRun };

/** One audit entry: who moved the order from where to where, and when. */
export interface AuditEntry {
  actorId: number | null;
  /** The actor's username (null: the runner itself, or a deleted user). */
  actor: string | null;
  from: string | null;
  to: string;
  note: string | null;
  at: number;
}

/** Templates, orders, step runs, the audit trail and roles, in the database. */
export class WorkOrderStore {
  constructor(readonly db: Kysely<Database>) {}

  async saveTemplate(template: PipelineTemplate): Promise<number> {
    const definition = JSON.stringify(template);
    // One statement: nodes (or `serve --processes` workers) starting together all load the
    // demo template, and a read-then-insert lets two of them insert the same name.
    const row = await this.db
      .insertInto("pipeline_templates")
      .values({ name: template.name, definition, created_at: Date.now() })
      .onConflict((conflict) => conflict.column("name").doUpdateSet({ definition }))
      .returning("id")
      .executeTakeFirstOrThrow();
    return row.id;
  }

  async templates(): Promise<Array<{ id: number; template: PipelineTemplate }>> {
    const rows = await this.db.selectFrom("pipeline_templates").selectAll().orderBy("id").execute();
    return rows.map((r) => ({ id: r.id, template: validateTemplate(JSON.parse(r.definition)) }));
  }

  async template(idOrName: number | string): Promise<{ id: number; template: PipelineTemplate } | null> {
    const row = await this.db
      .selectFrom("pipeline_templates")
      .selectAll()
      .where(typeof idOrName === "number" ? "id" : "name", "=", idOrName)
      .executeTakeFirst();
    return row ? { id: row.id, template: validateTemplate(JSON.parse(row.definition)) } : null;
  }

  async createOrder(input: { title: string; templateId: number; params: Record<string, string>; requesterId: number; steps: string[] }): Promise<number> {
    return this.db.transaction().execute(async (tx) => {
      const now = Date.now();
      const row = await tx
        .insertInto("work_orders")
        .values({ title: input.title, template_id: input.templateId, params: JSON.stringify(input.params), requester_id: input.requesterId, approver_id: null, state: "draft", reason: null, created_at: now, updated_at: now })
        .returning("id")
        .executeTakeFirstOrThrow();
      await tx.insertInto("step_runs").values(input.steps.map((step) => ({ order_id: row.id, step, state: "pending", started_at: null, finished_at: null, exit_code: null, error: null }))).execute();
      await tx.insertInto("work_order_audit").values({ order_id: row.id, actor_id: input.requesterId, from_state: null, to_state: "draft", note: null, at: now }).execute();
      return row.id;
    });
  }

  /** Moves an order and records who did it. */
  async setState(id: number, from: OrderState, to: OrderState, actorId: number | null, changes: { approverId?: number; reason?: string | null } = {}): Promise<void> {
    const now = Date.now();
    await this.db.transaction().execute(async (tx) => {
      await tx
        .updateTable("work_orders")
        .set({ state: to, updated_at: now, ...(changes.approverId !== undefined ? { approver_id: changes.approverId } : {}), ...(changes.reason !== undefined ? { reason: changes.reason } : {}) })
        .where("id", "=", id)
        .execute();
      await tx.insertInto("work_order_audit").values({ order_id: id, actor_id: actorId, from_state: from, to_state: to, note: changes.reason ?? null, at: now }).execute();
    });
  }

  async order(id: number): Promise<WorkOrder | null> {
    const row = await this.#orders().where("work_orders.id", "=", id).executeTakeFirst();
    return row ? toOrder(row) : null;
  }

  async orders(filter: { state?: string; requesterId?: number } = {}): Promise<WorkOrder[]> {
    let q = this.#orders().orderBy("work_orders.id", "desc").limit(200);
    if (filter.state) q = q.where("work_orders.state", "=", filter.state);
    if (filter.requesterId !== undefined) q = q.where("work_orders.requester_id", "=", filter.requesterId);
    return (await q.execute()).map(toOrder);
  }

  async steps(orderId: number): Promise<StepRun[]> {
    const rows = await this.db.selectFrom("step_runs").selectAll().where("order_id", "=", orderId).orderBy("id").execute();
    return rows.map((r) => ({ step: r.step, state: r.state as StepState, startedAt: r.started_at, finishedAt: r.finished_at, exitCode: r.exit_code, error: r.error }));
  }

  async updateStep(orderId: number, step: string, patch: Partial<Omit<StepRun, "step">>): Promise<void> {
    await this.db
      .updateTable("step_runs")
      .set({
        ...(patch.state !== undefined ? { state: patch.state } : {}),
        ...(patch.startedAt !== undefined ? { started_at: patch.startedAt } : {}),
        ...(patch.finishedAt !== undefined ? { finished_at: patch.finishedAt } : {}),
        ...(patch.exitCode !== undefined ? { exit_code: patch.exitCode } : {}),
        ...(patch.error !== undefined ? { error: patch.error } : {}),
      })
      .where("order_id", "=", orderId)
      .where("step", "=", step)
      .execute();
  }

  /** Appends to a step's log in one statement (no read), keeping its last 256 KiB. */
  async appendLog(orderId: number, step: string, text: string): Promise<void> {
    const keep = 256 * 1024;
    const tail = isPostgres(this.db as Kysely<unknown>) ? sql<string>`right(log || ${text}, ${keep})` : sql<string>`substr(log || ${text}, ${-keep})`;
    await this.db.updateTable("step_runs").set({ log: tail }).where("order_id", "=", orderId).where("step", "=", step).execute();
  }

  async log(orderId: number, step: string): Promise<string> {
    const row = await this.db.selectFrom("step_runs").select("log").where("order_id", "=", orderId).where("step", "=", step).executeTakeFirst();
    return row?.log ?? "";
  }

  async audit(orderId: number): Promise<AuditEntry[]> {
    const rows = await this.db.selectFrom("work_order_audit").selectAll().where("order_id", "=", orderId).orderBy("id").execute();
    const names = new Map<number, string>();
    const ids = [...new Set(rows.map((r) => r.actor_id).filter((v): v is number => v !== null))];
    if (ids.length > 0) for (const u of await this.db.selectFrom("users").select(["id", "username"]).where("id", "in", ids).execute()) names.set(u.id, u.username);
    return rows.map((r) => ({ actorId: r.actor_id, actor: r.actor_id === null ? null : (names.get(r.actor_id) ?? null), from: r.from_state, to: r.to_state, note: r.note, at: r.at }));
  }

  /** Everyone who may approve: holders of `role` and superusers (ids, ascending, at most 500). */
  async approverIds(role: string): Promise<number[]> {
    const [byRole, superusers] = await Promise.all([
      this.db.selectFrom("user_roles").select("user_id").where("role", "=", role).execute(),
      this.db.selectFrom("users").select("id").where("is_superuser", "=", 1).execute(),
    ]);
    return [...new Set([...byRole.map((r) => r.user_id), ...superusers.map((r) => r.id)])].sort((a, b) => a - b).slice(0, 500);
  }

  /** Every user with their roles (by username, at most 500), for the superusers' page. */
  async usersWithRoles(): Promise<{ id: number; username: string; isSuperuser: boolean; roles: string[] }[]> {
    const users = await this.db.selectFrom("users").select(["id", "username", "is_superuser"]).orderBy("username").limit(500).execute();
    const roles = await this.db.selectFrom("user_roles").select(["user_id", "role"]).execute();
    return users.map((u) => ({ id: u.id, username: u.username, isSuperuser: u.is_superuser === 1, roles: roles.filter((r) => r.user_id === u.id).map((r) => r.role).sort() }));
  }

  async hasRole(userId: number, role: string): Promise<boolean> {
    return (await this.db.selectFrom("user_roles").select("role").where("user_id", "=", userId).where("role", "=", role).executeTakeFirst()) !== undefined;
  }

  async grant(userId: number, role: string): Promise<void> {
    if (!(await this.hasRole(userId, role))) await this.db.insertInto("user_roles").values({ user_id: userId, role }).execute();
  }

  async revoke(userId: number, role: string): Promise<void> {
    await this.db.deleteFrom("user_roles").where("user_id", "=", userId).where("role", "=", role).execute();
  }

  #orders() {
    return this.db
      .selectFrom("work_orders")
      .innerJoin("pipeline_templates", "pipeline_templates.id", "work_orders.template_id")
      .innerJoin("users", "users.id", "work_orders.requester_id")
      .select([
        "work_orders.id as id",
        "work_orders.title as title",
        "work_orders.template_id as templateId",
        "pipeline_templates.name as templateName",
        "work_orders.params as params",
        "work_orders.requester_id as requesterId",
        "users.username as requester",
        "work_orders.approver_id as approverId",
        "work_orders.state as state",
        "work_orders.reason as reason",
        "work_orders.created_at as createdAt",
        "work_orders.updated_at as updatedAt",
      ]);
  }
}

function toOrder(r: Omit<WorkOrder, "params" | "state"> & { params: string; state: string }): WorkOrder {
  return { ...r, params: JSON.parse(r.params) as Record<string, string>, state: r.state as OrderState };
}
