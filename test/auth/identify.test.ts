import Fastify from "fastify";
import type { Kysely } from "kysely";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { allMigrations } from "../../src/app.js";
import { TokenService, createAuth, httpAuth, readCredentials, type Auth } from "../../src/auth/index.js";
import { openDatabase } from "../../src/storage/database.js";
import { migrateToLatest } from "../../src/storage/migrate.js";
import type { Database } from "../../src/storage/schema.js";

let db: Kysely<Database>;
let auth: Auth;
let ada: number;

beforeAll(async () => {
  db = openDatabase("sqlite::memory:");
  await migrateToLatest(db as Kysely<unknown>, allMigrations());
  auth = createAuth(db, { secretKey: "k".repeat(40) });
  const created = await auth.users.create({ username: "ada", email: "ada@example.com", password: "correct horse battery" });
  if (!("user" in created)) throw new Error(created.problem);
  ada = created.user.id;
});
afterAll(async () => db?.destroy());

const tokenFor = async (uid: number, username = "ada") => (await auth.tokens.issue({ uid, username, nickname: username, groupName: "default" })).token;

describe("readCredentials", () => {
  it("reads a token from every carrier, in order, and the session cookie", () => {
    const headers = { cookie: "a=1; sb_session=s3ss10n; b=2" };
    expect(readCredentials({ headers })).toEqual({ token: null, session: "s3ss10n" });
    expect(readCredentials({ headers: { token: "t1", authorization: "Bearer t2" } }).token).toBe("t1");
    expect(readCredentials({ headers: { authorization: "Bearer t2" } }).token).toBe("t2");
    expect(readCredentials({ headers: { authorization: "JWT t3" } }).token).toBe("t3");
    expect(readCredentials({ headers: { authorization: "Basic dTpw" } }).token).toBeNull();
    expect(readCredentials({ headers: {}, query: new URLSearchParams("token=t4") }).token).toBe("t4");
    expect(readCredentials({ headers: {}, subprotocols: ["chat", "bearer.t5"] }).token).toBe("t5");
    // Over HTTP there is no query or subprotocol: a ?token= in a URL is not a credential there.
    expect(readCredentials({ headers: {} })).toEqual({ token: null, session: null });
  });
});

describe("Identifier", () => {
  it("identifies a token's user from the database, and a session's", async () => {
    const byToken = await auth.identifier.identify({ token: await tokenFor(ada), session: null });
    expect(byToken).toMatchObject({ user: { id: ada, username: "ada", isSuperuser: false }, reason: null });
    const session = await auth.sessions.create(ada);
    expect(await auth.identifier.identify({ token: null, session })).toMatchObject({ user: { id: ada }, reason: null });
  });

  it("lets a presented token decide alone: a bad one is refused even with a good session", async () => {
    const session = await auth.sessions.create(ada);
    expect(await auth.identifier.identify({ token: "not.a.jwt", session })).toEqual({ user: null, reason: "invalid_token" });
    const forged = createAuth(db, { secretKey: "x".repeat(40) });
    const other = (await forged.tokens.issue({ uid: ada, username: "ada", nickname: "ada", groupName: "default" })).token;
    expect(await auth.identifier.identify({ token: other, session: null })).toEqual({ user: null, reason: "invalid_token" });
  });

  it("refuses an expired token with its reason, and a deleted user's token", async () => {
    const old = new TokenService({ secretKey: "k".repeat(40), now: () => Math.floor(Date.now() / 1000) - 3600 });
    const expired = (await old.issue({ uid: ada, username: "ada", nickname: "ada", groupName: "default" })).token;
    expect(await auth.identifier.identify({ token: expired, session: null })).toEqual({ user: null, reason: "token_expired" });
    expect(await auth.identifier.identify({ token: await tokenFor(99_999, "ghost"), session: null })).toEqual({ user: null, reason: "invalid_token" });
  });

  it("finds nobody without credentials, or with an unknown session", async () => {
    expect(await auth.identifier.identify({ token: null, session: null })).toEqual({ user: null, reason: "missing" });
    expect(await auth.identifier.identify({ token: null, session: "A".repeat(43) })).toEqual({ user: null, reason: "missing" });
  });
});

describe("the HTTP auth plugin", () => {
  it("refuses to register a route that declares no access", async () => {
    const app = Fastify();
    const registering = app.register(async (scope) => {
      await scope.register(httpAuth, { identifier: auth.identifier });
      scope.get("/open-by-omission", async () => "oops");
    });
    await expect(Promise.resolve(registering).then(() => app.ready())).rejects.toThrow(/GET \/open-by-omission declares no access/);
  });

  it("answers 401 with the reason, 403 for a missing role, and lets the right user through", async () => {
    const app = Fastify();
    await app.register(async (scope) => {
      await scope.register(httpAuth, { identifier: auth.identifier });
      scope.get("/mine", { config: { access: "user" } }, async (request) => ({ me: request.user?.username }));
      scope.get("/admin", { config: { access: "superuser" } }, async () => ({ ok: true }));
    });
    const anonymous = await app.inject({ url: "/mine" });
    expect(anonymous.statusCode).toBe(401);
    expect(anonymous.headers["x-auth-error"]).toBe("missing");
    expect(anonymous.json()).toEqual({ error: "authentication_required", code: "SB_ERR_AUTH_REQUIRED" });
    const bad = await app.inject({ url: "/mine", headers: { authorization: "Bearer nope" } });
    expect([bad.statusCode, bad.headers["x-auth-error"], bad.json().code]).toEqual([401, "invalid_token", "SB_ERR_INVALID_TOKEN"]);
    const token = await tokenFor(ada);
    expect((await app.inject({ url: "/mine", headers: { authorization: `JWT ${token}` } })).json()).toEqual({ me: "ada" });
    const admin = await app.inject({ url: "/admin", headers: { authorization: `Bearer ${token}` } });
    expect([admin.statusCode, admin.json().code]).toEqual([403, "SB_ERR_FORBIDDEN"]);
    await app.close();
  });
});
