import type { Kysely } from "kysely";
import { loadConfig } from "../config.js";
import { openDatabase } from "../storage/database.js";
import { allMigrations } from "../app.js";
import { migrateToLatest } from "../storage/migrate.js";
import type { Command } from "./command.js";

/** `switchboard migrate`: brings the database schema up to date. */
export const migrate: Command = {
  summary: "apply database migrations",
  usage: `usage: switchboard migrate

Applies every pending migration to DATABASE_URL (default sqlite:$DATA_DIR/switchboard.sqlite).`,
  options: {},
  async run() {
    const db = openDatabase(loadConfig().databaseUrl);
    try {
      const { results = [] } = await migrateToLatest(db as Kysely<unknown>, allMigrations());
      for (const r of results) console.log(`${r.status === "Success" ? "applied" : r.status}: ${r.migrationName}`);
      if (results.length === 0) console.log("no migrations to apply");
      return 0;
    } finally {
      await db.destroy();
    }
  },
};
