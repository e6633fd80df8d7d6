import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { RedisChannelLayer, type ChannelLayer, type LayerMessage } from "../../../src/core/index.js";
import { kListen } from "../../../src/core/layers/layer.js";
import { describeChannelLayer } from "../../conformance/layer-suite.js";
import { findProgram } from "../../helpers/programs.js";
import { startRedis, type RedisServer } from "../../helpers/redis.js";

const redisBin = findProgram("Redis layer conformance", "redis-server", "redis-server");

describe.skipIf(!redisBin.available)("RedisChannelLayer on a real redis-server", () => {
  let redis: RedisServer;
  let n = 0;
  beforeAll(async () => {
    redis = await startRedis(redisBin.path);
  });
  afterAll(async () => {
    await redis?.stop();
  });
  describeChannelLayer("RedisChannelLayer", async (options) => {
    // A fresh key prefix per test: tests never see each other's keys.
    const prefix = `conf${n++}`;
    const layer = new RedisChannelLayer({ ...options, hosts: [redis.url], prefix });
    // A second process on the same Redis, made when a test sends across.
    let peer: RedisChannelLayer | null = null;
    return {
      layer,
      advance: (ms) => new Promise((r) => setTimeout(r, ms)),
      peer: (): ChannelLayer => (peer ??= new RedisChannelLayer({ ...options, hosts: [redis.url], prefix })),
      close: async () => {
        await layer.close();
        await peer?.close();
      },
    };
  });

  describe("RedisChannelLayer fast path (Redis-specific)", () => {
    it("plain channels have no fast path: kListen returns null and receive serves them", async () => {
      const layer = new RedisChannelLayer({ hosts: [redis.url], prefix: "plainfast" });
      try {
        expect(layer[kListen]("plain-work", () => true)).toBeNull();
        await layer.send("plain-work", { type: "job" });
        expect((await layer.receive("plain-work", { signal: AbortSignal.timeout(2000) })).type).toBe("job");
      } finally {
        await layer.close();
      }
    });

    it("kListen on a closed layer throws and opens no connection", async () => {
      const sockets = (): number => process.getActiveResourcesInfo().filter((r) => r === "TCPSocketWrap").length;
      const layer = new RedisChannelLayer({ hosts: [redis.url], prefix: "closedfast" });
      await layer.send("plain-work", { type: "job" });
      await layer.close();
      await new Promise((r) => setTimeout(r, 200));
      const before = sockets();
      expect(() => layer[kListen]("specific.elsewhere!1", () => true)).toThrow();
      await new Promise((r) => setTimeout(r, 200));
      expect(sockets()).toBe(before);
    });

    it("a send from another process to a full process-local channel is dropped on arrival and counted there, not thrown", async () => {
      const receiver = new RedisChannelLayer({ hosts: [redis.url], prefix: "fullfast", capacity: 1 });
      const sender = new RedisChannelLayer({ hosts: [redis.url], prefix: "fullfast", capacity: 1 });
      try {
        const ch = await receiver.newChannel();
        const handle = receiver[kListen](ch, () => false)!;
        await sender.send(ch, { type: "n", n: 0 });
        await sender.send(ch, { type: "n", n: 1 }); // the process's list had room: the sender cannot know
        const deadline = Date.now() + 3000;
        while (receiver.stats.groupSendDropped < 1 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
        expect(receiver.stats.groupSendDropped).toBe(1);
        expect(sender.stats.groupSendDropped).toBe(0);
        const taken: LayerMessage[] = [];
        for (let m = handle.take(); m; m = handle.take()) taken.push(m);
        expect(taken.map((m) => m.n)).toEqual([0]);
      } finally {
        await receiver.close();
        await sender.close();
      }
    });
  });
});
