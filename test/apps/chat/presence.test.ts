import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { APP_PROTOCOL } from "../../../src/client/socket.js";
import { FULL_PROTOCOL, Presence, presenceGroup } from "../../../src/apps/chat/presence.js";
import { MemoryPresenceStore } from "../../../src/apps/chat/presence-store.js";
import { roomGroup } from "../../../src/apps/chat/rooms.js";
import { GROUP_NAME_RULE, InMemoryChannelLayer, WebsocketCommunicator, assertGroupName } from "../../../src/core/index.js";
import { startTestServer, type TestServer } from "../../helpers/server.js";

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
});
afterAll(async () => {
  await server.close();
});

interface Member {
  id: string;
  user: string;
}

async function members(room: string): Promise<Member[]> {
  return ((await (await fetch(`${server.url}/api/rooms/${room}/presence`)).json()) as { members: Member[] }).members;
}

/** A chat socket that asks for presence with the subprotocol `switchboard.v1`. */
function withPresence(room: string, subprotocols: string[] = [FULL_PROTOCOL]): WebsocketCommunicator {
  return new WebsocketCommunicator(server.wsUrl, `/ws/chat/${room}/`, { subprotocols });
}

/** The diff a socket gets for one tick's changes (100 ms on the app's server). */
const diff = (joins: Member[], leaves: string[], count: number) => ({ type: "presence.diff", joins, leaves, count });

