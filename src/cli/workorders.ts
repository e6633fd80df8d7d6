import { readFileSync } from "node:fs";
import type { Kysely } from "kysely";
import { TemplateError, WorkOrderStore, validateTemplate } from "../apps/workorders/index.js";
import { loadConfig } from "../config.js";
import { openDatabase } from "../storage/database.js";
import { allMigrations } from "../app.js";
import { migrateToLatest } from "../storage/migrate.js";
import type { Command } from "./command.js";

/** `switchboard workorders load-template <file>`: defines a pipeline template from a file on the server. */
export const workorders: Command = {
  summary: "load a pipeline template from a JSON file (workorders load-template <file>)",
  usage: `usage: switchboard workorders load-template <file.json>

Validates and stores (or replaces, by name) a pipeline template:
  { "name": "deploy", "params": { "COMMIT": { "pattern": "^[0-9a-f]{7,40}$" } },
    "steps": [ { "name": "fetch", "command": ["git", "fetch"] },
               { "name": "build", "command": ["make"], "needs": ["fetch"], "timeoutSeconds": 600 } ] }
Commands are argv arrays; parameters reach them as environment variables ("$COMMIT").`,
  options: {},
  async run(_values, args) {
    const [action, file] = args;
    if (action !== "load-template" || !file || args.length !== 2) {
      console.error(workorders.usage);
      return 2;
    }
    let template;
    try {
      template = validateTemplate(JSON.parse(readFileSync(file, "utf8")));
    } catch (error) {
      console.error(`workorders: ${error instanceof TemplateError || error instanceof SyntaxError ? error.message : String(error)}`);
      return 1;
    }
    const db = openDatabase(loadConfig().databaseUrl);
    try {
      await migrateToLatest(db as Kysely<unknown>, allMigrations());
      const id = await new WorkOrderStore(db).saveTemplate(template);
      console.log(`template ${template.name} saved (id ${id}, ${template.steps.length} steps)`);
      return 0;
    } finally {
      await db.destroy();
    }
  },
};
