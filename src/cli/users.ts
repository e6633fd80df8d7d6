import type { Kysely } from "kysely";
import { UserStore } from "../auth/index.js";
import { loadConfig } from "../config.js";
import { openDatabase } from "../storage/database.js";
import { allMigrations } from "../app.js";
import { migrateToLatest } from "../storage/migrate.js";
import type { Command } from "./command.js";

/** `switchboard users set-group <username> <group>`: moves a user to another notification group. */
export const users: Command = {
  summary: "manage users (set-group <username> <group>)",
  usage: `usage: switchboard users set-group <username> <group>

Moves a user to another group: their /ws/notify/ sockets join channel_<group> from their
next token or session on. Group names are 1–80 of A–Z a–z 0–9 . _ -.`,
  options: {},
  async run(_values, args) {
    const [action, username, group] = args;
    if (action !== "set-group" || !username || !group || args.length !== 3) {
      console.error(users.usage);
      return 2;
    }
    const db = openDatabase(loadConfig().databaseUrl);
    try {
      await migrateToLatest(db as Kysely<unknown>, allMigrations());
      const store = new UserStore(db);
      const user = await store.byUsername(username);
      if (!user) {
        console.error(`users: no user named ${username}`);
        return 1;
      }
      try {
        await store.setGroup(user.id, group);
      } catch (error) {
        console.error(`users: ${(error as Error).message}`);
        return 2;
      }
      console.log(`${username} is now in group ${group}`);
      return 0;
    } finally {
      await db.destroy();
    }
  },
};
