import { createClient, type Client } from "graphql-ws";
import WebSocket from "ws";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { WebsocketCommunicator } from "../../src/core/index.js";
import { startTestServer, type TestServer } from "../helpers/server.js";

let server: TestServer;
const clients: Client[] = [];

beforeAll(async () => {
  server = await startTestServer();
});
afterAll(async () => {
  for (const c of clients) await c.dispose();
  await server.close();
});

function client(connectionParams?: Record<string, unknown>): Client {
  const c = createClient({ url: `${server.wsUrl}/graphql/`, webSocketImpl: WebSocket, connectionParams, retryAttempts: 0, lazy: true });
  clients.push(c);
  return c;
}

/** The first `n` results of a subscription. */
function take<T>(c: Client, query: string, n: number): { results: Promise<T[]>; ready: Promise<void> } {
  const results: T[] = [];
  let markReady!: () => void;
  const ready = new Promise<void>((r) => (markReady = r));
  const done = new Promise<T[]>((resolve, reject) => {
    const stop = c.subscribe<T>(
      { query },
      {
        next: (value) => {
          results.push(value.data as T);
          if (results.length === n) {
            stop();
            resolve(results);
          }
        },
        error: reject,
        complete: () => resolve(results),
      },
    );
  });
  c.on("connected", () => setTimeout(markReady, 100));
  return { results: done, ready };
}

describe("GraphQL subscriptions over graphql-ws", () => {
  it("roomMessages delivers chat lines posted over the chat socket, and only that room's", async () => {
    const c = client();
    const sub = take<{ roomMessages: { message: string; user: string; room: string } }>(c, `subscription { roomMessages(room: "gqlroom") { id room user message ts } }`, 1);
    await sub.ready;
    const other = new WebsocketCommunicator(server.wsUrl, "/ws/chat/elsewhere/");
    await other.connect();
    other.sendJson({ message: "not for you" });
    const chat = new WebsocketCommunicator(server.wsUrl, "/ws/chat/gqlroom/");
    await chat.connect();
    chat.sendJson({ message: "hello subscribers" });
    const [first] = await sub.results;
    expect(first!.roomMessages).toMatchObject({ room: "gqlroom", user: "anonymous", message: "hello subscribers" });
    await chat.disconnect();
    await other.disconnect();
  });

  it("bookAdded delivers books created by mutation", async () => {
    await fetch(`${server.url}/graphql/`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ query: `mutation { createUser(username: "subber", email: "s@example.com", password: "long-enough-pw") { msg } }` }),
    });
    const auth = (await (
      await fetch(`${server.url}/graphql/`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ query: `mutation { tokenAuth(username: "subber", password: "long-enough-pw") { token } }` }),
      })
    ).json()) as { data: { tokenAuth: { token: string } } };
    const c = client({ token: auth.data.tokenAuth.token });
    const sub = take<{ bookAdded: { title: { name: string } } }>(c, `subscription { bookAdded { id title { name } author { name } } }`, 1);
    await sub.ready;
    await fetch(`${server.url}/graphql/`, {
      method: "POST",
      headers: { "content-type": "application/json", authorization: `JWT ${auth.data.tokenAuth.token}` },
      body: JSON.stringify({ query: `mutation { createBook(bookData: {title: "Live", author: "Wire"}) { ok } }` }),
    });
    const [first] = await sub.results;
    expect(first!.bookAdded.title.name).toBe("Live");
  });

  it("closes with 4403 on a bad token in connection_init", async () => {
    const ws = new WebSocket(`${server.wsUrl}/graphql/`, "graphql-transport-ws");
    await new Promise((r) => ws.once("open", r));
    ws.send(JSON.stringify({ type: "connection_init", payload: { token: "not-a-token" } }));
    const code = await new Promise<number>((r) => ws.once("close", (c) => r(c)));
    expect(code).toBe(4403);
  });

  it("refuses a socket without the graphql-transport-ws subprotocol", async () => {
    const c = new WebsocketCommunicator(server.wsUrl, "/graphql/");
    expect(await c.connect()).toEqual({ connected: false, status: 403 });
  });
});
