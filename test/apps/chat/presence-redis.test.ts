import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { presenceGroup } from "../../../src/apps/chat/presence.js";
import { RedisPresenceStore } from "../../../src/apps/chat/presence-redis.js";
import { RedisChannelLayer, type LayerMessage } from "../../../src/core/index.js";
import { findProgram } from "../../helpers/programs.js";
import { startRedis, type RedisServer } from "../../helpers/redis.js";
import { startChatNode, until, Watcher, type ChatNode } from "./chat-node.js";

const redisBin = findProgram("chat presence on Redis", "redis-server", "redis-server");

describe.skipIf(!redisBin.available)("presence across two nodes on one Redis", () => {
  let redis: RedisServer;
  let n = 0;
  let prefix = "";
  const nodes: ChatNode[] = [];
  const open: Watcher[] = [];
  const closing: Array<() => Promise<void>> = [];

  beforeAll(async () => {
    redis = await startRedis(redisBin.path);
  });
  afterAll(async () => {
    await redis?.stop();
  });
  afterEach(async () => {
    await Promise.all(open.splice(0).map((w) => w.close()));
    await Promise.all(nodes.splice(0).map((node) => node.close()));
    for (const close of closing.splice(0)) await close();
  });

  /** A node of the cluster of this test (a fresh key prefix per test). */
  async function node(options: { tickMs: number; limit?: number; intervalMs?: number; ttlMs?: number }): Promise<ChatNode> {
    const layer = new RedisChannelLayer({ hosts: [redis.url], prefix });
    const store = new RedisPresenceStore(redis.url, { prefix, ttlMs: options.ttlMs ?? 20_000 });
    const started = await startChatNode(layer, store, options);
    nodes.push(started);
    return started;
  }

  function watcher(on: ChatNode, room: string): Watcher {
    const w = new Watcher(on.wsUrl, room);
    open.push(w);
    return w;
  }

  /** Counts the diffs every node sends to a room (an observer channel in its presence group). */
  async function diffsSent(room: string): Promise<() => number> {
    const layer = new RedisChannelLayer({ hosts: [redis.url], prefix });
    const channel = await layer.newChannel("observer");
    await layer.groupAdd(presenceGroup(room), channel);
    const stop = new AbortController();
    let count = 0;
    const loop = (async () => {
      for (;;) {
        let m: LayerMessage;
        try {
          m = await layer.receive(channel, { signal: stop.signal });
        } catch {
          return;
        }
        if (m.type === "presence.diff") count++;
      }
    })();
    closing.push(async () => {
      stop.abort();
      await loop;
      await layer.close();
    });
    return () => count;
  }

  /** A fresh key prefix: tests never see each other's keys. */
  const fresh = (): void => void (prefix = `cluster${n++}`);

  it("fills a room from two nodes: each sees every member, at most one diff per tick per node", async () => {
    fresh();
    const [a, b] = [await node({ tickMs: 250, limit: 1000 }), await node({ tickMs: 250, limit: 1000 })];
    const room = "two-nodes";
    const sent = await diffsSent(room);
    const size = 200;
    const all: Watcher[] = [];
    for (let i = 0; i < size; i += 20) {
      const batch = Array.from({ length: 20 }, (_, j) => watcher(j % 2 === 0 ? a : b, room));
      all.push(...batch);
      await Promise.all(batch.map((w) => w.snapshotted()));
    }
    const truth = (await a.presence.page(room, 10_000)).members.map((m) => m.id).sort();
    expect(truth).toHaveLength(size);
    await until(() => all.every((w) => w.ids.length === size && w.roster.count === size), 15_000, "every roster full");
    // Let any last diff land before counting.
    await new Promise((r) => setTimeout(r, 400));
    const ticks = sent();

    for (const w of all) expect(w.ids).toEqual(truth);
    const snapshots = all.reduce((s, w) => s + w.presence.filter((f) => f.type === "presence").length, 0);
    const diffs = all.reduce((s, w) => s + w.diffs, 0);
    expect(snapshots).toBe(size);
    for (const w of all) expect(w.diffs).toBeLessThanOrEqual(ticks);
    expect(snapshots + diffs).toBeLessThanOrEqual(size + size * ticks);
    // Two nodes, each one diff per tick with changes: far fewer than one per join.
    expect(ticks).toBeLessThan(size / 5);
    // B's members reached A's sockets and the reverse: the count is cluster-wide.
    expect((await b.presence.page(room, 1)).count).toBe(size);
  }, 60_000);

  it("a dead node's members lapse and leave in a diff, seen on both nodes", async () => {
    fresh();
    const options = { tickMs: 50, intervalMs: 100, ttlMs: 600 };
    const [a, b] = [await node(options), await node(options)];
    const room = "doomed";
    // A node that recorded its sockets and then died: nobody refreshes their heartbeat.
    const dead = new RedisPresenceStore(redis.url, { prefix, ttlMs: options.ttlMs });
    const ghosts = Array.from({ length: 5 }, (_, i) => ({ id: `ghost-${i}`, user: "ghost" }));
    for (const g of ghosts) await dead.join(room, g);
    await dead.close();

    const [onA, onB] = [watcher(a, room), watcher(b, room)];
    await Promise.all([onA.snapshotted(), onB.snapshotted()]);
    expect(onA.presence[0]!.members!.map((m) => m.id)).toEqual(expect.arrayContaining(ghosts.map((g) => g.id)));
    const live = async () => (await a.presence.page(room, 100)).members.map((m) => m.id).sort();
    await until(() => onA.ids.length === 2 && onB.ids.length === 2 && onA.roster.count === 2 && onB.roster.count === 2, 10_000, "ghosts gone");
    expect(onA.ids).toEqual(await live());
    expect(onB.ids).toEqual(onA.ids);
    for (const w of [onA, onB]) {
      const left = w.presence.flatMap((f) => f.leaves ?? []);
      expect(left).toEqual(expect.arrayContaining(ghosts.map((g) => g.id)));
      expect(w.presence.flatMap((f) => f.joins ?? []).map((m) => m.id)).not.toContain("ghost-0");
    }
  }, 30_000);
});
