import type { Kysely } from "kysely";
import { idColumn, millisType } from "../../../storage/dialect.js";

export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable("pipeline_templates")
    .addColumn("id", ...idColumn(db))
    .addColumn("name", "text", (c) => c.notNull().unique())
    .addColumn("definition", "text", (c) => c.notNull())
    .addColumn("created_at", millisType(db), (c) => c.notNull())
    .execute();
  await db.schema
    .createTable("work_orders")
    .addColumn("id", ...idColumn(db))
    .addColumn("title", "text", (c) => c.notNull())
    .addColumn("template_id", "integer", (c) => c.notNull().references("pipeline_templates.id"))
    .addColumn("params", "text", (c) => c.notNull())
    .addColumn("requester_id", "integer", (c) => c.notNull().references("users.id"))
    .addColumn("approver_id", "integer", (c) => c.references("users.id"))
    .addColumn("state", "text", (c) => c.notNull())
    .addColumn("reason", "text")
    .addColumn("created_at", millisType(db), (c) => c.notNull())
    .addColumn("updated_at", millisType(db), (c) => c.notNull())
    .execute();
  await db.schema
    .createTable("step_runs")
    .addColumn("id", ...idColumn(db))
    .addColumn("order_id", "integer", (c) => c.notNull().references("work_orders.id").onDelete("cascade"))
    .addColumn("step", "text", (c) => c.notNull())
    .addColumn("state", "text", (c) => c.notNull())
    .addColumn("started_at", millisType(db))
    .addColumn("finished_at", millisType(db))
    .addColumn("exit_code", "integer")
    .addColumn("error", "text")
    .addColumn("log", "text", (c) => c.notNull().defaultTo(""))
    .execute();
  await db.schema.createIndex("step_runs_order").on("step_runs").columns(["order_id", "step"]).unique().execute();
  await db.schema
    .createTable("work_order_audit")
    .addColumn("id", ...idColumn(db))
    .addColumn("order_id", "integer", (c) => c.notNull().references("work_orders.id").onDelete("cascade"))
    .addColumn("actor_id", "integer", (c) => c.references("users.id"))
    .addColumn("from_state", "text")
    .addColumn("to_state", "text", (c) => c.notNull())
    .addColumn("note", "text")
    .addColumn("at", millisType(db), (c) => c.notNull())
    .execute();
  await db.schema
    .createTable("user_roles")
    .addColumn("user_id", "integer", (c) => c.notNull().references("users.id").onDelete("cascade"))
    .addColumn("role", "text", (c) => c.notNull())
    .addPrimaryKeyConstraint("user_roles_pk", ["user_id", "role"])
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  for (const t of ["user_roles", "work_order_audit", "step_runs", "work_orders", "pipeline_templates"]) await db.schema.dropTable(t).execute();
}
