import { readFileSync, writeFileSync } from "node:fs";
import { createInterface } from "node:readline/promises";
import { sql, type Kysely } from "kysely";
import { loadConfig } from "../config.js";
import { openDatabase } from "../storage/database.js";
import { isPostgres } from "../storage/dialect.js";
import { allMigrations } from "../app.js";
import { migrateToLatest } from "../storage/migrate.js";
import { ALL_TABLES, APP_TABLES, SERIAL_TABLES, type AppName } from "../storage/tables.js";
import type { Command } from "./command.js";

const FORMAT = "switchboard-dump";
const latest = (): string => Object.keys(allMigrations()).sort().at(-1)!;

async function withDb<T>(work: (db: Kysely<unknown>) => Promise<T>): Promise<T> {
  const db = openDatabase(loadConfig().databaseUrl) as unknown as Kysely<unknown>;
  try {
    await migrateToLatest(db, allMigrations());
    return await work(db);
  } finally {
    await db.destroy();
  }
}

async function rowsOf(db: Kysely<unknown>, table: string): Promise<unknown[]> {
  return (await sql`select * from ${sql.table(table)} order by 1`.execute(db)).rows;
}

/** `switchboard dumpdata [app]`: every table (or one app's) as JSON on stdout or to --output. */
export const dumpdata: Command = {
  summary: "write the data of every app (or one) as JSON",
  usage: `usage: switchboard dumpdata [${Object.keys(APP_TABLES).join("|")}] [--output <file>]

Writes {"format", "schema", "tables": {name: rows}} — the schema is the latest migration,
so loaddata can refuse a dump from a newer version.`,
  options: { output: { type: "string" } },
  async run(values, args) {
    const app = args[0] as AppName | undefined;
    if (args.length > 1 || (app !== undefined && !(app in APP_TABLES))) {
      console.error(dumpdata.usage);
      return 2;
    }
    const tables = app ? [...APP_TABLES[app]] : ALL_TABLES;
    const dump = await withDb(async (db) => ({
      format: FORMAT,
      schema: latest(),
      tables: Object.fromEntries(await Promise.all(tables.map(async (t) => [t, await rowsOf(db, t)] as const))),
    }));
    const text = JSON.stringify(dump, null, 1);
    if (values.output) writeFileSync(String(values.output), text);
    else process.stdout.write(text + "\n");
    return 0;
  },
};

/** `switchboard loaddata <file>`: loads a dump in one transaction. */
export const loaddata: Command = {
  summary: "load a JSON dump (one transaction; refuses a newer schema)",
  usage: `usage: switchboard loaddata <file.json>

Inserts every row of the dump (ids kept) in one transaction: all or nothing. A dump made by
a newer schema than this database's is refused.`,
  options: {},
  async run(_values, args) {
    if (args.length !== 1) {
      console.error(loaddata.usage);
      return 2;
    }
    let dump: { format?: string; schema?: string; tables?: Record<string, Record<string, unknown>[]> };
    try {
      dump = JSON.parse(readFileSync(args[0]!, "utf8"));
    } catch (error) {
      console.error(`loaddata: cannot read ${args[0]}: ${(error as Error).message}`);
      return 1;
    }
    if (dump.format !== FORMAT || !dump.tables || typeof dump.schema !== "string") {
      console.error(`loaddata: ${args[0]} is not a switchboard dump`);
      return 1;
    }
    if (!(dump.schema in allMigrations())) {
      console.error(`loaddata: ${args[0]} comes from a newer schema (${dump.schema}); this version knows up to ${latest()}. Upgrade Switchboard first.`);
      return 1;
    }
    const unknown = Object.keys(dump.tables).filter((t) => !ALL_TABLES.includes(t));
    if (unknown.length > 0) {
      console.error(`loaddata: unknown tables ${unknown.join(", ")}`);
      return 1;
    }
    const count = await withDb((db) =>
      db.transaction().execute(async (tx) => {
        let n = 0;
        for (const table of ALL_TABLES) {
          for (const row of dump.tables![table] ?? []) {
            await tx.insertInto(table as never).values(row as never).execute();
            n++;
          }
          if (isPostgres(tx) && SERIAL_TABLES.has(table) && (dump.tables![table]?.length ?? 0) > 0) {
            await sql`select setval(pg_get_serial_sequence(${table}, 'id'), (select max(id) from ${sql.table(table)}))`.execute(tx);
          }
        }
        return n;
      }),
    );
    console.log(`loaded ${count} rows`);
    return 0;
  },
};

/** `switchboard flush [--yes]`: deletes every row of every app. */
export const flush: Command = {
  summary: "delete all data (asks first unless --yes)",
  usage: `usage: switchboard flush [--yes]

Deletes every row of every table (the schema stays). Asks for confirmation on a terminal;
without one, --yes is required.`,
  options: { yes: { type: "boolean" } },
  async run(values) {
    if (!values.yes) {
      if (!process.stdin.isTTY) {
        console.error("flush: refusing without --yes (no terminal to confirm on)");
        return 2;
      }
      const rl = createInterface({ input: process.stdin, output: process.stdout });
      const answer = await rl.question("This deletes ALL data. Type 'yes' to continue: ");
      rl.close();
      if (answer.trim() !== "yes") {
        console.log("flush cancelled");
        return 1;
      }
    }
    await withDb((db) =>
      db.transaction().execute(async (tx) => {
        for (const table of [...ALL_TABLES].reverse()) await tx.deleteFrom(table as never).execute();
      }),
    );
    console.log("all data deleted");
    return 0;
  },
};

/** `switchboard showmigrations`: each migration and whether it is applied. */
export const showmigrations: Command = {
  summary: "list migrations and whether each is applied",
  usage: "usage: switchboard showmigrations\n\nPrints [X] for applied migrations and [ ] for pending ones.",
  options: {},
  async run() {
    const db = openDatabase(loadConfig().databaseUrl) as unknown as Kysely<unknown>;
    try {
      const { Migrator } = await import("kysely");
      const migrator = new Migrator({ db, provider: { getMigrations: async () => allMigrations() } });
      for (const m of await migrator.getMigrations()) console.log(`[${m.executedAt ? "X" : " "}] ${m.name}`);
      return 0;
    } finally {
      await db.destroy();
    }
  },
};
