import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { CONFIG_ERRORS, ConfigError, loadConfig } from "../config.js";
import { sqlitePath } from "../storage/database.js";
import type { Command } from "./command.js";

/** Exit code when the database's client program is not installed (sysexits' EX_UNAVAILABLE). */
export const CLIENT_MISSING = 69;

/** How to start the database's own client: program, arguments, extra environment, and its Debian package. */
export interface ClientCommand {
  program: string;
  args: string[];
  env: Record<string, string>;
  debianPackage: string;
}

/**
 * The client for `databaseUrl`, like Django's `dbshell`: `sqlite3 <path>` for `sqlite:<path>`,
 * `psql <url>` for `postgres://…`. The password never goes on the command line (where `ps`
 * shows it to every user of the machine): it moves from the URL (or a `password=` query
 * parameter) into `PGPASSWORD`. `extra` goes after the database, as Django passes `dbshell --
 * <args>`. Throws a `TypeError` for a URL no client can open (an in-memory SQLite database).
 */
export function clientCommand(databaseUrl: string, extra: readonly string[] = []): ClientCommand {
  if (/^postgres(ql)?:\/\//.test(databaseUrl)) {
    let url: URL;
    try {
      url = new URL(databaseUrl);
    } catch {
      throw new TypeError("DATABASE_URL is not a valid URL (percent-encode special characters in the password)");
    }
    const env: Record<string, string> = {};
    const password = url.password ? decodeURIComponent(url.password) : url.searchParams.get("password");
    if (password) env.PGPASSWORD = password;
    url.password = "";
    url.searchParams.delete("password");
    return { program: "psql", args: [url.toString(), ...extra], env, debianPackage: "postgresql-client" };
  }
  const path = sqlitePath(databaseUrl);
  if (path === ":memory:") throw new TypeError("DATABASE_URL is sqlite::memory:; an in-memory database lives only inside the server process");
  return { program: "sqlite3", args: [path, ...extra], env: {}, debianPackage: "sqlite3" };
}

/**
 * Runs `client` with this terminal (stdin, stdout, stderr inherited); resolves with its exit
 * code (128 + signal number when a signal ended it). Ctrl-C belongs to the client while it
 * runs (psql cancels the running query, sqlite3 the statement), so this process ignores
 * SIGINT and SIGQUIT meanwhile; SIGTERM and SIGHUP are passed on to it.
 */
export function runClient(client: ClientCommand): Promise<number> {
  return new Promise((resolve) => {
    const child = spawn(client.program, client.args, { stdio: "inherit", env: { ...process.env, ...client.env } });
    const ignore = (): void => {};
    const forward = (signal: NodeJS.Signals): void => {
      child.kill(signal);
    };
    const handlers: [NodeJS.Signals, (signal: NodeJS.Signals) => void][] = [
      ["SIGINT", ignore],
      ["SIGQUIT", ignore],
      ["SIGTERM", forward],
      ["SIGHUP", forward],
    ];
    for (const [signal, handler] of handlers) process.on(signal, handler);
    const done = (code: number): void => {
      for (const [signal, handler] of handlers) process.off(signal, handler);
      resolve(code);
    };
    child.once("error", (error: NodeJS.ErrnoException) => {
      if (error.code === "ENOENT") {
        console.error(`dbshell: ${client.program} is not installed (or not on PATH); on Debian or Ubuntu: apt-get install -y ${client.debianPackage}`);
        done(CLIENT_MISSING);
        return;
      }
      console.error(`dbshell: could not start ${client.program}: ${error.message}`);
      done(1);
    });
    child.once("exit", (code, signal) => {
      if (code !== null) done(code);
      else done(128 + (signal ? signalNumber(signal) : 0));
    });
  });
}

function signalNumber(signal: NodeJS.Signals): number {
  const numbers: Partial<Record<NodeJS.Signals, number>> = { SIGHUP: 1, SIGINT: 2, SIGQUIT: 3, SIGKILL: 9, SIGTERM: 15 };
  return numbers[signal] ?? 0;
}

/** `switchboard dbshell [-- <client args>]`: `sqlite3` or `psql` on DATABASE_URL. */
export const dbshell: Command = {
  summary: "open sqlite3 or psql on the configured database",
  usage: `usage: switchboard dbshell [-- <client arguments>]

Runs the command-line client of the configured database with this terminal:
  sqlite:<path>        sqlite3 <path>          (Debian package sqlite3)
  postgres://…         psql <url>              (Debian package postgresql-client)
The PostgreSQL password goes to psql in PGPASSWORD, never on its command line. Arguments
after -- go to the client (switchboard dbshell -- -c "select count(*) from users").
Works over a pipe too: echo ".tables" | switchboard dbshell.
Exits with the client's exit code; 69 when the client is not installed; 1 when there is no
database yet (run "switchboard migrate" first).`,
  options: {},
  async run(_values, positionals) {
    let databaseUrl: string;
    try {
      databaseUrl = loadConfig().databaseUrl;
    } catch (error) {
      if (error instanceof ConfigError) {
        console.error(error.message);
        return CONFIG_ERRORS.SB_ERR_INVALID_CONFIG.exitCode;
      }
      throw error;
    }
    let client: ClientCommand;
    try {
      client = clientCommand(databaseUrl, positionals);
    } catch (error) {
      console.error(`dbshell: ${(error as Error).message}`);
      return 1;
    }
    // sqlite3 would create an empty file at a mistyped path and show no tables: say so instead.
    if (client.program === "sqlite3" && !existsSync(client.args[0]!)) {
      console.error(`dbshell: no database at ${client.args[0]} yet; run "switchboard migrate" first (or check DATA_DIR / DATABASE_URL)`);
      return 1;
    }
    return runClient(client);
  },
};
