import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  JsonWebsocketConsumer,
  RedisChannelLayer,
  SocketRouter,
  WebsocketCommunicator,
  type LayerMessage,
} from "../../../src/core/index.js";
import { findProgram } from "../../helpers/programs.js";
import { startRedis, type RedisServer } from "../../helpers/redis.js";

const redisBin = findProgram("Redis cross-node layer", "redis-server", "redis-server");

/** Tells its channel name, forwards `note` events, and is in group `everyone`. */
class Probe extends JsonWebsocketConsumer {
  override get groups(): string[] {
    return ["everyone"];
  }
  override async receiveJson(): Promise<void> {
    this.sendJson({ channelName: this.channelName });
  }
  async note(event: LayerMessage): Promise<void> {
    this.sendJson({ note: event.text });
  }
}

describe.skipIf(!redisBin.available)("Redis layer across nodes (two layers, two socket servers)", () => {
  let redis: RedisServer;
  let nodeA: RedisChannelLayer;
  let nodeB: RedisChannelLayer;
  beforeAll(async () => {
    redis = await startRedis(redisBin.path);
    nodeA = new RedisChannelLayer({ hosts: [redis.url] });
    nodeB = new RedisChannelLayer({ hosts: [redis.url] });
  });
  afterAll(async () => {
    await nodeA?.close();
    await nodeB?.close();
    await redis?.stop();
  });

  it("reaches one socket on node B by its channel name from node A", async () => {
    const app = new SocketRouter().route("/probe/", Probe).app();
    const onB = new WebsocketCommunicator(app, "/probe/", { layer: nodeB });
    const otherOnB = new WebsocketCommunicator(app, "/probe/", { layer: nodeB });
    await onB.connect();
    await otherOnB.connect();
    onB.sendJson("who");
    const { channelName } = await onB.receiveJson<{ channelName: string }>();
    await nodeA.send(channelName, { type: "note", text: "just you" });
    expect(await onB.receiveJson()).toEqual({ note: "just you" });
    expect(await otherOnB.receiveNothing(200)).toBe(true);
    await nodeA.groupSend("everyone", { type: "note", text: "all" });
    expect(await onB.receiveJson()).toEqual({ note: "all" });
    expect(await otherOnB.receiveJson()).toEqual({ note: "all" });
    await onB.disconnect();
    await otherOnB.disconnect();
  });

  it("close() releases every connection it opened", async () => {
    const sockets = (): number => process.getActiveResourcesInfo().filter((r) => r === "TCPSocketWrap").length;
    await new Promise((r) => setTimeout(r, 100));
    const before = sockets();
    const layer = new RedisChannelLayer({ hosts: [redis.url], prefix: "leak" });
    const ch = await layer.newChannel();
    await layer.groupAdd("g", ch);
    await layer.send("plain-work", { type: "x" });
    await layer.receive("plain-work");
    await layer.groupSend("g", { type: "y" });
    await layer.receive(ch);
    expect(sockets()).toBeGreaterThan(before);
    await layer.close();
    await new Promise((r) => setTimeout(r, 200));
    expect(sockets()).toBe(before);
  });

  it("shards channels and groups over several hosts consistently", async () => {
    const second = await startRedis(redisBin.path);
    const hosts = [redis.url, second.url];
    const a = new RedisChannelLayer({ hosts, prefix: "shard" });
    const b = new RedisChannelLayer({ hosts, prefix: "shard" });
    try {
      const channels = await Promise.all(Array.from({ length: 6 }, (_, i) => b.newChannel(`p${i}`)));
      for (const [i, ch] of channels.entries()) await b.groupAdd(`g${i % 3}`, ch);
      for (let i = 0; i < 3; i++) await a.groupSend(`g${i}`, { type: "hi", g: i });
      for (const [i, ch] of channels.entries()) expect((await b.receive(ch)).g).toBe(i % 3);
      for (let i = 0; i < 8; i++) await a.send(`work${i}`, { type: "job", i });
      for (let i = 0; i < 8; i++) expect((await b.receive(`work${i}`)).i).toBe(i);
    } finally {
      await a.close();
      await b.close();
      await second.stop();
    }
  });
});
