import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestServer, type TestServer } from "../helpers/server.js";
import { TUTORIAL } from "./tutorial-operations.js";

let server: TestServer;
let token = "";

interface Answer {
  data?: Record<string, any> | null;
  errors?: Array<{ message: string; extensions?: { code?: string; stack?: string } }>;
}

async function gql(query: string, options: { token?: string; scheme?: string; variables?: object } = {}): Promise<Answer> {
  const headers: Record<string, string> = { "content-type": "application/json" };
  if (options.token) headers.authorization = `${options.scheme ?? "JWT"} ${options.token}`;
  const res = await fetch(`${server.url}/graphql/`, { method: "POST", headers, body: JSON.stringify({ query, variables: options.variables }) });
  return (await res.json()) as Answer;
}

const CREATE_BOOK = `mutation { createBook(bookData: {title: "T", author: "A"}) { book { id title { id name } author { id name } } ok } }`;

beforeAll(async () => {
  server = await startTestServer();
  const created = await gql(`mutation { createUser(username: "u", email: "u@example.com", password: "pw-long-enough") { msg } }`);
  expect(created.data!.createUser.msg).toBe("user u created");
  const auth = await gql(`mutation { tokenAuth(username: "u", password: "pw-long-enough") { token payload refreshExpiresIn } }`);
  token = auth.data!.tokenAuth.token;
});
afterAll(async () => {
  await server.close();
});

