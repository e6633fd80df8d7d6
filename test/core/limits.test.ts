import { afterEach, describe, expect, it } from "vitest";
import { InMemoryChannelLayer, JsonWebsocketConsumer, SocketRouter, WebsocketCommunicator, parseRateLimit, type LayerMessage, type SocketLimits } from "../../src/core/index.js";

class Joiner extends JsonWebsocketConsumer {
  override async receiveJson(content: unknown): Promise<void> {
    await this.groupJoin(String(content));
    this.sendJson({ joined: content });
  }
}

class Room extends JsonWebsocketConsumer {
  override get groups(): string[] {
    return ["room"];
  }
  override async receiveJson(content: unknown): Promise<void> {
    await this.channelLayer!.groupSend("room", { type: "room.say", content });
  }
  async roomSay(event: LayerMessage): Promise<void> {
    this.sendJson(event.content);
  }
}

const open: WebsocketCommunicator[] = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((c) => c.disconnect()));
});

function pair(limits: Partial<SocketLimits>) {
  const layer = new InMemoryChannelLayer({ capacity: 10_000 });
  const app = new SocketRouter().route("/room/", Room).app();
  const first = new WebsocketCommunicator(app, "/room/", { layer, limits });
  open.push(first);
  return { first, layer, app };
}

describe("socket limits", () => {
  it("parses WS_RATE_LIMIT", () => {
    expect(parseRateLimit("100/1")).toEqual({ messages: 100, perSeconds: 1, burst: 200 });
    expect(parseRateLimit("0")).toBeNull();
    expect(() => parseRateLimit("fast")).toThrow(TypeError);
  });

  it("answers frames over the rate with rate_limited, then closes a client that keeps going with 1008", async () => {
    const { first: c } = pair({ rateLimit: { messages: 5, perSeconds: 1, burst: 5 } });
    await c.connect();
    for (let i = 0; i < 5; i++) c.sendJson(i);
    for (let i = 0; i < 5; i++) expect(await c.receiveJson()).toBe(i);
    c.sendJson("over");
    expect(await c.receiveJson()).toMatchObject({ error: "rate_limited" });
    for (let i = 0; i < 10; i++) c.sendJson("flood");
    expect(await c.receiveClose(2000)).toBe(1008);
    expect(c.server!.stats.rateLimited).toBeGreaterThan(5);
  });

  it("drops a client that stops reading (1013) once its backlog stays over the bound; others keep receiving", async () => {
    const { first: sender, layer, app } = pair({ maxBufferedBytes: 128 * 1024, rateLimit: null, pingIntervalMs: 0 });
    await sender.connect();
    const slow = new WebsocketCommunicator(app, "/room/", { layer, limits: { maxBufferedBytes: 128 * 1024, rateLimit: null, pingIntervalMs: 0 } });
    open.push(slow);
    await slow.connect();
    slow.stopReading();
    const big = "x".repeat(16 * 1024);
    const started = Date.now();
    // The healthy sender reads every line back; the paused one falls further behind.
    for (let i = 0; i < 400 && slow.server!.stats.slowConsumersDropped === 0 && Date.now() - started < 10_000; i++) {
      sender.sendJson(big);
      expect(((await sender.receiveJson(5000)) as string).length).toBe(big.length);
      if (i % 20 === 0) await new Promise((r) => setTimeout(r, 60));
    }
    expect(slow.server!.stats.slowConsumersDropped).toBe(1);
    expect(sender.server!.stats.slowConsumersDropped).toBe(0);
    sender.sendJson("still here");
    expect(await sender.receiveJson()).toBe("still here");
  });

  it("drops a peer that stops answering pings within two intervals", async () => {
    const { first: c } = pair({ pingIntervalMs: 150 });
    await c.connect();
    c.stopReading();
    await new Promise((r) => setTimeout(r, 500));
    expect(c.server!.stats.deadPeersDropped).toBe(1);
    expect(c.server!.connections).toBe(0);
  });

  it("closes a connection that joins more groups than allowed with 1008", async () => {
    const layer = new InMemoryChannelLayer();
    const c = new WebsocketCommunicator(new SocketRouter().route("/join/", Joiner).app(), "/join/", { layer, limits: { maxGroupsPerConnection: 2 } });
    open.push(c);
    await c.connect();
    c.sendJson("a");
    c.sendJson("b");
    expect(await c.receiveJson()).toEqual({ joined: "a" });
    expect(await c.receiveJson()).toEqual({ joined: "b" });
    c.sendJson("c");
    expect(await c.receiveClose()).toBe(1008);
  });

  it("refuses connections past the per-address cap at accept (counted as 429)", async () => {
    const { first } = pair({ maxConnectionsPerIp: 2 });
    await first.connect();
    const second = new WebsocketCommunicator(first.url!, "/room/");
    const third = new WebsocketCommunicator(first.url!, "/room/");
    open.push(second, third);
    expect((await second.connect()).connected).toBe(true);
    // The attached server's guard counted both from accept: the third TCP connection is
    // destroyed before a byte of it is read (test/core/connection-guard.test.ts).
    expect(await third.connect()).toEqual({ connected: false });
    expect(first.server!.stats.rejected["429"]).toBe(1);
    expect(first.server!.connections).toBe(2);
  });
});
