import type { Kysely } from "kysely";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { SessionStore } from "../../src/auth/sessions.js";
import { UserStore } from "../../src/auth/users.js";
import { MessageStore } from "../../src/apps/chat/store.js";
import { BookStore } from "../../src/apps/books/store.js";
import { WorkOrderStore } from "../../src/apps/workorders/store.js";
import { openDatabase } from "../../src/storage/database.js";
import { allMigrations } from "../../src/app.js";
import { migrateToLatest } from "../../src/storage/migrate.js";
import type { Database } from "../../src/storage/schema.js";

/**
 * The database layer's behaviour, run on every supported database: `url()` gives a fresh,
 * empty database (`sqlite:<file>` or `postgres://…`).
 */
export function describeStores(name: string, url: () => Promise<string>): void {
  describe(`stores on ${name}`, () => {
    let db: Kysely<Database>;
    beforeAll(async () => {
      db = openDatabase(await url());
      const first = await migrateToLatest(db as Kysely<unknown>, allMigrations());
      expect(first.results?.map((r) => r.migrationName)).toEqual(Object.keys(allMigrations()).sort());
    });
    afterAll(async () => {
      await db?.destroy();
    });

    it("migrations are idempotent", async () => {
      expect((await migrateToLatest(db as Kysely<unknown>, allMigrations())).results).toEqual([]);
    });

    it("stores chat lines with ids, millisecond timestamps and per-room history", async () => {
      const store = new MessageStore(db);
      const ts = Date.now();
      const a = await store.add("lobby", "ada", "one", ts);
      await store.add("other", "bob", "elsewhere");
      const b = await store.add("lobby", "ada", "two");
      expect(a).toEqual({ id: expect.any(Number), room: "lobby", user: "ada", message: "one", ts });
      expect((await store.after("lobby", a.id, 10)).map((l) => l.message)).toEqual(["two"]);
      expect((await store.latest("lobby", 1)).map((l) => l.id)).toEqual([b.id]);
      expect((await store.latest("lobby", 10))[0]!.ts).toBe(ts);
    });

    it("creates users once, authenticates them, and never returns the hash", async () => {
      const users = new UserStore(db);
      const created = await users.create({ username: "grace", email: "g@example.com", password: "long-enough-pw", groupName: "ops" });
      expect(created).toMatchObject({ user: { username: "grace", nickname: "grace", groupName: "ops", isSuperuser: false } });
      expect(JSON.stringify(created)).not.toMatch(/scrypt/);
      expect(await users.create({ username: "grace", email: "x@example.com", password: "long-enough-pw" })).toEqual({ problem: "username grace is taken" });
      expect(await users.authenticate("grace", "long-enough-pw")).toMatchObject({ username: "grace" });
      expect(await users.authenticate("grace", "wrong-password")).toBeNull();
      expect(await users.authenticate("nobody", "long-enough-pw")).toBeNull();
      const id = ("user" in created && created.user.id) as number;
      await users.setGroup(id, "sales");
      expect((await users.byId(id))!.groupName).toBe("sales");
    });

    it("keeps sessions by hash, and forgets them on logout", async () => {
      const users = new UserStore(db);
      const made = await users.create({ username: "sess", email: "s@example.com", password: "long-enough-pw" });
      const uid = ("user" in made && made.user.id) as number;
      const sessions = new SessionStore(db);
      const token = await sessions.create(uid);
      expect(await sessions.userId(token)).toBe(uid);
      expect(await db.selectFrom("sessions").select("id").where("id", "=", token).execute()).toEqual([]);
      await sessions.destroy(token);
      expect(await sessions.userId(token)).toBeNull();
    });

    it("appends to a step's log and keeps only its tail", async () => {
      const made = await new UserStore(db).create({ username: "logger", email: "lg@example.com", password: "long-enough-pw" });
      const uid = ("user" in made && made.user.id) as number;
      const store = new WorkOrderStore(db);
      const templateId = await store.saveTemplate({ name: "logs", params: {}, steps: [{ name: "a", command: ["true"] }], concurrency: 1 });
      const id = await store.createOrder({ title: "t", templateId, params: {}, requesterId: uid, steps: ["a"] });
      await store.appendLog(id, "a", "one\n");
      await store.appendLog(id, "a", "two\n");
      expect(await store.log(id, "a")).toBe("one\ntwo\n");
      await store.appendLog(id, "a", "x".repeat(300 * 1024));
      const log = await store.log(id, "a");
      expect(log.length).toBe(256 * 1024);
      expect(log.endsWith("xxx")).toBe(true);
    });

    it("stores books, reusing titles and authors, with updates, deletes and pages", async () => {
      const books = new BookStore(db);
      const a = await books.create("T", "A");
      const b = await books.create("T", "A");
      expect(b.title.id).toBe(a.title.id);
      expect(b.author.id).toBe(a.author.id);
      expect((await books.update(a.id, "T2", undefined))!.title.name).toBe("T2");
      expect(await books.update(999_999, "x", undefined)).toBeNull();
      expect((await books.list(1, 0)).map((x) => x.id)).toEqual([a.id]);
      expect((await books.list(10, a.id)).map((x) => x.id)).toEqual([b.id]);
      expect(await books.delete(a.id)).toBe(true);
      expect(await books.delete(a.id)).toBe(false);
      expect(await books.byId(a.id)).toBeNull();
    });
  });
}