describe("GraphQL: the issue's exact operations", () => {
  it("createUser explains a duplicate or weak password and writes nothing", async () => {
    expect((await gql(`mutation { createUser(username: "u", email: "x@example.com", password: "pw-long-enough") { msg } }`)).data!.createUser.msg).toBe("username u is taken");
    expect((await gql(`mutation { createUser(username: "weak", email: "w@example.com", password: "short") { msg } }`)).data!.createUser.msg).toBe("password must be at least 8 characters");
    expect((await gql(`mutation { tokenAuth(username: "weak", password: "short") { token } }`)).errors![0]!.message).toBe("Please enter valid credentials");
  });

  it("tokenAuth returns token, payload with the claims, and refreshExpiresIn", async () => {
    const auth = await gql(`mutation { tokenAuth(username: "u", password: "pw-long-enough") { token payload refreshExpiresIn } }`);
    const { payload, refreshExpiresIn } = auth.data!.tokenAuth;
    expect(payload).toMatchObject({ uid: expect.any(Number), username: "u", nickname: "u", groupName: "default", origIat: expect.any(Number), exp: expect.any(Number) });
    expect(payload.exp - payload.origIat).toBe(300);
    expect(refreshExpiresIn).toBe(payload.origIat + 7 * 24 * 3600);
    const verified = await gql(`mutation { verifyToken(token: "${token}") { payload } }`);
    expect(verified.data!.verifyToken.payload.username).toBe("u");
    const refreshed = await gql(`mutation { refreshToken(token: "${auth.data!.tokenAuth.token}") { token payload refreshExpiresIn } }`);
    expect(refreshed.data!.refreshToken.payload.origIat).toBe(payload.origIat);
    const bad = await gql(`mutation { verifyToken(token: "${token.slice(0, -3)}xyz") { payload } }`);
    expect(bad.errors![0]!.extensions!.code).toBe("INVALID_TOKEN");
  });

  it("createBook needs a JWT: UNAUTHENTICATED and nothing written without one", async () => {
    const denied = await gql(CREATE_BOOK);
    expect(denied.errors![0]!.extensions!.code).toBe("UNAUTHENTICATED");
    expect(denied.data!.createBook).toBeNull();
    expect((await gql(`query { allBooks { id } }`)).data!.allBooks).toEqual([]);
    const forged = await gql(CREATE_BOOK, { token: token.slice(0, -2) + "aa" });
    expect(forged.errors![0]!.extensions!.code).toBe("UNAUTHENTICATED");
  });

  it("createBook with JWT or Bearer creates, reusing an existing title and author", async () => {
    const first = await gql(CREATE_BOOK, { token });
    expect(first.data!.createBook).toMatchObject({ ok: true, book: { title: { name: "T" }, author: { name: "A" } } });
    const second = await gql(CREATE_BOOK, { token, scheme: "Bearer" });
    expect(second.data!.createBook.book.title.id).toBe(first.data!.createBook.book.title.id);
    expect(second.data!.createBook.book.author.id).toBe(first.data!.createBook.book.author.id);
    expect(second.data!.createBook.book.id).not.toBe(first.data!.createBook.book.id);
    const all = await gql(`query { allBooks { id title { id name } author { id name } } }`);
    expect(all.data!.allBooks).toHaveLength(2);
  });

  it("book(id), me, updateBook, deleteBook and pagination", async () => {
    const made = await gql(`mutation { createBook(bookData: {title: "Paged", author: "Writer"}) { book { id } } }`, { token });
    const id = made.data!.createBook.book.id;
    expect((await gql(`query { book(id: ${id}) { title { name } } }`)).data!.book.title.name).toBe("Paged");
    expect((await gql(`query { me { username groupName } }`, { token })).data!.me).toEqual({ username: "u", groupName: "default" });
    expect((await gql(`query { me { username } }`)).data!.me).toBeNull();
    expect((await gql(`mutation { updateBook(id: ${id}, bookData: {title: "Renamed"}) { ok book { title { name } author { name } } } }`)).errors![0]!.extensions!.code).toBe("UNAUTHENTICATED");
    const updated = await gql(`mutation { updateBook(id: ${id}, bookData: {title: "Renamed"}) { ok book { title { name } author { name } } } }`, { token });
    expect(updated.data!.updateBook).toEqual({ ok: true, book: { title: { name: "Renamed" }, author: { name: "Writer" } } });
    const page1 = await gql(`query { allBooks(first: 2) { id } }`);
    const last = page1.data!.allBooks.at(-1).id;
    const page2 = await gql(`query { allBooks(first: 2, after: "${last}") { id } }`);
    expect(page2.data!.allBooks.map((b: { id: string }) => Number(b.id)).every((n: number) => n > Number(last))).toBe(true);
    expect((await gql(`mutation { deleteBook(id: ${id}) { ok } }`, { token })).data!.deleteBook.ok).toBe(true);
    expect((await gql(`mutation { deleteBook(id: ${id}) { ok } }`, { token })).data!.deleteBook.ok).toBe(false);
    expect((await gql(`query { book(id: ${id}) { id } }`)).data!.book).toBeNull();
  });
});