describe("presence (one node)", () => {
  it("sends the member list on connect, then one diff per tick of joins and leaves, to a socket offering switchboard.v1", async () => {
    const a = withPresence("pres");
    expect(await a.connect()).toEqual({ connected: true, subprotocol: "switchboard.v1" });
    const first = await a.receiveJson<{ type: string; members: Member[]; count: number; truncated?: boolean }>();
    expect(first).toMatchObject({ type: "presence", count: 1 });
    expect(first.truncated).toBeUndefined();
    expect(first.members).toHaveLength(1);
    const self = first.members[0]!;
    expect(self.user).toBe("anonymous");
    // Its own join comes in the room's next diff, like everyone's.
    expect(await a.receiveJson()).toEqual(diff([self], [], 1));

    // Offered among others, the full protocol is the one chosen.
    const b = withPresence("pres", ["chat", FULL_PROTOCOL]);
    expect(await b.connect()).toEqual({ connected: true, subprotocol: "switchboard.v1" });
    const list = await b.receiveJson<{ members: Member[]; count: number }>();
    expect(list.members).toHaveLength(2);
    expect(list.count).toBe(2);
    expect(list.members.map((m) => m.id)).toContain(self.id);
    const joined = await a.receiveJson<{ type: string; joins: Member[]; leaves: string[]; count: number }>();
    expect(joined).toMatchObject({ type: "presence.diff", leaves: [], count: 2 });
    expect(joined.joins).toHaveLength(1);
    const other = joined.joins[0]!;
    expect(other.id).not.toBe(self.id);
    expect(await b.receiveJson()).toEqual(joined);
    expect(await members("pres")).toEqual(expect.arrayContaining([self, other]));

    await b.disconnect();
    expect(await a.receiveJson()).toEqual(diff([], [other.id], 1));
    expect(await members("pres")).toEqual([self]);
    await a.disconnect();
  });

  it("sends nothing but lines, and error frames for its own bad input, to a socket that did not ask", async () => {
    const watcher = withPresence("optin");
    await watcher.connect();
    expect(await watcher.receiveJson()).toMatchObject({ type: "presence" });
    expect(await watcher.receiveJson()).toMatchObject({ type: "presence.diff" });

    // As the Channels tutorial's page connects: no subprotocol.
    const plain = new WebsocketCommunicator(server.wsUrl, "/ws/chat/optin/");
    expect(await plain.connect()).toEqual({ connected: true, subprotocol: undefined });
    // It is a member all the same: the others see it come.
    const joined = await watcher.receiveJson<{ type: string; joins: Member[]; count: number }>();
    expect(joined).toMatchObject({ type: "presence.diff", count: 2 });
    const plainId = joined.joins[0]!.id;
    expect((await members("optin")).map((m) => m.id)).toContain(plainId);

    // A third socket comes and goes: the watcher hears of it, the plain socket does not.
    const third = withPresence("optin");
    await third.connect();
    expect(await third.receiveJson<{ members: Member[] }>()).toMatchObject({ type: "presence", count: 3 });
    const thirdJoin = await watcher.receiveJson<{ joins: Member[] }>();
    expect(thirdJoin).toMatchObject({ type: "presence.diff", leaves: [], count: 3 });
    await third.disconnect();
    expect(await watcher.receiveJson()).toEqual(diff([], [thirdJoin.joins[0]!.id], 2));
    expect(await plain.receiveNothing(300)).toBe(true);

    // Its bad input still gets error frames, each alone.
    plain.sendJson({ message: "" });
    expect(await plain.receiveJson()).toMatchObject({ error: "invalid_message" });
    plain.sendJson({ type: "nope" });
    expect(await plain.receiveJson()).toMatchObject({ error: "unknown_type" });
    plain.sendText("{oops");
    expect(await plain.receiveJson()).toMatchObject({ error: "invalid_json" });
    plain.sendJson({ type: "history", after: -1 });
    expect(await plain.receiveJson()).toMatchObject({ error: "invalid_request" });
    plain.sendJson({ type: "subscribe", presence: "yes" });
    expect(await plain.receiveJson()).toMatchObject({ error: "invalid_request" });

    // Lines reach both; answers to its own requests reach only it.
    plain.sendJson({ message: "only lines" });
    const line = await plain.receiveJson<{ id: number; message: string }>();
    expect(line).toMatchObject({ message: "only lines", room: "optin" });
    expect(await watcher.receiveJson()).toEqual(line);
    plain.sendJson({ type: "history", after: line.id - 1 });
    expect(await plain.receiveJson()).toEqual(line);
    expect(await plain.receiveJson()).toMatchObject({ type: "history.end", lastId: line.id, complete: true });

    // It leaves: the watcher hears that too, and nothing else was sent to either.
    await plain.disconnect();
    expect(await watcher.receiveJson()).toEqual(diff([], [plainId], 1));
    expect(await watcher.receiveNothing(300)).toBe(true);
    await watcher.disconnect();
  });

  it("turns presence on and off with {type: subscribe} on a socket that connected without it", async () => {
    const plain = new WebsocketCommunicator(server.wsUrl, "/ws/chat/subscribe/");
    await plain.connect();
    plain.sendJson({ type: "subscribe", presence: true });
    const list = await plain.receiveJson<{ type: string; members: Member[]; count: number }>();
    expect(list).toMatchObject({ type: "presence", count: 1 });
    expect(list.members).toHaveLength(1);

    const other = new WebsocketCommunicator(server.wsUrl, "/ws/chat/subscribe/");
    await other.connect();
    // The subscriber's own join may share the tick with the other's: the net result is both.
    const ids = new Set<string>();
    while (ids.size < 2) {
      const change = await plain.receiveJson<{ type: string; joins: Member[] }>();
      expect(change.type).toBe("presence.diff");
      for (const m of change.joins) ids.add(m.id);
    }
    expect(ids).toContain(list.members[0]!.id);
    expect(await other.receiveNothing(150)).toBe(true);
    // Asking again answers with a fresh list (and joins nothing twice).
    plain.sendJson({ type: "subscribe", presence: true });
    expect((await plain.receiveJson<{ members: Member[] }>()).members.map((m) => m.id).sort()).toEqual([...ids].sort());

    // Off has no answer of its own; a line sent after it comes back once it took effect.
    plain.sendJson({ type: "subscribe", presence: false });
    plain.sendJson({ message: "after unsubscribing" });
    expect(await plain.receiveJson()).toMatchObject({ message: "after unsubscribing" });
    await other.disconnect();
    const late = withPresence("subscribe");
    await late.connect();
    expect((await late.receiveJson<{ members: Member[] }>()).members).toHaveLength(2);
    await late.disconnect();
    await new Promise((r) => setTimeout(r, 300)); // let the leaves' diff go out before the check below
    expect(await plain.receiveNothing(200)).toBe(true);
    await plain.disconnect();
  });

  it("caps the HTTP member list at ?limit= (1–1000) and counts the whole room", async () => {
    const sockets = [withPresence("http-cap"), withPresence("http-cap"), withPresence("http-cap")];
    for (const c of sockets) {
      await c.connect();
      await c.receiveJson(); // its snapshot: its join is recorded
    }
    const page = async (query: string) => fetch(`${server.url}/api/rooms/http-cap/presence${query}`);
    expect(await (await page("")).json()).toMatchObject({ count: 3 });
    expect(((await (await page("")).json()) as { members: Member[] }).members).toHaveLength(3);
    const capped = (await (await page("?limit=2")).json()) as { members: Member[]; count: number; truncated: boolean };
    expect(capped).toMatchObject({ count: 3, truncated: true });
    expect(capped.members).toHaveLength(2);
    for (const bad of ["0", "1001", "x", "-1"]) {
      const res = await page(`?limit=${bad}`);
      expect(res.status, bad).toBe(400);
      expect(await res.json()).toMatchObject({ error: "invalid_request" });
    }
    await Promise.all(sockets.map((c) => c.disconnect()));
  });

  it("answers 404 for a bad room name", async () => {
    expect((await fetch(`${server.url}/api/rooms/bad%20room/presence`)).status).toBe(404);
  });
});

