import { afterEach, describe, expect, it } from "vitest";
import {
  InMemoryChannelLayer,
  JsonWebsocketConsumer,
  SocketRouter,
  WebsocketCommunicator,
  WebsocketConsumer,
  handlerName,
  type LayerMessage,
} from "../../src/core/index.js";

class Echo extends WebsocketConsumer {
  override async receive(text: string | null, bytes: Buffer | null): Promise<void> {
    if (text !== null) this.send(`echo:${text}`);
    if (bytes !== null) this.send(bytes);
  }
}

class Room extends JsonWebsocketConsumer<{ name: string }> {
  override get groups(): string[] {
    return [`room_${this.scope.kwargs.name}`];
  }
  override async receiveJson(content: unknown): Promise<void> {
    if (content === "channel?") return this.sendJson({ channelName: this.channelName });
    await this.channelLayer!.groupSend(this.groups[0]!, { type: "room.message", content });
  }
  async roomMessage(event: LayerMessage): Promise<void> {
    this.sendJson({ got: event.content, channel: this.channelName.length > 0 });
  }
  async whoami(): Promise<void> {
    this.sendJson({ kwargs: this.scope.kwargs });
  }
}

/** Handles `slow.item` only when released, and reports each one in order. */
class Slow extends JsonWebsocketConsumer {
  static gate: Promise<void> = Promise.resolve();
  override async receiveJson(): Promise<void> {
    this.sendJson({ channelName: this.channelName });
  }
  async slowItem(event: LayerMessage): Promise<void> {
    await Slow.gate;
    this.sendJson({ n: event.n });
  }
}

class Refuser extends WebsocketConsumer {
  override async connect(): Promise<void> {
    await this.close();
  }
}

const open: WebsocketCommunicator[] = [];
let layer: InMemoryChannelLayer;

function communicator(path: string, options: { headers?: Record<string, string>; subprotocols?: string[] } = {}) {
  const router = new SocketRouter()
    .route("/echo/", Echo)
    .route("/room/:name/", Room, { params: { name: /[a-z]{1,10}/ } })
    .route("/refuse/", Refuser)
    .route("/slow/", Slow);
  const c = new WebsocketCommunicator(router.app(), path, { layer, ...options });
  open.push(c);
  return c;
}

afterEach(async () => {
  await Promise.all(open.splice(0).map((c) => c.disconnect()));
  await layer?.close();
});

