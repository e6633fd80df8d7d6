import type { Migration } from "kysely";
import * as accounts from "./migrations/0002-accounts.js";

/** The auth tables (users, sessions): always part of the schema, whatever modules run. */
export const AUTH_MIGRATIONS: Record<string, Migration> = { "0002-accounts": accounts };
