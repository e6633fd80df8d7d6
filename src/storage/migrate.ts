import { Migrator, type Kysely, type Migration, type MigrationResultSet } from "kysely";

/**
 * Brings the schema up to date with `migrations` (every module's, by name: Kysely runs
 * them in name order); throws with the failing migration's name. They are passed in, not
 * read from disk, so src and dist behave the same.
 */
export async function migrateToLatest(db: Kysely<unknown>, migrations: Readonly<Record<string, Migration>>): Promise<MigrationResultSet> {
  const migrator = new Migrator({ db, provider: { getMigrations: async () => migrations } });
  const result = await migrator.migrateToLatest();
  if (result.error) {
    const failed = result.results?.find((r) => r.status === "Error")?.migrationName ?? "unknown";
    throw new Error(`migration ${failed} failed: ${(result.error as Error).message ?? String(result.error)}`);
  }
  return result;
}
