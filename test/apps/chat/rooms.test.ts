import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createClient, type Client } from "graphql-ws";
import WebSocket from "ws";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { roomGroup, roomName, textGroup } from "../../../src/apps/chat/rooms.js";
import { GROUP_NAME_RULE, InMemoryChannelLayer, RedisChannelLayer, WebsocketCommunicator, assertGroupName, type ChannelLayer } from "../../../src/core/index.js";
import { findProgram } from "../../helpers/programs.js";
import { startRedis, type RedisServer } from "../../helpers/redis.js";
import { startTestServer, type TestServer } from "../../helpers/server.js";

// Room names as Django accepts them (issue 14, item 3): Unicode letters and digits plus
// `_ . -`, 1–100 characters, one room per NFC text, each on a group of its own.

const FIVE = ["a.b", "a_b", "a-b", "测试", "测验"];
/** Not room names: over 100 characters, a space, a slash, a percent sign. */
const BAD = ["x".repeat(101), "测".repeat(101), "a b", "a/b", "%ZZ"];
const enc = encodeURIComponent;
const redisBin = findProgram("Unicode room names on Redis", "redis-server", "redis-server");

interface Line {
  id: number;
  room: string;
  user: string;
  message: string;
}

describe("room names", () => {
  it("accepts letters and digits of any script, _ . -, 1–100 characters, in NFC", () => {
    for (const name of ["lobby", "a.b", "测试", "über", "हिन्दी", "ไทย", "한국어", "١٢٣", "x".repeat(100), "测".repeat(100), "𠮷".repeat(100), "...", "-", "_"]) {
      expect(roomName(name), name).toBe(name);
    }
    // One text, two spellings: `ü` as one character or as `u` + U+0308 is one room.
    expect(roomName("u\u0308ber")).toBe("\u00fcber");
    expect(roomName("e\u0301".repeat(100))).toBe("\u00e9".repeat(100));
    for (const name of [...BAD, "", ".", "..", "\u0308u", "a\u200db", "a:b", "a?b", "a#b", "😀", 5, null]) {
      expect(roomName(name), JSON.stringify(name)).toBeNull();
    }
  });

  it("maps every name to a valid layer group, one-to-one, keeping chat_<name> for the old ASCII names", () => {
    const names = [
      ...FIVE,
      "lobby",
      "u_5rWL6K-V", // what `测试` encodes to, as a plain name: it must not meet `测试`
      "h_x",
      "x".repeat(80),
      "x".repeat(94), // the longest that keeps chat_<name>
      "x".repeat(95),
      "x".repeat(100),
      "é".repeat(34), // 68 UTF-8 bytes: encoded as is
      "é".repeat(35), // 70: hashed
      "测".repeat(23), // 69 bytes
      "测".repeat(24), // 72 bytes
      "测".repeat(100), // 300 bytes
      "测".repeat(99) + "验",
      "𠮷".repeat(100),
    ];
    for (const group of [roomGroup, textGroup]) {
      const groups = names.map(group);
      for (const name of groups) {
        expect(() => assertGroupName(name)).not.toThrow();
        expect(name).toMatch(GROUP_NAME_RULE);
        expect(name.length).toBeLessThan(100);
      }
      expect(new Set(groups).size).toBe(names.length);
    }
    expect(new Set([...names.map(roomGroup), ...names.map(textGroup)]).size).toBe(names.length * 2);
    // Rooms that were valid before keep their group (and so their sockets across an upgrade).
    expect(roomGroup("lobby")).toBe("chat_lobby");
    expect(roomGroup("x".repeat(80))).toBe(`chat_${"x".repeat(80)}`);
    expect(textGroup("general")).toBe("text_general");
    expect(roomGroup("测试")).toBe(`chat.u.${Buffer.from("测试").toString("base64url")}`);
    expect(roomGroup("测".repeat(100))).toMatch(/^chat\.h\.[A-Za-z0-9_-]{43}$/);
  });

  it("keeps five names in five groups on the memory layer and on Redis", async () => {
    const layers: ChannelLayer[] = [new InMemoryChannelLayer()];
    let redis: RedisServer | null = null;
    if (redisBin.available) {
      redis = await startRedis(redisBin.path);
      layers.push(new RedisChannelLayer({ hosts: [redis.url] }));
    }
    try {
      for (const layer of layers) {
        const inboxes = await Promise.all(FIVE.map(() => layer.newChannel("rooms")));
        for (const [i, room] of FIVE.entries()) await layer.groupAdd(roomGroup(room), inboxes[i]!);
        for (const room of FIVE) await layer.groupSend(roomGroup(room), { type: "chat.message", room });
        for (const [i, room] of FIVE.entries()) {
          expect(await layer.receive(inboxes[i]!, { signal: AbortSignal.timeout(2000) })).toEqual({ type: "chat.message", room });
          await expect(layer.receive(inboxes[i]!, { signal: AbortSignal.timeout(200) })).rejects.toThrow();
        }
        await layer.close();
      }
    } finally {
      await redis?.stop();
    }
  });
});

