import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Redis } from "ioredis";
import { MemoryPresenceStore } from "../../src/apps/chat/presence-store.js";
import { RedisPresenceStore } from "../../src/apps/chat/presence-redis.js";
import { findProgram } from "../helpers/programs.js";
import { startRedis, type RedisServer } from "../helpers/redis.js";
import { describePresenceStore } from "./presence-store-suite.js";

describePresenceStore(
  "MemoryPresenceStore",
  async () => {
    // One process, one node: every node() is the same store.
    const store = new MemoryPresenceStore();
    return { node: () => store, close: () => store.close() };
  },
  { lapses: false },
);

const redisBin = findProgram("Redis presence store conformance", "redis-server", "redis-server");

describe.skipIf(!redisBin.available)("RedisPresenceStore", () => {
  let redis: RedisServer;
  let n = 0;
  beforeAll(async () => {
    redis = await startRedis(redisBin.path);
  });
  afterAll(async () => {
    await redis?.stop();
  });

  describePresenceStore(
    "RedisPresenceStore",
    async ({ ttlMs }) => {
      // A fresh key prefix per test: tests never see each other's keys.
      const prefix = `presence${n++}`;
      const stores: RedisPresenceStore[] = [];
      return {
        node: () => {
          const store = new RedisPresenceStore(redis.url, { prefix, ttlMs });
          stores.push(store);
          return store;
        },
        close: async () => {
          await Promise.all(stores.map((s) => s.close()));
        },
      };
    },
    { lapses: true },
  );

  it("keeps no key for a room once its last member is swept or has left (a late touch included)", async () => {
    const store = new RedisPresenceStore(redis.url, { prefix: "presence-keys", ttlMs: 100 });
    const raw = new Redis(redis.url);
    try {
      await store.join("lobby", { id: "c1", user: "amy" });
      expect(await raw.smembers("presence-keys:presence:rooms")).toEqual(["lobby"]);
      await new Promise((r) => setTimeout(r, 200));
      expect(await store.sweep()).toEqual([{ room: "lobby", member: { id: "c1", user: "amy" } }]);
      expect(await raw.keys("presence-keys:*")).toEqual([]);
      await store.join("lobby", { id: "c2", user: "bob" });
      await store.leave("lobby", "c2");
      await store.touch([["lobby", "c2"]]); // the heartbeat of a socket that just closed
      await store.sweep();
      expect(await raw.keys("presence-keys:*")).toEqual([]);
    } finally {
      raw.disconnect();
      await store.close();
    }
  });
});