describe("GraphQL: the tutorial's operations, verbatim over HTTP", () => {
  const post = async (query: string, variables?: object, authorization?: string): Promise<Answer> => {
    const headers: Record<string, string> = { "content-type": "application/json" };
    if (authorization) headers.authorization = authorization;
    const res = await fetch(`${server.url}/graphql/`, { method: "POST", headers, body: JSON.stringify({ query, variables }) });
    expect(res.status).toBe(200);
    return (await res.json()) as Answer;
  };

  it("createUser with the tutorial's password gets a clear 'too common', and nothing is written", async () => {
    const answer = await post(TUTORIAL.createUserAsWritten);
    expect(answer.errors).toBeUndefined();
    expect(answer.data!.createUser.msg).toBe("password is too common (one of the 10,000 most used passwords): choose another");
    expect((await post(`mutation { tokenAuth(username: "tutorial", password: "password") { token } }`)).errors![0]!.message).toBe("Please enter valid credentials");
  });

  it("createUser, tokenAuth, verifyToken, refreshToken, then createBook (Authorization: JWT), allBooks, updateBook, deleteBook", async () => {
    expect((await post(TUTORIAL.createUser)).data!.createUser.msg).toBe("user tutorial created");
    const auth = await post(TUTORIAL.tokenAuth);
    expect(auth.errors).toBeUndefined();
    const { token, payload, refreshExpiresIn } = auth.data!.tokenAuth;
    expect(payload).toMatchObject({ username: "tutorial", exp: expect.any(Number), origIat: expect.any(Number) });
    expect(refreshExpiresIn).toBe(payload.origIat + 7 * 24 * 3600);
    const withVariables = await post(TUTORIAL.tokenAuthWithVariables, { username: "tutorial", password: "correct horse battery staple" });
    expect(withVariables.data!.tokenAuth.payload.username).toBe("tutorial");

    expect((await post(TUTORIAL.verifyToken, { token })).data!.verifyToken.payload).toMatchObject({ username: "tutorial", exp: payload.exp });
    const refreshed = (await post(TUTORIAL.refreshToken, { token })).data!.refreshToken;
    expect(refreshed).toMatchObject({ token: expect.any(String), payload: { username: "tutorial", origIat: payload.origIat }, refreshExpiresIn });

    // Writes need a user: the tutorial's header, graphql_jwt's `JWT` prefix.
    const anonymous = await post(TUTORIAL.createBook);
    expect(anonymous.errors![0]!.extensions!.code).toBe("UNAUTHENTICATED");
    const created = await post(TUTORIAL.createBook, undefined, `JWT ${token}`);
    expect(created.errors).toBeUndefined();
    expect(created.data!.createBook).toMatchObject({ ok: true, book: { title: { name: "Dune" }, author: { name: "Frank Herbert" } } });
    const id = created.data!.createBook.book.id as string;

    const all = await post(TUTORIAL.allBooks);
    expect(all.data!.allBooks).toContainEqual(created.data!.createBook.book);

    const updated = await post(TUTORIAL.updateBook(id), undefined, `JWT ${token}`);
    expect(updated.data!.updateBook).toEqual({ ok: true, book: { id, title: { name: "Dune Messiah" }, author: { name: "Frank Herbert" } } });
    // `Bearer` works next to `JWT`, with the refreshed token too.
    const deleted = await post(TUTORIAL.deleteBook(id), undefined, `Bearer ${refreshed.token}`);
    expect(deleted.data!.deleteBook).toEqual({ ok: true });
    expect((await post(TUTORIAL.allBooks)).data!.allBooks.map((b: { id: string }) => b.id)).not.toContain(id);
    expect((await post(TUTORIAL.deleteBook(id), undefined, `JWT ${token}`)).data!.deleteBook).toEqual({ ok: false });
  });
});