/** Runs the room suite against `nodes()`: one server (memory), or two on one Redis. */
function roomSuite(title: string, skip: boolean, start: () => Promise<{ nodes: TestServer[]; stop(): Promise<void> }>): void {
  describe.skipIf(skip)(title, () => {
    let nodes: TestServer[] = [];
    let stop: () => Promise<void> = async () => undefined;
    const open: WebsocketCommunicator[] = [];
    const clients: Client[] = [];
    const a = (): TestServer => nodes[0]!;
    const b = (): TestServer => nodes[nodes.length - 1]!;

    beforeAll(async () => {
      ({ nodes, stop } = await start());
    });
    afterAll(async () => {
      for (const c of clients) await c.dispose();
      await Promise.all(open.map((c) => c.disconnect()));
      await stop();
    });

    async function socket(node: TestServer, path: string): Promise<WebsocketCommunicator> {
      const c = new WebsocketCommunicator(node.wsUrl, path);
      open.push(c);
      const result = await c.connect();
      expect(result, path).toMatchObject({ connected: true });
      return c;
    }

    /** Every chat line (a frame with `message`) the socket gets within `ms`; other frames are skipped. */
    async function linesWithin(c: WebsocketCommunicator, ms: number): Promise<Line[]> {
      const out: Line[] = [];
      const deadline = Date.now() + ms;
      for (;;) {
        const left = deadline - Date.now();
        if (left <= 0) return out;
        try {
          const frame = await c.receiveJson<Partial<Line>>(left);
          if (typeof frame.message === "string") out.push(frame as Line);
        } catch {
          return out;
        }
      }
    }

    /** The next chat line. */
    async function nextLine(c: WebsocketCommunicator, timeoutMs = 3000): Promise<Line> {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const frame = await c.receiveJson<Partial<Line>>(Math.max(1, deadline - Date.now()));
        if (typeof frame.message === "string") return frame as Line;
      }
    }

    async function post(node: TestServer, room: string, message: string): Promise<Response> {
      return fetch(`${node.url}/api/rooms/${enc(room)}/messages`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ message }),
      });
    }

    function graphql(node: TestServer): Client {
      const c = createClient({ url: `${node.wsUrl}/graphql/`, webSocketImpl: WebSocket, retryAttempts: 0, lazy: true });
      clients.push(c);
      return c;
    }

    it("five names are five rooms: a line in one is heard in it alone, over sockets on every node", async () => {
      const listeners = await Promise.all(FIVE.map(async (room) => [await socket(a(), `/ws/chat/${enc(room)}/`), await socket(b(), `/ws/chat/${enc(room)}/`)]));
      for (const [i, room] of FIVE.entries()) listeners[i]![0]!.sendJson({ message: `only in ${room}` });
      const heard = await Promise.all(listeners.map((pair) => Promise.all(pair.map((c) => linesWithin(c, 1000)))));
      for (const [i, room] of FIVE.entries()) {
        for (const lines of heard[i]!) expect(lines.map((l) => [l.room, l.message])).toEqual([[room, `only in ${room}`]]);
      }
      // And each room's history holds its own line only.
      for (const room of FIVE) {
        const res = await fetch(`${b().url}/api/rooms/${enc(room)}/messages`);
        expect(res.status).toBe(200);
        const { messages } = (await res.json()) as { messages: Line[] };
        expect(messages.map((l) => l.message)).toEqual([`only in ${room}`]);
      }
    });

    it("five names are five plain-text groups", async () => {
      const sockets = await Promise.all(FIVE.map((room) => socket(b(), `/room/${enc(room)}/`)));
      for (const [i, room] of FIVE.entries()) expect(await sockets[i]!.receiveText()).toBe(`Welcome to ${room}!`);
      const senders = await Promise.all(FIVE.map((room) => socket(a(), `/room/${enc(room)}/`)));
      for (const s of senders) await s.receiveText();
      for (const [i, room] of FIVE.entries()) senders[i]!.sendText(`text in ${room}`);
      for (const [i, room] of FIVE.entries()) {
        expect(await sockets[i]!.receiveText(3000)).toBe(`text in ${room}`);
        expect(await sockets[i]!.receiveNothing(300)).toBe(true);
      }
    });

    it("a Chinese room: page, socket, history, presence, long-poll and the roomMessages subscription", async () => {
      const room = "聊天室";
      const page = await fetch(`${a().url}/chat/${enc(room)}/`);
      expect(page.status).toBe(200);
      expect(await page.text()).toContain('id="chat-log"');
      const redirect = await fetch(`${a().url}/chat/${enc(room)}`, { redirect: "manual" });
      expect(redirect.headers.get("location")).toBe(`/chat/${enc(room)}/`);

      const one = await socket(a(), `/ws/chat/${enc(room)}/`);
      const two = await socket(b(), `/ws/chat/${enc(room)}/`);
      // Presence: both sockets are members, seen from either node.
      for (const node of nodes) {
        const res = await fetch(`${node.url}/api/rooms/${enc(room)}/presence`);
        expect(res.status).toBe(200);
        expect(((await res.json()) as { members: unknown[] }).members).toHaveLength(2);
      }

      one.sendJson({ message: "你好" });
      const first = await nextLine(two);
      expect(first).toMatchObject({ room, user: "anonymous", message: "你好" });
      expect(await nextLine(one)).toEqual(first);

      // History over the socket, from the start.
      two.sendJson({ type: "history", after: 0 });
      const history: unknown[] = [];
      for (;;) {
        const frame = await two.receiveJson<{ type?: string }>(3000);
        if (frame.type === "history.end") {
          expect(frame).toMatchObject({ after: 0, lastId: first.id, complete: true });
          break;
        }
        if (frame.type === undefined) history.push(frame);
      }
      expect(history).toEqual([first]);

      // Long-poll on one node, woken by a line sent over a socket of the other.
      const started = Date.now();
      const waiting = fetch(`${b().url}/api/rooms/${enc(room)}/messages?after=${first.id}&wait=10`);
      await new Promise((r) => setTimeout(r, 300));
      one.sendJson({ message: "长轮询" });
      const polled = (await (await waiting).json()) as { messages: Line[] };
      expect(polled.messages.map((l) => [l.room, l.message])).toEqual([[room, "长轮询"]]);
      expect(Date.now() - started).toBeLessThan(5000);

      // roomMessages on the other node: lines posted (over HTTP) until the subscription hears one.
      const received = new Promise<Line>((resolve, reject) => {
        graphql(b()).subscribe<{ roomMessages: Line }>(
          { query: `subscription ($room: String!) { roomMessages(room: $room) { id room user message } }`, variables: { room } },
          { next: (v) => resolve(v.data!.roomMessages), error: reject, complete: () => reject(new Error("completed")) },
        );
      });
      const posted: string[] = [];
      let got: Line | null = null;
      void received.then((l) => (got = l));
      for (let i = 0; i < 25 && got === null; i++) {
        const res = await post(a(), room, `订阅 ${i}`);
        expect(res.status).toBe(201);
        posted.push(`订阅 ${i}`);
        await new Promise((r) => setTimeout(r, 200));
      }
      const heard = await received;
      expect(heard.room).toBe(room);
      expect(posted).toContain(heard.message);
    });

    it("one room per NFC text: a decomposed spelling reaches the same room, and the page redirects to NFC", async () => {
      const nfc = "\u00fcber";
      const nfd = "u\u0308ber";
      const listener = await socket(b(), `/ws/chat/${enc(nfd)}/`);
      expect((await post(a(), nfc, "umlaut")).status).toBe(201);
      expect(await nextLine(listener)).toMatchObject({ room: nfc, message: "umlaut" });
      const { messages } = (await (await fetch(`${a().url}/api/rooms/${enc(nfd)}/messages`)).json()) as { messages: Line[] };
      expect(messages.map((l) => [l.room, l.message])).toEqual([[nfc, "umlaut"]]);
      const page = await fetch(`${a().url}/chat/${enc(nfd)}/`, { redirect: "manual" });
      expect(page.status).toBeGreaterThanOrEqual(300);
      expect(page.status).toBeLessThan(400);
      expect(page.headers.get("location")).toBe(`/chat/${enc(nfc)}/`);
    });

    it("a 100-character name works everywhere (100 CJK characters: a hashed group)", async () => {
      for (const room of ["测".repeat(100), "𠮷".repeat(100)]) {
        expect((await fetch(`${a().url}/chat/${enc(room)}/`)).status).toBe(200);
        const listener = await socket(b(), `/ws/chat/${enc(room)}/`);
        expect((await post(a(), room, "long name")).status).toBe(201);
        expect(await nextLine(listener)).toMatchObject({ room, message: "long name" });
      }
    });

    it.each(BAD)("%j is 404 at the page, the API, both handshakes and roomMessages", async (name) => {
      const path = enc(name);
      for (const page of [`/chat/${path}/`, `/chat/${path}`]) {
        const res = await fetch(`${a().url}${page}`, { redirect: "manual" });
        expect(res.status, page).toBe(404);
        expect(res.headers.get("content-type"), page).toMatch(/^text\/html/);
      }
      for (const api of [`/api/rooms/${path}/messages`, `/api/rooms/${path}/messages?after=0&wait=1`, `/api/rooms/${path}/presence`]) {
        const res = await fetch(`${a().url}${api}`);
        expect(res.status, api).toBe(404);
        expect(await res.json(), api).toMatchObject({ code: "SB_ERR_NO_SUCH_ROOM" });
      }
      const posted = await post(a(), name, "lost");
      expect(posted.status).toBe(404);
      expect(await posted.json()).toMatchObject({ code: "SB_ERR_NO_SUCH_ROOM" });
      for (const ws of [`/ws/chat/${path}/`, `/room/${path}/`]) {
        const c = new WebsocketCommunicator(a().wsUrl, ws);
        open.push(c);
        expect(await c.connect(), ws).toEqual({ connected: false, status: 404 });
      }
      const refused = await new Promise<unknown>((resolve) => {
        graphql(a()).subscribe(
          { query: `subscription ($room: String!) { roomMessages(room: $room) { id } }`, variables: { room: name } },
          { next: (v) => resolve(v), error: (e) => resolve(e), complete: () => resolve(null) },
        );
      });
      expect(JSON.stringify(refused)).toContain('"code":"NOT_FOUND"');
    });

    it("a path that is not valid percent-encoding is 400 SB_ERR_BAD_PATH at the page, the API and the handshake, never 500", async () => {
      for (const bad of ["%ZZ", "%C3", "%E6%B5"]) {
        for (const path of [`/chat/${bad}/`, `/api/rooms/${bad}/messages`, `/api/rooms/${bad}/presence`]) {
          const res = await fetch(`${a().url}${path}`);
          expect(res.status, path).toBe(400);
          expect(await res.json(), path).toMatchObject({ code: "SB_ERR_BAD_PATH" });
        }
        for (const ws of [`/ws/chat/${bad}/`, `/room/${bad}/`]) {
          const c = new WebsocketCommunicator(a().wsUrl, ws);
          open.push(c);
          expect(await c.connect(), ws).toEqual({ connected: false, status: 400 });
        }
      }
    });
  });
}

roomSuite("Unicode rooms on the memory layer", false, async () => {
  const server = await startTestServer();
  return { nodes: [server], stop: () => server.close() };
});

roomSuite("Unicode rooms on Redis, two nodes", !redisBin.available, async () => {
  const redis = await startRedis(redisBin.path);
  const dataDir = mkdtempSync(join(tmpdir(), "sb-rooms-redis-"));
  const env = { REDIS_URL: redis.url, DATA_DIR: dataDir };
  const nodes = [await startTestServer(env), await startTestServer(env)];
  return {
    nodes,
    async stop() {
      for (const node of nodes) await node.close();
      await redis.stop();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
});
