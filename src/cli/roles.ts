import type { Kysely } from "kysely";
import { UserStore } from "../auth/index.js";
import { WorkOrderStore } from "../apps/workorders/index.js";
import { loadConfig } from "../config.js";
import { openDatabase } from "../storage/database.js";
import { allMigrations } from "../app.js";
import { migrateToLatest } from "../storage/migrate.js";
import type { Command } from "./command.js";

const ROLES = ["approver"];

/** `switchboard roles grant|revoke <user> <role>`. */
export const roles: Command = {
  summary: "grant or revoke a role (roles grant <user> approver)",
  usage: `usage: switchboard roles grant|revoke <username> <role>

Roles: ${ROLES.join(", ")}. An approver may approve or reject work orders filed by others.`,
  options: {},
  async run(_values, args) {
    const [action, username, role] = args;
    if ((action !== "grant" && action !== "revoke") || !username || !role || !ROLES.includes(role) || args.length !== 3) {
      console.error(roles.usage);
      return 2;
    }
    const db = openDatabase(loadConfig().databaseUrl);
    try {
      await migrateToLatest(db as Kysely<unknown>, allMigrations());
      const user = await new UserStore(db).byUsername(username);
      if (!user) {
        console.error(`roles: no user named ${username}`);
        return 1;
      }
      const store = new WorkOrderStore(db);
      if (action === "grant") await store.grant(user.id, role);
      else await store.revoke(user.id, role);
      console.log(`${username}: ${role} ${action === "grant" ? "granted" : "revoked"}`);
      return 0;
    } finally {
      await db.destroy();
    }
  },
};