describe("consumers and routing", () => {
  it("maps message types to handler names", () => {
    expect(handlerName("chat.message")).toBe("chatMessage");
    expect(handlerName("chat_message")).toBe("chatMessage");
    expect(handlerName("server.time.tick")).toBe("serverTimeTick");
    expect(handlerName("_private")).toBeNull();
    expect(handlerName("close")).toBeNull();
    expect(handlerName("constructor")).toBeNull();
    expect(handlerName("__proto__")).toBeNull();
    expect(handlerName("a..b")).toBeNull();
  });

  it("echoes text and binary frames through a raw consumer", async () => {
    layer = new InMemoryChannelLayer();
    const c = communicator("/echo/");
    expect((await c.connect()).connected).toBe(true);
    c.sendText("hi");
    expect(await c.receiveText()).toBe("echo:hi");
    c.sendBytes(Buffer.from([1, 2, 3]));
    expect([...(await c.receiveBytes())]).toEqual([1, 2, 3]);
  });

  it("refuses an unknown path with HTTP 404 at the handshake", async () => {
    layer = new InMemoryChannelLayer();
    const c = communicator("/nowhere/");
    expect(await c.connect()).toEqual({ connected: false, status: 404 });
  });

  it("refuses a path whose kwarg fails its pattern with 404", async () => {
    layer = new InMemoryChannelLayer();
    const c = communicator("/room/NOT-lower/");
    expect((await c.connect()).status).toBe(404);
  });

  it("a consumer that closes in connect refuses the handshake with 403", async () => {
    layer = new InMemoryChannelLayer();
    const c = communicator("/refuse/");
    expect(await c.connect()).toEqual({ connected: false, status: 403 });
  });

  it("passes typed kwargs and dispatches layer messages by type", async () => {
    layer = new InMemoryChannelLayer();
    const c = communicator("/room/abc/");
    await c.connect();
    c.sendJson({ hello: 1 });
    expect(await c.receiveJson()).toEqual({ got: { hello: 1 }, channel: true });
  });

  it("answers invalid JSON with an error frame and keeps the socket open", async () => {
    layer = new InMemoryChannelLayer();
    const c = communicator("/room/abc/");
    await c.connect();
    c.sendText("{not json");
    expect(await c.receiveJson()).toMatchObject({ error: "invalid_json" });
    c.sendBytes(Buffer.from("{}"));
    expect(await c.receiveJson()).toMatchObject({ error: "expected_text" });
    c.sendJson({ still: "open" });
    expect(await c.receiveJson()).toEqual({ got: { still: "open" }, channel: true });
  });

  it("closes only that socket with 1011 when a layer message has no handler", async () => {
    layer = new InMemoryChannelLayer();
    const a = communicator("/room/abc/");
    const b = communicator("/room/abc/");
    await a.connect();
    await b.connect();
    a.sendJson("channel?");
    const { channelName } = await a.receiveJson<{ channelName: string }>();
    await layer.send(channelName, { type: "no.such.handler" });
    expect(await a.receiveClose()).toBe(1011);
    b.sendJson("still here");
    expect(await b.receiveJson()).toEqual({ got: "still here", channel: true });
  });

  it("never dispatches to built-in or inherited members", async () => {
    layer = new InMemoryChannelLayer();
    const c = communicator("/room/abc/");
    await c.connect();
    for (const type of ["close", "accept", "constructor", "__proto__", "_x", "send.json", "to.string", "has.own.property"]) {
      await layer.groupSend("room_abc", { type });
    }
    // The first crafted type already closes the socket with 1011; none reached close() with its own code.
    expect(await c.receiveClose()).toBe(1011);
  });

  it("reaches one socket through its channel name", async () => {
    layer = new InMemoryChannelLayer();
    const c = communicator("/room/xyz/");
    await c.connect();
    c.sendJson("channel?");
    const { channelName } = await c.receiveJson<{ channelName: string }>();
    expect(channelName).toContain("!");
    await layer.send(channelName, { type: "whoami" });
    expect(await c.receiveJson()).toEqual({ kwargs: { name: "xyz" } });
  });

  it("holds layer messages in the channel while a busy consumer catches up, in order, within capacity", async () => {
    layer = new InMemoryChannelLayer({ capacity: 100 });
    const c = communicator("/slow/");
    await c.connect();
    c.sendJson("who");
    const { channelName } = await c.receiveJson<{ channelName: string }>();
    let release!: () => void;
    Slow.gate = new Promise((r) => (release = r));
    // 1 in the handler + 64 in the mailbox + 100 held by the layer; the rest is refused.
    let refused = 0;
    for (let n = 0; n < 200; n++) {
      try {
        await layer.send(channelName, { type: "slow.item", n });
      } catch {
        refused++;
      }
    }
    expect(refused).toBe(200 - 1 - 64 - 100);
    release();
    for (let n = 0; n < 165; n++) expect(await c.receiveJson()).toEqual({ n });
    expect(await c.receiveNothing(100)).toBe(true);
    // Back to the fast path afterwards.
    await layer.send(channelName, { type: "slow.item", n: 999 });
    expect(await c.receiveJson()).toEqual({ n: 999 });
  });

  it("joins declared groups on connect and leaves them on disconnect", async () => {
    layer = new InMemoryChannelLayer();
    const a = communicator("/room/g/");
    await a.connect();
    const watcher = await layer.newChannel();
    await layer.groupAdd("room_g", watcher);
    await layer.groupSend("room_g", { type: "room.message", content: "one" });
    expect(await a.receiveJson()).toEqual({ got: "one", channel: true });
    await a.disconnect();
    await new Promise((r) => setTimeout(r, 50));
    await layer.groupSend("room_g", { type: "room.message", content: "two" });
    // Only the watcher is still a member: it holds both messages, nobody else took one.
    expect((await layer.receive(watcher)).content).toBe("one");
    expect((await layer.receive(watcher)).content).toBe("two");
  });
});
