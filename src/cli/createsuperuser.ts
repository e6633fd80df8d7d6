import { createInterface } from "node:readline/promises";
import { Writable } from "node:stream";
import type { Kysely } from "kysely";
import { UserStore } from "../auth/index.js";
import { loadConfig } from "../config.js";
import { openDatabase } from "../storage/database.js";
import { allMigrations } from "../app.js";
import { migrateToLatest } from "../storage/migrate.js";
import type { Command } from "./command.js";

/** `switchboard createsuperuser`: prompts, or takes flags for scripts. */
export const createsuperuser: Command = {
  summary: "create a superuser (prompts, or --username/--email/--password for scripts)",
  usage: `usage: switchboard createsuperuser [--username <name>] [--email <address>] [--password <pw>] [--group <name>] [--no-input]

Creates a user with the superuser flag. Missing values are asked for on a terminal (the
password without echo); with --no-input (or without a terminal) they must all be given.
The password may also come from SWITCHBOARD_SUPERUSER_PASSWORD, which keeps it out of
the shell history and the process list.`,
  options: {
    username: { type: "string" },
    email: { type: "string" },
    password: { type: "string" },
    group: { type: "string" },
    "no-input": { type: "boolean" },
  },
  async run(values) {
    const interactive = !values["no-input"] && process.stdin.isTTY === true;
    let username = values.username as string | undefined;
    let email = values.email as string | undefined;
    let password = (values.password as string | undefined) ?? process.env.SWITCHBOARD_SUPERUSER_PASSWORD;
    if (interactive) {
      username ??= await ask("Username: ");
      email ??= await ask("Email address: ");
      if (password === undefined) {
        password = await ask("Password: ", true);
        if ((await ask("Password (again): ", true)) !== password) {
          console.error("createsuperuser: the passwords do not match");
          return 1;
        }
      }
    }
    if (!username || !email || !password) {
      console.error("createsuperuser: --username, --email and --password (or SWITCHBOARD_SUPERUSER_PASSWORD) are required without a terminal");
      return 2;
    }
    const config = loadConfig();
    const db = openDatabase(config.databaseUrl);
    try {
      await migrateToLatest(db as Kysely<unknown>, allMigrations());
      const created = await new UserStore(db, { passwordMinLength: config.passwordMinLength }).create({ username, email, password, groupName: values.group as string | undefined, isSuperuser: true });
      if ("problem" in created) {
        console.error(`createsuperuser: ${created.problem}`);
        return 1;
      }
      console.log(`superuser ${created.user.username} created (id ${created.user.id})`);
      return 0;
    } finally {
      await db.destroy();
    }
  },
};

/** One line from the terminal; `hidden` does not echo what is typed. */
async function ask(question: string, hidden = false): Promise<string> {
  let muted = false;
  const output = new Writable({
    write(chunk: Buffer, _encoding, done) {
      if (!muted) process.stdout.write(chunk);
      done();
    },
  });
  const rl = createInterface({ input: process.stdin, output, terminal: true });
  const answer = rl.question(question);
  muted = hidden;
  const line = await answer;
  rl.close();
  if (hidden) process.stdout.write("\n");
  return line.trim();
}
