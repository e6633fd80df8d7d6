/** Every table, by the app that owns it, in an order where a row's references come before it. */
export const APP_TABLES = {
  accounts: ["users", "sessions"],
  chat: ["chat_messages"],
  books: ["titles", "authors", "books"],
  workorders: ["pipeline_templates", "work_orders", "step_runs", "work_order_audit", "user_roles"],
} as const;

export type AppName = keyof typeof APP_TABLES;

/** All tables in load order (references first). */
export const ALL_TABLES: string[] = Object.values(APP_TABLES).flat();

/** Tables with an auto-numbered `id` (PostgreSQL sequences must follow loaded ids). */
export const SERIAL_TABLES = new Set(["users", "chat_messages", "titles", "authors", "books", "pipeline_templates", "work_orders", "step_runs", "work_order_audit"]);
