import repl from "node:repl";
import type { Kysely } from "kysely";
import { loadConfig } from "../config.js";
import { createLogger } from "../core/index.js";
import { createLayer } from "../runtime/layer.js";
import { openDatabase } from "../storage/database.js";
import { allMigrations } from "../app.js";
import { migrateToLatest } from "../storage/migrate.js";
import type { Command } from "./command.js";

/** `switchboard shell`: a Node REPL with `config`, `db` (Kysely) and `layer` loaded. */
export const shell: Command = {
  summary: "a Node REPL with config, db (Kysely) and layer loaded",
  usage: `usage: switchboard shell

Starts a Node REPL with:
  config   the validated configuration
  db       the Kysely database (await db.selectFrom("users").selectAll().execute())
  layer    the channel layer (await layer.groupSend("clock", {type: "server.time", ts: Date.now()}))
Top-level await works. .exit (or Ctrl-D) closes everything.`,
  options: {},
  async run() {
    const config = loadConfig();
    const db = openDatabase(config.databaseUrl);
    await migrateToLatest(db as Kysely<unknown>, allMigrations());
    const layer = createLayer(config, createLogger(config.logLevel === "info" ? "warn" : config.logLevel));
    const server = repl.start({ prompt: "switchboard> " });
    Object.assign(server.context, { config, db, layer });
    return new Promise<number>((resolve) => {
      server.on("exit", () => {
        void Promise.all([layer.close(), db.destroy()]).then(() => resolve(0));
      });
    });
  },
};
