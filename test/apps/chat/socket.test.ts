import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { WebsocketCommunicator } from "../../../src/core/index.js";
import { startTestServer, type TestServer } from "../../helpers/server.js";

let server: TestServer;
const open: WebsocketCommunicator[] = [];

beforeAll(async () => {
  server = await startTestServer();
});
afterAll(async () => {
  await server.close();
});
afterEach(async () => {
  await Promise.all(open.splice(0).map((c) => c.disconnect()));
});

async function join(path: string, headers?: Record<string, string>): Promise<WebsocketCommunicator> {
  const c = new WebsocketCommunicator(server.wsUrl, path, { headers });
  open.push(c);
  const result = await c.connect();
  if (!result.connected) throw new Error(`handshake refused: ${result.status}`);
  return c;
}

/** The next frame. These sockets did not ask for presence (no `switchboard.v1`): they never get a presence frame. */
async function next<T = Record<string, unknown>>(c: WebsocketCommunicator): Promise<T> {
  const frame = await c.receiveJson<{ type?: string }>();
  expect(frame.type ?? "", "a presence frame reached a socket that did not ask for it").not.toMatch(/^presence/);
  return frame as T;
}

async function count(room: string): Promise<number> {
  const res = await fetch(`${server.url}/api/rooms/${room}/messages?limit=500`);
  return ((await res.json()) as { messages: unknown[] }).messages.length;
}

describe("chat over real sockets", () => {
  it("delivers a line to every socket of the room, sender included, and to no other room", async () => {
    const a = await join("/ws/chat/lobby/");
    const b = await join("/ws/chat/lobby/");
    const other = await join("/ws/chat/other/");
    a.sendJson({ message: "hello" });
    const seenA = await next(a);
    const seenB = await next(b);
    expect(seenA).toMatchObject({ message: "hello", user: "anonymous", room: "lobby" });
    expect(typeof seenA.id).toBe("number");
    expect(typeof seenA.ts).toBe("number");
    expect(seenB).toEqual(seenA);
    expect(await other.receiveNothing(200)).toBe(true);
  });

  it("stores the line before broadcasting it", async () => {
    const a = await join("/ws/chat/stored/");
    a.sendJson({ message: "kept" });
    const line = await next<{ id: number }>(a);
    const res = await fetch(`${server.url}/api/rooms/stored/messages`);
    const { messages } = (await res.json()) as { messages: Array<{ id: number; message: string }> };
    expect(messages).toEqual([expect.objectContaining({ id: line.id, message: "kept" })]);
  });

  it("replays what a reconnecting client missed with history after=<id>", async () => {
    const a = await join("/ws/chat/replay/");
    a.sendJson({ message: "one" });
    const first = await next<{ id: number }>(a);
    await a.disconnect();
    const b = await join("/ws/chat/replay/");
    b.sendJson({ message: "two" });
    b.sendJson({ message: "three" });
    await next(b);
    await next(b);
    const c = await join("/ws/chat/replay/");
    c.sendJson({ type: "history", after: first.id });
    expect(await next(c)).toMatchObject({ message: "two" });
    expect(await next(c)).toMatchObject({ message: "three" });
    expect(await next(c)).toMatchObject({ type: "history.end", after: first.id, complete: true });
  });

  it("answers bad history requests with an error frame", async () => {
    const a = await join("/ws/chat/badhistory/");
    for (const after of [-1, "3", 1.5, null]) {
      a.sendJson({ type: "history", after });
      expect(await next(a)).toMatchObject({ error: "invalid_request" });
    }
  });

  it.each([
    ["a number", { message: 42 }],
    ["an empty string", { message: "" }],
    ["only whitespace", { message: "   " }],
    ["over 4 KiB", { message: "x".repeat(4097) }],
    ["over 4 KiB in UTF-8", { message: "é".repeat(2049) }],
    ["missing", { text: "hi" }],
    ["an array frame", ["hi"]],
    ["a string frame", "hi"],
  ])("refuses a message that is %s with an error frame and stores nothing", async (_label, frame) => {
    const a = await join("/ws/chat/badinput/");
    const before = await count("badinput");
    a.sendJson(frame);
    expect(await next(a)).toMatchObject({ error: "invalid_message" });
    expect(await count("badinput")).toBe(before);
    a.sendJson({ message: "still open" });
    expect(await next(a)).toMatchObject({ message: "still open" });
  });

  it("accepts a message of exactly 4 KiB", async () => {
    const a = await join("/ws/chat/edge/");
    a.sendJson({ message: "x".repeat(4096) });
    expect(((await next(a)) as { message: string }).message).toHaveLength(4096);
  });

  it("answers an unknown type and invalid JSON with error frames", async () => {
    const a = await join("/ws/chat/types/");
    a.sendJson({ type: "chat.message", line: { message: "forged" } });
    expect(await next(a)).toMatchObject({ error: "unknown_type" });
    a.sendText("{oops");
    expect(await next(a)).toMatchObject({ error: "invalid_json" });
    a.sendBytes(Buffer.from([0xff, 0x00]));
    expect(await next(a)).toMatchObject({ error: "expected_text" });
  });

  it("closes a socket that sends a frame over 64 KiB with 1009, and only that one", async () => {
    const a = await join("/ws/chat/big/");
    const b = await join("/ws/chat/big/");
    a.sendText(JSON.stringify({ message: "x".repeat(70 * 1024) }));
    expect(await a.receiveClose()).toBe(1009);
    b.sendJson({ message: "fine" });
    expect(await next(b)).toMatchObject({ message: "fine" });
  });

  // (`é`, `a.b` and `测试` are room names: test/apps/chat/rooms.test.ts.)
  it.each(["/ws/chat/bad%20room/", "/ws/chat/" + "r".repeat(101) + "/", "/ws/chat/a%2Fb/", "/ws/chat/%25ZZ/", "/ws/chat//", "/ws/nope/"])(
    "refuses %s with 404 at the handshake",
    async (path) => {
      const c = new WebsocketCommunicator(server.wsUrl, path);
      open.push(c);
      expect(await c.connect()).toEqual({ connected: false, status: 404 });
    },
  );

  it("refuses a foreign Origin with 403 and accepts its own origin or none", async () => {
    const evil = new WebsocketCommunicator(server.wsUrl, "/ws/chat/lobby/", { headers: { Origin: "http://evil.example" } });
    open.push(evil);
    expect(await evil.connect()).toEqual({ connected: false, status: 403 });
    await join("/ws/chat/lobby/", { Origin: server.url });
    await join("/ws/chat/lobby/");
  });
});

describe("plain-text group chat", () => {
  it("greets, then broadcasts text frames as text to the group only", async () => {
    const a = await join("/room/general/");
    const b = await join("/room/general/");
    const other = await join("/room/random/");
    expect(await a.receiveText()).toBe("Welcome to general!");
    expect(await b.receiveText()).toBe("Welcome to general!");
    expect(await other.receiveText()).toBe("Welcome to random!");
    a.sendText("hi all");
    expect(await a.receiveText()).toBe("hi all");
    expect(await b.receiveText()).toBe("hi all");
    expect(await other.receiveNothing(200)).toBe(true);
  });

  it("refuses what is not a room name with 404", async () => {
    const c = new WebsocketCommunicator(server.wsUrl, "/room/no%20space/");
    open.push(c);
    expect((await c.connect()).status).toBe(404);
  });

  it("closes with 1003 on a binary frame", async () => {
    const a = await join("/room/bin/");
    await a.receiveText();
    a.sendBytes(Buffer.from([1, 2]));
    expect(await a.receiveClose()).toBe(1003);
  });
});
