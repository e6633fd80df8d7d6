import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { WebsocketCommunicator } from "../../src/core/index.js";
import { findPostgres, startPostgres, type PostgresServer } from "../helpers/postgres.js";
import { startTestServer } from "../helpers/server.js";
import { describeStores } from "./store-suite.js";

const postgres = findPostgres("PostgreSQL database suite");

if (postgres.available) {
  let server: PostgresServer;
  let n = 0;
  beforeAll(async () => {
    server = await startPostgres(postgres.bin);
  }, 60_000);
  afterAll(async () => {
    await server?.stop();
  });

  describeStores("PostgreSQL", () => server.createDatabase(`stores${n++}`));

  describe("the whole system on PostgreSQL", () => {
    it("chats and answers GraphQL with DATABASE_URL=postgres://…", async () => {
      const app = await startTestServer({ DATABASE_URL: await server.createDatabase("system") });
      try {
        const c = new WebsocketCommunicator(app.wsUrl, "/ws/chat/pg/");
        await c.connect();
        c.sendJson({ message: "stored in postgres" });
        expect(await c.receiveJson()).toMatchObject({ message: "stored in postgres", id: expect.any(Number), ts: expect.any(Number) });
        await c.disconnect();
        const gql = async (query: string, token?: string) =>
          (await (
            await fetch(`${app.url}/graphql/`, {
              method: "POST",
              headers: { "content-type": "application/json", ...(token ? { authorization: `JWT ${token}` } : {}) },
              body: JSON.stringify({ query }),
            })
          ).json()) as { data: Record<string, any> };
        expect((await gql(`mutation { createUser(username: "u", email: "u@example.com", password: "pw-long-enough") { msg } }`)).data.createUser.msg).toBe("user u created");
        const token = (await gql(`mutation { tokenAuth(username: "u", password: "pw-long-enough") { token } }`)).data.tokenAuth.token;
        const made = await gql(`mutation { createBook(bookData: {title: "T", author: "A"}) { book { id title { id name } author { id name } } ok } }`, token);
        expect(made.data.createBook).toMatchObject({ ok: true, book: { title: { name: "T" }, author: { name: "A" } } });
        expect((await gql(`query { allBooks { id title { name } } }`)).data.allBooks).toHaveLength(1);
      } finally {
        await app.close();
      }
    }, 30_000);
  });
}
