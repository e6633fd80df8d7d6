import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { WebsocketCommunicator } from "../../../src/core/index.js";
import { startTestServer, type TestServer } from "../../helpers/server.js";

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
});
afterAll(async () => {
  await server.close();
});

interface Line {
  id: number;
  message: string;
}

async function post(room: string, body: unknown): Promise<Response> {
  return fetch(`${server.url}/api/rooms/${room}/messages`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(body),
  });
}

async function get(path: string): Promise<{ status: number; body: { messages: Line[] } }> {
  const res = await fetch(`${server.url}${path}`);
  return { status: res.status, body: (await res.json()) as { messages: Line[] } };
}

describe("chat pages", () => {
  it("serves the lobby and a room page, 404 for a bad room name", async () => {
    expect((await fetch(`${server.url}/chat/`)).status).toBe(200);
    const room = await fetch(`${server.url}/chat/lobby/`);
    expect(room.status).toBe(200);
    expect(await room.text()).toContain('id="chat-log"');
    expect((await fetch(`${server.url}/chat/bad%20name/`)).status).toBe(404);
    expect((await fetch(`${server.url}/chat/${"x".repeat(101)}/`)).status).toBe(404);
  });
});

describe("polling and long-polling fallbacks", () => {
  it("POST stores and broadcasts to socket clients; GET after=<id> polls", async () => {
    const ws = new WebsocketCommunicator(server.wsUrl, "/ws/chat/poll/");
    await ws.connect();
    const res = await post("poll", { message: "from http" });
    expect(res.status).toBe(201);
    const line = (await res.json()) as Line;
    expect(await ws.receiveJson()).toMatchObject({ id: line.id, message: "from http" });
    await ws.disconnect();
    const second = (await (await post("poll", { message: "second" })).json()) as Line;
    const polled = await get(`/api/rooms/poll/messages?after=${line.id}`);
    expect(polled.body.messages.map((m) => m.id)).toEqual([second.id]);
    expect((await get(`/api/rooms/poll/messages?after=${second.id}`)).body.messages).toEqual([]);
  });

  it("refuses bad POSTs with 400 and stores nothing", async () => {
    for (const body of [{ message: "" }, { message: 5 }, {}, { message: "y".repeat(5000) }]) {
      const res = await post("badpost", body);
      expect(res.status).toBe(400);
      expect(await res.json()).toMatchObject({ error: "invalid_message" });
    }
    expect((await get("/api/rooms/badpost/messages")).body.messages).toEqual([]);
    expect((await post("bad room", { message: "x" })).status).toBe(404);
  });

  it("refuses bad query parameters with 400", async () => {
    for (const q of ["after=-1", "after=x", "wait=31", "limit=0", "limit=501"]) {
      expect((await get(`/api/rooms/q/messages?${q}`)).status).toBe(400);
    }
  });

  it("long-polling returns as soon as a line arrives", async () => {
    const first = (await (await post("lp", { message: "zero" })).json()) as Line;
    const started = Date.now();
    const waiting = get(`/api/rooms/lp/messages?after=${first.id}&wait=10`);
    await new Promise((r) => setTimeout(r, 200));
    await post("lp", { message: "wake up" });
    const { body } = await waiting;
    expect(body.messages.map((m) => m.message)).toEqual(["wake up"]);
    expect(Date.now() - started).toBeLessThan(5000);
  });

  it("long-polling returns at once when lines are already there, and [] on timeout", async () => {
    const first = (await (await post("lp2", { message: "a" })).json()) as Line;
    await post("lp2", { message: "b" });
    expect((await get(`/api/rooms/lp2/messages?after=${first.id}&wait=10`)).body.messages).toHaveLength(1);
    const started = Date.now();
    const empty = await get(`/api/rooms/lp2/messages?after=${first.id + 1000}&wait=1`);
    expect(empty.body.messages).toEqual([]);
    expect(Date.now() - started).toBeGreaterThanOrEqual(900);
  });

  it("returns the last 50 lines, oldest first, without after", async () => {
    for (let i = 0; i < 55; i++) await post("many", { message: `m${i}` });
    const { body } = await get("/api/rooms/many/messages");
    expect(body.messages).toHaveLength(50);
    expect(body.messages[0]!.message).toBe("m5");
    expect(body.messages[49]!.message).toBe("m54");
  });
});
