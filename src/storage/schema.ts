import type { ColumnType, Generated } from "kysely";

/** Chat lines, stored before they are broadcast. */
export interface ChatMessageTable {
  id: Generated<number>;
  room: string;
  user: string;
  body: string;
  /** Milliseconds since the epoch. */
  created_at: number;
  /** The sender's own id of the line (`cid`), unique per room and user; null for lines sent without one. */
  client_id: ColumnType<string | null, string | null | undefined, string | null>;
}

/** Accounts. `password_hash` never leaves the accounts app. */
export interface UserTable {
  id: Generated<number>;
  username: string;
  email: string;
  password_hash: string;
  nickname: string;
  group_name: Generated<string>;
  /** 0 or 1 (SQLite has no boolean). */
  is_superuser: Generated<number>;
  created_at: number;
}

/** Cookie sessions; `id` is the SHA-256 of the cookie's token, never the token. */
export interface SessionTable {
  id: string;
  user_id: number;
  expires_at: number;
}

/** Book titles and authors: one row per distinct name, shared by books. */
export interface NamedTable {
  id: Generated<number>;
  name: string;
}

export interface BookTable {
  id: Generated<number>;
  title_id: number;
  author_id: number;
  created_at: number;
}

/** Pipeline templates: `definition` is the validated JSON of a {@link PipelineTemplate}. */
export interface PipelineTemplateTable {
  id: Generated<number>;
  name: string;
  definition: string;
  created_at: number;
}

export interface WorkOrderTable {
  id: Generated<number>;
  title: string;
  template_id: number;
  /** JSON object of parameter values, validated against the template. */
  params: string;
  requester_id: number;
  approver_id: number | null;
  state: string;
  reason: string | null;
  created_at: number;
  updated_at: number;
}

export interface StepRunTable {
  id: Generated<number>;
  order_id: number;
  step: string;
  state: string;
  started_at: number | null;
  finished_at: number | null;
  exit_code: number | null;
  error: string | null;
  log: Generated<string>;
}

export interface WorkOrderAuditTable {
  id: Generated<number>;
  order_id: number;
  actor_id: number | null;
  from_state: string | null;
  to_state: string;
  note: string | null;
  at: number;
}

export interface UserRoleTable {
  user_id: number;
  role: string;
}

/** The admin dashboard's actions: who did what to which target, when, and how it went. */
export interface AdminAuditTable {
  id: Generated<number>;
  actor_id: number;
  actor: string;
  /** `close_socket` or `notice`. */
  action: string;
  /** What it was done to: `<node> <connection id>`, or the group. */
  target: string;
  /** The reason or the notice's text. */
  detail: string;
  /** `closed`, `not_found`, `no_answer`, `sent`. */
  outcome: string;
  /** Milliseconds since the epoch. */
  at: number;
}

/** Every table the apps own, for Kysely's typing. */
export interface Database {
  pipeline_templates: PipelineTemplateTable;
  work_orders: WorkOrderTable;
  step_runs: StepRunTable;
  work_order_audit: WorkOrderAuditTable;
  user_roles: UserRoleTable;
  titles: NamedTable;
  authors: NamedTable;
  books: BookTable;
  chat_messages: ChatMessageTable;
  users: UserTable;
  sessions: SessionTable;
  admin_audit: AdminAuditTable;
}
