import { afterEach, describe, expect, it } from "vitest";
import { MemoryPresenceStore } from "../../../src/apps/chat/presence-store.js";
import { presenceGroup } from "../../../src/apps/chat/presence.js";
import { InMemoryChannelLayer, type LayerMessage } from "../../../src/core/index.js";
import { startChatNode, until, Watcher, type ChatNode } from "./chat-node.js";

/** A tick no test outlasts: diffs go out only when a test calls `announce()`, so "one tick" is exact. */
const MANUAL = 60_000;

let node: ChatNode | null = null;
const open: Watcher[] = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((w) => w.close()));
  await node?.close();
  node = null;
});

function watcher(room: string, subprotocols?: string[]): Watcher {
  const w = new Watcher(node!.wsUrl, room, subprotocols);
  open.push(w);
  return w;
}

/** The room's members as the store has them: the truth every client must converge to. */
async function truth(room: string): Promise<string[]> {
  return (await node!.presence.page(room, 10_000)).members.map((m) => m.id).sort();
}

async function countIs(room: string, n: number): Promise<void> {
  const deadline = Date.now() + 5000;
  while ((await node!.presence.page(room, 1)).count !== n) {
    if (Date.now() > deadline) throw new Error(`room ${room} never had ${n} members`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

/** Counts the diffs a node group-sends to a room's presence group (one per tick with changes). */
async function diffsSent(layer: InMemoryChannelLayer, room: string): Promise<{ count: () => number; stop: () => void }> {
  const channel = await layer.newChannel("observer");
  await layer.groupAdd(presenceGroup(room), channel);
  const stop = new AbortController();
  let n = 0;
  void (async () => {
    for (;;) {
      let m: LayerMessage;
      try {
        m = await layer.receive(channel, { signal: stop.signal });
      } catch {
        return;
      }
      if (m.type === "presence.diff") n++;
    }
  })();
  return { count: () => n, stop: () => stop.abort() };
}

describe("presence under churn (one node)", () => {
  it("sends one diff per tick to each subscriber, with the net result: a join and leave within the tick cancel", async () => {
    node = await startChatNode(new InMemoryChannelLayer(), new MemoryPresenceStore(), { tickMs: MANUAL });
    const room = "churn";
    const stay = [watcher(room), watcher(room), watcher(room)];
    const goes = watcher(room);
    await Promise.all([...stay, goes].map((w) => w.snapshotted()));
    await node.presence.announce();
    await until(() => stay.every((w) => w.diffs === 1), 5000, "first diff");
    const before = await truth(room);
    expect(before).toHaveLength(4);
    for (const w of stay) expect(w.ids).toEqual(before);

    // One tick of churn: 30 tutorial-style sockets and 10 subscribers come; 10 + 5 of them
    // and one old subscriber go again before the tick ends.
    const plain = Array.from({ length: 30 }, () => watcher(room, []));
    const subs = Array.from({ length: 10 }, () => watcher(room));
    await Promise.all([...plain.map((w) => w.opened()), ...subs.map((w) => w.snapshotted())]);
    await countIs(room, 44);
    const cancelled = [...plain.slice(0, 10), ...subs.slice(0, 5)];
    await Promise.all([...cancelled, goes].map((w) => w.close()));
    await countIs(room, 28);
    const after = await truth(room);
    await node.presence.announce();

    const remaining = [...stay, ...subs.slice(5)];
    await until(() => stay.every((w) => w.diffs === 2) && subs.slice(5).every((w) => w.diffs === 1), 5000, "the churn diff");
    const churn = stay[0]!.presence.at(-1)!;
    // One frame for the whole tick, the same for everyone.
    for (const w of stay) expect(w.presence.at(-1)).toEqual(churn);
    expect(churn.type).toBe("presence.diff");
    expect(churn.count).toBe(28);
    expect(churn.truncated).toBeUndefined();
    // Only the 25 who stayed are announced as joined; the 15 who came and went never are
    // (their ids stay among the leaves: a snapshot taken mid-tick may list them).
    expect(churn.joins).toHaveLength(25);
    expect(churn.leaves).toHaveLength(16);
    const joined = new Set(churn.joins!.map((m) => m.id));
    expect(churn.leaves!.filter((id) => joined.has(id))).toEqual([]);
    // Every subscriber — old, and new with a mid-tick snapshot — converges to the truth.
    for (const w of remaining) {
      expect(w.ids).toEqual(after);
      expect(w.roster.count).toBe(28);
      expect(w.roster.partial).toBe(false);
      // Its snapshot, then at most one diff per tick: the first ones one diff, the newcomers one.
      expect(w.presence.filter((f) => f.type === "presence")).toHaveLength(1);
    }
    // The tutorial-style sockets got no presence frame at all.
    for (const w of plain) expect(w.presence).toEqual([]);
    expect(await node.presence.snapshot(room, { id: "nobody", user: "x" })).toMatchObject({ count: 29 });
  });

  it("caps diffs at the limit, lists no joins in a room over it, caps snapshots, all with the exact count", async () => {
    node = await startChatNode(new InMemoryChannelLayer(), new MemoryPresenceStore(), { tickMs: MANUAL, limit: 10 });
    const room = "big";
    const crowd = Array.from({ length: 9 }, () => watcher(room, []));
    await Promise.all(crowd.map((c) => c.opened()));
    const w = watcher(room);
    await w.snapshotted();
    await node.presence.announce();
    await until(() => w.diffs === 1, 5000, "the first diff");
    // Exactly at the limit: whole.
    expect(w.presence[0]).toMatchObject({ type: "presence", count: 10 });
    expect(w.presence[0]!.truncated).toBeUndefined();
    expect(w.ids).toEqual(await truth(room));

    // One tick with more changes than the limit (8 go, 5 come): the first 10, leaves first.
    const gone = crowd.slice(0, 8);
    await Promise.all(gone.map((c) => c.close()));
    const newcomers = Array.from({ length: 5 }, () => watcher(room, []));
    await Promise.all(newcomers.map((c) => c.opened()));
    await countIs(room, 7);
    await node.presence.announce();
    await until(() => w.diffs === 2, 5000, "the capped diff");
    const capped = w.presence.at(-1)!;
    expect(capped).toMatchObject({ type: "presence.diff", count: 7, truncated: true, joined: 5, left: 8 });
    expect(capped.leaves).toHaveLength(8);
    expect(capped.joins).toHaveLength(2);
    expect([w.roster.count, w.roster.partial]).toEqual([7, true]);

    // A room over the limit: diffs list no joins, only the counts (a join costs nobody bytes).
    const earlier = await truth(room);
    const crowd2 = Array.from({ length: 25 }, () => watcher(room, []));
    await Promise.all(crowd2.map((c) => c.opened()));
    await countIs(room, 32);
    await node.presence.announce();
    await until(() => w.diffs === 3, 5000, "the large room's diff");
    expect(w.presence.at(-1)).toEqual({ type: "presence.diff", joins: [], leaves: [], count: 32, truncated: true, joined: 25, left: 0 });
    expect(w.roster.count).toBe(32);
    for (const id of w.ids) expect(earlier).toContain(id);

    // A joiner's snapshot: 10 members, itself among them, and the count.
    const before = await truth(room);
    const late = watcher(room);
    await late.snapshotted();
    const self = (await truth(room)).find((id) => !before.includes(id))!;
    const snapshot = late.presence[0]!;
    expect(snapshot).toMatchObject({ type: "presence", count: 33, truncated: true });
    expect(snapshot.members).toHaveLength(10);
    expect(snapshot.members!.map((m) => m.id)).toContain(self);
    expect([late.roster.count, late.roster.partial]).toEqual([33, true]);

    // Asking again: a fresh capped list and the count.
    w.ws.send(JSON.stringify({ type: "subscribe", presence: true }));
    await until(() => w.presence.length === 5, 5000, "the fresh snapshot");
    expect(w.presence[4]).toMatchObject({ type: "presence", count: 33, truncated: true });
    expect(w.presence[4]!.members).toHaveLength(10);
  });

  it("fills a room of 300 subscribed sockets with O(n · ticks) presence frames, not O(n²), and all converge", async () => {
    const layer = new InMemoryChannelLayer({ capacity: 1000 });
    // A limit above the room's size, so every list can be checked whole (capping has its own test).
    node = await startChatNode(layer, new MemoryPresenceStore(), { tickMs: 250, limit: 1000 });
    const room = "fill";
    const sent = await diffsSent(layer, room);
    const n = 300;
    const all: Watcher[] = [];
    for (let i = 0; i < n; i += 30) {
      const batch = Array.from({ length: 30 }, () => watcher(room));
      all.push(...batch);
      await Promise.all(batch.map((w) => w.snapshotted()));
    }
    const members = await truth(room);
    expect(members).toHaveLength(n);
    await until(() => all.every((w) => w.ids.length === n && w.roster.count === n), 10_000, "every roster full");
    await node.presence.announce(); // nothing pending: sends nothing
    const ticks = sent.count();
    sent.stop();

    const snapshots = all.reduce((s, w) => s + w.presence.filter((f) => f.type === "presence").length, 0);
    const diffs = all.reduce((s, w) => s + w.diffs, 0);
    expect(snapshots).toBe(n);
    // At most one diff per tick per subscriber: no frame of its own per join.
    for (const w of all) expect(w.diffs).toBeLessThanOrEqual(ticks);
    expect(snapshots + diffs).toBeLessThanOrEqual(n + n * ticks);
    // And far fewer ticks than joins: one frame per join would have been n(n+1)/2 = 45,150.
    expect(ticks).toBeLessThan(n / 10);
    expect(snapshots + diffs).toBeLessThan((n * n) / 5);
    for (const w of all) expect(w.ids).toEqual(members);
  }, 60_000);

  it("announces a room over the limit once per largeRoomTickMs and a small room every tick, both converging", async () => {
    node = await startChatNode(new InMemoryChannelLayer(), new MemoryPresenceStore(), { tickMs: 20, largeRoomTickMs: 400, limit: 10 });
    const big = watcher("large");
    const small = watcher("small");
    await Promise.all([big.snapshotted(), small.snapshotted()]);
    // Past the limit: its first diff says so, and from then on it gathers for 400 ms.
    const crowd = Array.from({ length: 12 }, () => watcher("large", []));
    await Promise.all(crowd.map((c) => c.opened()));
    await until(() => big.roster.count === 13, 5000, "the large room's first diff");
    const bigBefore = big.diffs;
    const smallBefore = small.diffs;
    // 8 joins in each room, one every 50 ms (more than two small ticks apart).
    const started = Date.now();
    const later: Watcher[] = [];
    for (let i = 0; i < 8; i++) {
      const [a, b] = [watcher("large", []), watcher("small", [])];
      later.push(a, b);
      await Promise.all([a.opened(), b.opened()]);
      await new Promise((r) => setTimeout(r, 50));
    }
    const spent = Date.now() - started;
    await until(() => small.roster.count === 9 && big.roster.count === 21, 5000, "both rooms' counts");
    // The small room: about a diff per join (they came ticks apart); the large: one per 400 ms.
    const smallDiffs = small.diffs - smallBefore;
    const bigDiffs = big.diffs - bigBefore;
    expect(bigDiffs).toBeLessThanOrEqual(Math.ceil(spent / 400) + 1);
    expect(smallDiffs).toBeGreaterThan(bigDiffs);
    expect(small.ids).toEqual(await truth("small"));
    // A leave in the large room reaches the sample within its tick.
    await crowd[0]!.close();
    await until(() => big.roster.count === 20, 1500, "the leave, within the large room's tick");
    for (const id of big.ids) expect(await truth("large")).toContain(id);
  });
});