describe("GraphQL: limits and errors", () => {
  it("costs a constant number of SQL queries for allBooks, for 1 book or 100", async () => {
    const fresh = await startTestServer();
    try {
      const { BookStore } = await import("../../src/apps/books/store.js");
      const store = new BookStore(fresh.app.db);
      let queries = 0;
      const count = async (): Promise<number> => {
        queries = 0;
        const res = await fetch(`${fresh.url}/graphql/`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ query: "{ allBooks(first: 500) { id title { id name } author { id name } } }" }) });
        expect(res.status).toBe(200);
        return queries;
      };
      const { openCount } = await watchQueries(fresh, () => queries++);
      await store.create("only", "one");
      const one = await count();
      for (let i = 0; i < 99; i++) await store.create(`title ${i}`, `author ${i % 7}`);
      const hundred = await count();
      expect(one).toBe(1);
      expect(hundred).toBe(one);
      openCount();
    } finally {
      await fresh.close();
    }
  });

  it("refuses queries deeper than the limit, bad JSON bodies and non-JSON posts", async () => {
    const shallow = await gql(`{ allBooks { title { id } author { id } } me { username } }`);
    expect(shallow.errors).toBeUndefined();
    // Introspection nests without end: the classic way to make a server walk a huge tree. The
    // type → fields → type cycle is graphql-js's own limit; `ofType` has one of its own (limits.ts).
    const cycle = await gql(`{ __schema { types { fields { type { fields { type { fields { type { name } } } } } } } } }`);
    expect(cycle.errors![0]!.message).toMatch(/depth/i);
    const deep = await gql(`{ __schema { types { fields { type { ${"ofType { ".repeat(13)}name${" }".repeat(13)} } } } } }`);
    expect(deep.errors![0]!.message).toMatch(/depth/i);
    expect(deep.errors![0]!.extensions).toMatchObject({ code: "GRAPHQL_VALIDATION_FAILED", limit: "depth" });
    const res = await fetch(`${server.url}/graphql/`, { method: "POST", headers: { "content-type": "application/x-www-form-urlencoded" }, body: "query={me{username}}" });
    expect(res.status).toBe(415);
    const noQuery = await fetch(`${server.url}/graphql/`, { method: "POST", headers: { "content-type": "application/json" }, body: "{}" });
    expect(noQuery.status).toBe(400);
    const syntax = await gql(`{ allBooks { `);
    expect(syntax.errors![0]!.extensions!.code).toBe("GRAPHQL_VALIDATION_FAILED");
    const unknown = await gql(`{ nope }`);
    expect(unknown.errors![0]!.message).toMatch(/nope/);
  });

  it("lets only a superuser change a user's group", async () => {
    const denied = await gql(`mutation { setGroup(username: "u", groupName: "ops") { ok } }`, { token });
    expect(denied.errors![0]!.extensions!.code).toBe("FORBIDDEN");
    const { UserStore } = await import("../../src/auth/users.js");
    await new UserStore(server.app.db).create({ username: "boss", email: "boss@example.com", password: "long-enough-pw", isSuperuser: true });
    const bossToken = (await gql(`mutation { tokenAuth(username: "boss", password: "long-enough-pw") { token } }`)).data!.tokenAuth.token;
    expect((await gql(`mutation { setGroup(username: "u", groupName: "ops") { ok } }`, { token: bossToken })).data!.setGroup.ok).toBe(true);
    const fresh = (await gql(`mutation { tokenAuth(username: "u", password: "pw-long-enough") { payload } }`)).data!.tokenAuth.payload;
    expect(fresh.groupName).toBe("ops");
  });

  it("masks unexpected errors (no message, no stack) unless DEBUG=1", async () => {
    const { GraphQLError } = await import("graphql");
    const { format } = await import("../../src/graphql/http.js");
    const internal = new GraphQLError("SQLITE_CORRUPT: database disk image is malformed", { originalError: new Error("SQLITE_CORRUPT: database disk image is malformed"), path: ["allBooks"] });
    expect(format(internal, false)).toEqual({ message: "Internal server error", path: ["allBooks"], extensions: { code: "INTERNAL_SERVER_ERROR" } });
    const shown = format(internal, true);
    expect(shown.message).toContain("SQLITE_CORRUPT");
    expect(shown.extensions!.stack).toMatch(/Error: SQLITE_CORRUPT/);
    const expected = new GraphQLError("authentication required", { extensions: { code: "UNAUTHENTICATED" } });
    expect(format(expected, false)).toMatchObject({ message: "authentication required", extensions: { code: "UNAUTHENTICATED" } });
  });
});

/** Counts SQL statements the app runs, by wrapping better-sqlite3's prepare… through Kysely's executor. */
async function watchQueries(s: TestServer, onQuery: () => void): Promise<{ openCount: () => void }> {
  const db = s.app.db as unknown as { getExecutor(): { executeQuery: (...a: unknown[]) => Promise<unknown> } };
  const executor = db.getExecutor();
  const original = executor.executeQuery.bind(executor);
  executor.executeQuery = async (...args: unknown[]) => {
    onQuery();
    return original(...args);
  };
  return { openCount: () => void (executor.executeQuery = original) };
}
