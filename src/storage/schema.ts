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

/** Every table the apps own, for Kysely's typing. */
export interface Database {
  titles: NamedTable;
  authors: NamedTable;
  books: BookTable;
  chat_messages: ChatMessageTable;
  users: UserTable;
  sessions: SessionTable;
}
