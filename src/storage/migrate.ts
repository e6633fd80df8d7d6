import { Migrator, type Kysely, type Migration, type MigrationResultSet } from "kysely";
import * as chatMessages from "./migrations/0001-chat-messages.js";
import * as accounts from "./migrations/0002-accounts.js";
import * as books from "./migrations/0003-books.js";
import * as workorders from "./migrations/0004-workorders.js";

/** Every migration, in order. Listed here (not read from disk) so src and dist behave the same. */
export const migrations: Record<string, Migration> = {
  "0001-chat-messages": chatMessages,
  "0002-accounts": accounts,
  "0003-books": books,
  "0004-workorders": workorders,
};

/** Brings the schema up to date; throws with the failing migration's name. */
export async function migrateToLatest(db: Kysely<unknown>): Promise<MigrationResultSet> {
  const migrator = new Migrator({ db, provider: { getMigrations: async () => migrations } });
  const result = await migrator.migrateToLatest();
  if (result.error) {
    const failed = result.results?.find((r) => r.status === "Error")?.migrationName ?? "unknown";
    throw new Error(`migration ${failed} failed: ${(result.error as Error).message ?? String(result.error)}`);
  }
  return result;
}