describe("presence events go to the presence group only", () => {
  it("announces joins and leaves to presenceGroup(room), never to the room's line group", async () => {
    const layer = new InMemoryChannelLayer();
    const presence = new Presence(new MemoryPresenceStore(), layer, { tickMs: 20 });
    try {
      const lines = await layer.newChannel();
      await layer.groupAdd(roomGroup("quiet"), lines);
      const watching = await layer.newChannel();
      await layer.groupAdd(presenceGroup("quiet"), watching);
      const ada = { id: "c1", user: "ada" };
      await presence.join("quiet", ada);
      expect(await presence.snapshot("quiet", ada)).toEqual({ members: [ada], count: 1 });
      expect(await layer.receive(watching)).toEqual({ type: "presence.diff", joins: [ada], leaves: [], count: 1 });
      await presence.leave("quiet", "c1");
      expect(await layer.receive(watching)).toEqual({ type: "presence.diff", joins: [], leaves: ["c1"], count: 0 });
      await expect(layer.receive(lines, { signal: AbortSignal.timeout(100) })).rejects.toThrow();
    } finally {
      await presence.close();
      await layer.close();
    }
  });

  it("spreads large rooms' diffs over the large tick, each room in its own slot, instead of one burst", async () => {
    const layer = new InMemoryChannelLayer();
    const presence = new Presence(new MemoryPresenceStore(), layer, { tickMs: 10, largeRoomTickMs: 500, limit: 2 });
    const rooms = Array.from({ length: 24 }, (_, i) => `busy${i}`);
    const sentAt = new Map<string, number[]>();
    const stop = new AbortController();
    try {
      for (const room of rooms) {
        const channel = await layer.newChannel();
        await layer.groupAdd(presenceGroup(room), channel);
        sentAt.set(room, []);
        void (async () => {
          for (;;) {
            const m = await layer.receive(channel, { signal: stop.signal }).catch(() => null);
            if (!m) return;
            sentAt.get(room)!.push(Date.now());
          }
        })();
      }
      // Every room past the limit, announced once (the short tick): now each is known large.
      for (const room of rooms) for (let i = 0; i < 3; i++) await presence.join(room, { id: `${room}-${i}`, user: "u" });
      const deadline = Date.now() + 2000;
      while ([...sentAt.values()].some((t) => t.length < 1) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 5));
      // All of them change in the same instant: their diffs go out in their own slots.
      const churnAt = Date.now();
      for (const room of rooms) await presence.join(room, { id: `${room}-late`, user: "u" });
      while ([...sentAt.values()].some((t) => t.length < 2) && Date.now() < deadline + 1000) await new Promise((r) => setTimeout(r, 5));
      const second = rooms.map((room) => sentAt.get(room)![1]! - churnAt);
      for (const ms of second) expect(ms).toBeLessThanOrEqual(500 + 100);
      // Spread over the period, not one turn: many distinct times, far apart.
      expect(new Set(second.map((ms) => Math.floor(ms / 20))).size).toBeGreaterThan(8);
      expect(Math.max(...second) - Math.min(...second)).toBeGreaterThan(200);
    } finally {
      stop.abort();
      await presence.close();
      await layer.close();
    }
  });

  it("refuses options out of range with a TypeError naming them", () => {
    const layer = new InMemoryChannelLayer();
    const bad = [{ tickMs: 0 }, { tickMs: 1.5 }, { limit: 0 }, { limit: 10_001 }, { intervalMs: -1 }, { largeRoomTickMs: 60_001 }, { tickMs: 200, largeRoomTickMs: 100 }];
    for (const options of bad) {
      expect(() => new Presence(new MemoryPresenceStore(), layer, options), JSON.stringify(options)).toThrow(TypeError);
    }
    expect(() => new Presence(new MemoryPresenceStore(), layer, { limit: 0 })).toThrow(/limit/);
  });

  it("names a valid group for every room, distinct from the room groups and from each other", () => {
    const rooms = ["lobby", "a_b", "a-b", "a.b", "测试", "测验", "x".repeat(80), "y".repeat(94), "y".repeat(95), "é".repeat(34), "é".repeat(35)];
    const names = rooms.map(presenceGroup);
    let hashed = 0;
    for (const [i, name] of names.entries()) {
      expect(() => assertGroupName(name)).not.toThrow();
      expect(name).toMatch(GROUP_NAME_RULE);
      // `presence.<room group>` while it fits the layer's limit, else the hashed form.
      const readable = `presence.${roomGroup(rooms[i]!)}`;
      if (readable.length < 100) expect(name).toBe(readable);
      else {
        expect(name).toMatch(/^presence-sha256\.[0-9a-f]{64}$/);
        hashed++;
      }
    }
    expect(hashed).toBeGreaterThan(0);
    expect(new Set([...names, ...rooms.map(roomGroup)]).size).toBe(rooms.length * 2);
  });

  it("uses the subprotocol switchboard/client offers", () => {
    expect(APP_PROTOCOL).toBe(FULL_PROTOCOL);
  });
});
