import type { Generated } from "kysely";

/** Chat lines, stored before they are broadcast. */
export interface ChatMessageTable {
  id: Generated<number>;
  room: string;
  user: string;
  body: string;
  /** Milliseconds since the epoch. */
  created_at: number;
}

/** Every table the apps own, for Kysely's typing. */
export interface Database {
  chat_messages: ChatMessageTable;
}
