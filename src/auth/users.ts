import type { Kysely } from "kysely";
import { DEFAULT_PASSWORD_MIN_LENGTH, hashPassword, passwordProblem, verifyPassword } from "./passwords.js";
import type { Database } from "../storage/schema.js";

/** A user as the rest of the system sees it: never the password hash. */
export interface User {
  id: number;
  username: string;
  email: string;
  nickname: string;
  groupName: string;
  isSuperuser: boolean;
}

/** What creating a user needs. */
export interface NewUser {
  username: string;
  email: string;
  password: string;
  nickname?: string;
  groupName?: string;
  isSuperuser?: boolean;
}

/** Usernames: 1–150 of letters, digits and `_ . @ + -` (Django's rule). */
export const USERNAME_RULE = /^[\w.@+-]{1,150}$/;
const EMAIL_RULE = /^[^\s@]{1,64}@[^\s@]{1,255}$/;
const GROUP_RULE = /^[A-Za-z0-9._-]{1,80}$/;

/** A hash no password matches, so a missing user costs as much as a wrong password. */
let dummyHash: Promise<string> | null = null;

/** Users in the database. */
export class UserStore {
  /** The shortest password {@link create} accepts (`PASSWORD_MIN_LENGTH`, default 8); the sign-up form shows it. */
  readonly passwordMinLength: number;

  constructor(
    readonly db: Kysely<Database>,
    options: { passwordMinLength?: number } = {},
  ) {
    this.passwordMinLength = options.passwordMinLength ?? DEFAULT_PASSWORD_MIN_LENGTH;
  }

  /** Creates a user, or explains why not (nothing is written then); the password rules are `passwordProblem`'s. */
  async create(input: NewUser): Promise<{ user: User } | { problem: string }> {
    const problem = this.#problem(input);
    if (problem) return { problem };
    if (await this.byUsername(input.username)) return { problem: `username ${input.username} is taken` };
    const row = await this.db
      .insertInto("users")
      .values({
        username: input.username,
        email: input.email,
        password_hash: await hashPassword(input.password),
        nickname: input.nickname?.trim() || input.username,
        group_name: input.groupName ?? "default",
        is_superuser: input.isSuperuser ? 1 : 0,
        created_at: Date.now(),
      })
      .returning("id")
      .executeTakeFirst()
      .catch(() => undefined); // a concurrent create of the same name lost the race
    if (!row) return { problem: `username ${input.username} is taken` };
    return { user: (await this.byId(row.id))! };
  }

  /** The user with these credentials, or null. */
  async authenticate(username: string, password: string): Promise<User | null> {
    const row = await this.db.selectFrom("users").selectAll().where("username", "=", username).executeTakeFirst();
    if (!row) {
      await verifyPassword(password, await (dummyHash ??= hashPassword("not a real password")));
      return null;
    }
    return (await verifyPassword(password, row.password_hash)) ? toUser(row) : null;
  }

  async byId(id: number): Promise<User | null> {
    const row = await this.db.selectFrom("users").selectAll().where("id", "=", id).executeTakeFirst();
    return row ? toUser(row) : null;
  }

  async byUsername(username: string): Promise<User | null> {
    const row = await this.db.selectFrom("users").selectAll().where("username", "=", username).executeTakeFirst();
    return row ? toUser(row) : null;
  }

  /** The members of a notification group (id, username, nickname), by username; at most `limit`. */
  async inGroup(groupName: string, limit = 500): Promise<Pick<User, "id" | "username" | "nickname">[]> {
    return this.db
      .selectFrom("users")
      .select(["id", "username", "nickname"])
      .where("group_name", "=", groupName)
      .orderBy("username")
      .limit(limit)
      .execute();
  }

  /** Moves a user to another notification group. */
  async setGroup(id: number, groupName: string): Promise<void> {
    if (!GROUP_RULE.test(groupName)) throw new TypeError("group names are 1–80 of A–Z a–z 0–9 . _ -");
    await this.db.updateTable("users").set({ group_name: groupName }).where("id", "=", id).execute();
  }

  #problem(input: NewUser): string | null {
    if (typeof input.username !== "string" || !USERNAME_RULE.test(input.username)) {
      return "username must be 1–150 characters: letters, digits and _ . @ + -";
    }
    if (typeof input.email !== "string" || !EMAIL_RULE.test(input.email)) return "email address is not valid";
    if (input.groupName !== undefined && !GROUP_RULE.test(input.groupName)) return "group names are 1–80 of A–Z a–z 0–9 . _ -";
    if (input.nickname !== undefined && input.nickname.length > 150) return "nickname must be at most 150 characters";
    if (typeof input.password !== "string") return "password is required";
    return passwordProblem(input.password, input.username, this.passwordMinLength);
  }
}

function toUser(row: { id: number; username: string; email: string; nickname: string; group_name: string; is_superuser: number }): User {
  return {
    id: row.id,
    username: row.username,
    email: row.email,
    nickname: row.nickname,
    groupName: row.group_name,
    isSuperuser: row.is_superuser === 1,
  };
}
