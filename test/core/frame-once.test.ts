import { randomBytes } from "node:crypto";
import { connect, type Socket } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { InMemoryChannelLayer, JsonWebsocketConsumer, SocketRouter, WebsocketCommunicator, type LayerMessage } from "../../src/core/index.js";

/** Forwards group messages as they are (frozen: framed once) and follows each with a direct send. */
class Room extends JsonWebsocketConsumer {
  override get groups(): string[] {
    return ["room"];
  }
  override async receiveJson(content: unknown): Promise<void> {
    const command = content as { say?: number; burst?: number; flood?: number; size?: number };
    if (command.say !== undefined) {
      await this.channelLayer!.groupSend("room", { type: "room.line", n: command.say, text: "é".repeat(command.size ?? 10) });
    }
    if (command.burst !== undefined) {
      // One turn: group messages (delivered to this socket too, behind this frame) and direct sends.
      for (let n = 0; n < command.burst; n++) void this.channelLayer!.groupSend("room", { type: "room.line", n, text: "b" });
      this.sendJson({ direct: "burst sent" });
    }
    if (command.flood !== undefined) {
      const line = Object.freeze({ text: "f".repeat(1000) });
      for (let n = 0; n < command.flood; n++) this.sendJson(n % 2 ? line : { n });
      await this.close(4001, "flooded");
    }
  }
  async roomLine(event: LayerMessage): Promise<void> {
    this.sendJson(event);
    this.send(`after ${String(event.n)}`);
  }
}

/** The same group with its own encoder, counting how often it runs. */
class Shouting extends Room {
  static encoded = 0;
  override encodeJson(content: unknown): string {
    Shouting.encoded++;
    return JSON.stringify(content).toUpperCase();
  }
  override async roomLine(event: LayerMessage): Promise<void> {
    this.sendJson(event);
  }
}

const open: WebsocketCommunicator[] = [];
const raw: Socket[] = [];
afterEach(async () => {
  for (const s of raw.splice(0)) s.destroy();
  await Promise.all(open.splice(0).map((c) => c.disconnect()));
});

function serve(limits = {}) {
  const layer = new InMemoryChannelLayer({ capacity: 10_000 });
  const app = new SocketRouter().route("/room/", Room).route("/shout/", Shouting).app();
  const first = new WebsocketCommunicator(app, "/room/", { layer, limits: { pingIntervalMs: 0, rateLimit: null, ...limits } });
  open.push(first);
  /** Another socket on the first one's server (once it is connected). */
  const another = () => {
    const c = new WebsocketCommunicator(first.url!, "/room/");
    open.push(c);
    return c;
  };
  return { first, another };
}

interface Frame {
  fin: boolean;
  opcode: number;
  masked: boolean;
  /** The whole frame as it came off the wire. */
  bytes: Buffer;
  payload: Buffer;
}

/** A client on a bare TCP socket: does the upgrade by hand and parses every frame (RFC 6455 §5.2). */
async function rawClient(url: string, extraHeaders = ""): Promise<{ response: string; frames: Frame[]; next(): Promise<Frame> }> {
  const { port } = new URL(url);
  const socket = connect(Number(port), "127.0.0.1");
  raw.push(socket);
  const key = randomBytes(16).toString("base64");
  socket.write(`GET /room/ HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: ${key}\r\nSec-WebSocket-Version: 13\r\n${extraHeaders}\r\n`);
  let buffered = Buffer.alloc(0);
  let response = "";
  const frames: Frame[] = [];
  let wake: (() => void) | null = null;
  const opened = new Promise<void>((resolve, reject) => {
    socket.once("error", reject);
    socket.on("data", (chunk: Buffer) => {
      buffered = Buffer.concat([buffered, chunk]);
      if (!response) {
        const end = buffered.indexOf("\r\n\r\n");
        if (end === -1) return;
        response = buffered.subarray(0, end).toString("latin1");
        buffered = buffered.subarray(end + 4);
        resolve();
      }
      for (;;) {
        if (buffered.length < 2) break;
        const code = buffered[1]! & 0x7f;
        const masked = (buffered[1]! & 0x80) !== 0;
        const header = (code < 126 ? 2 : code === 126 ? 4 : 10) + (masked ? 4 : 0);
        if (buffered.length < header) break;
        const length = code < 126 ? code : code === 126 ? buffered.readUInt16BE(2) : Number(buffered.readBigUInt64BE(2));
        if (buffered.length < header + length) break;
        const bytes = Buffer.from(buffered.subarray(0, header + length));
        const frame = { fin: (bytes[0]! & 0x80) !== 0, opcode: bytes[0]! & 0x0f, masked, bytes, payload: bytes.subarray(header) };
        frames.push(frame);
        // A live peer answers pings (else the server drops it as dead).
        if (frame.opcode === 0x9) sendMasked(socket, frame.payload, 0xa);
        buffered = buffered.subarray(header + length);
      }
      wake?.();
    });
  });
  await opened;
  let read = 0;
  const next = async (): Promise<Frame> => {
    const deadline = Date.now() + 2000;
    while (read >= frames.length) {
      if (Date.now() > deadline) throw new Error("no frame within 2 s");
      await new Promise<void>((resolve) => {
        wake = resolve;
        setTimeout(resolve, 50);
      });
    }
    return frames[read++]!;
  };
  return { response, frames, next };
}

/** Sends one short masked frame (text by default) from a raw client, as RFC 6455 requires of clients. */
function sendMasked(socket: Socket, data: string | Buffer, opcode = 0x1): void {
  const payload = Buffer.from(data);
  const mask = randomBytes(4);
  const masked = Buffer.from(payload.map((b, i) => b ^ mask[i % 4]!));
  socket.write(Buffer.concat([Buffer.from([0x80 | opcode, 0x80 | payload.length]), mask, masked]));
}

describe("frame once per group send", () => {
  it("sends every member the same bytes: one valid, unmasked, final text frame per message", async () => {
    const { first } = serve();
    await first.connect();
    const members = await Promise.all([rawClient(first.url!), rawClient(first.url!), rawClient(first.url!)]);
    for (const m of members) expect(m.response).toMatch(/^HTTP\/1\.1 101/);
    // 200 two-byte characters: a 16-bit length.
    first.sendJson({ say: 7, size: 200 });
    const expected = JSON.stringify({ type: "room.line", n: 7, text: "é".repeat(200) });
    const got = await Promise.all(members.map(async (m) => [await m.next(), await m.next()] as const));
    for (const [line, after] of got) {
      expect(line).toMatchObject({ fin: true, opcode: 1, masked: false });
      expect(line.payload.toString("utf8")).toBe(expected);
      const header = Buffer.from([0x81, 126, 0, 0]);
      header.writeUInt16BE(Buffer.byteLength(expected), 2);
      expect(line.bytes.subarray(0, 4)).toEqual(header);
      expect(line.bytes).toEqual(got[0]![0].bytes);
      expect(after.payload.toString("utf8")).toBe("after 7");
    }
    expect(JSON.parse(await first.receiveText())).toEqual(JSON.parse(expected));
  });

  it("encodes a group message once for all members of a class, and apart for a class with its own encoder", async () => {
    const { first } = serve();
    await first.connect();
    const shouters = [new WebsocketCommunicator(first.url!, "/shout/"), new WebsocketCommunicator(first.url!, "/shout/")];
    open.push(...shouters);
    for (const c of shouters) await c.connect();
    Shouting.encoded = 0;
    first.sendJson({ say: 2 });
    expect(await first.receiveJson()).toMatchObject({ type: "room.line", n: 2 });
    for (const c of shouters) expect(await c.receiveText()).toBe(JSON.stringify({ type: "room.line", n: 2, text: "é".repeat(10) }).toUpperCase());
    expect(Shouting.encoded).toBe(1);
  });

  it("keeps a socket's order across group messages, direct sends and the replies to its own frames", async () => {
    const { first, another } = serve();
    await first.connect();
    const other = another();
    await other.connect();
    first.sendJson({ burst: 50 });
    // This socket: its direct frame first (its handler was running), then each line and its follow-up.
    expect(await first.receiveJson()).toEqual({ direct: "burst sent" });
    for (const c of [first, other]) {
      for (let n = 0; n < 50; n++) {
        expect(await c.receiveJson()).toEqual({ type: "room.line", n, text: "b" });
        expect(await c.receiveText()).toBe(`after ${n}`);
      }
    }
    expect(await other.receiveNothing()).toBe(true);
  });

  it("keeps the server's pings in order with the data frames around them", async () => {
    // Pings every 50 ms (a peer silent for two intervals is dropped: not too short for a busy test process).
    const { first } = serve({ pingIntervalMs: 50 });
    await first.connect();
    const member = await rawClient(first.url!);
    const started = Date.now();
    let n = 0;
    // A line every 10 ms for 400 ms: pings fall between them; every frame parses, data keeps its order.
    for (; Date.now() - started < 400 && n < 200; n++) {
      first.sendJson({ say: n });
      await first.receiveJson();
      await first.receiveText();
      await new Promise((r) => setTimeout(r, 10));
    }
    const data: string[] = [];
    let pings = 0;
    while (data.length < 2 * n) {
      const frame = await member.next();
      if (frame.opcode === 0x9) pings++;
      else data.push(frame.payload.toString("utf8"));
    }
    expect(pings).toBeGreaterThan(0);
    expect(data).toEqual(Array.from({ length: n }, (_, i) => [JSON.stringify({ type: "room.line", n: i, text: "é".repeat(10) }), `after ${i}`]).flat());
  });

  it("never lets a close frame overtake queued data, nor data follow it", async () => {
    const { first } = serve();
    await first.connect();
    first.sendJson({ flood: 2000 });
    for (let n = 0; n < 2000; n++) {
      const frame = await first.receiveJson<{ n?: number; text?: string }>(5000);
      expect(n % 2 ? frame.text?.length : frame.n).toBe(n % 2 ? 1000 : n);
    }
    expect(await first.receiveClose(5000)).toBe(4001);
  });

  it("serves a client that offers permessage-deflate plain frames (the server negotiates no extension)", async () => {
    const { first } = serve();
    await first.connect();
    const member = await rawClient(first.url!, "Sec-WebSocket-Extensions: permessage-deflate; client_max_window_bits\r\n");
    expect(member.response).toMatch(/^HTTP\/1\.1 101/);
    expect(member.response.toLowerCase()).not.toContain("sec-websocket-extensions");
    first.sendJson({ say: 1 });
    const line = await member.next();
    expect(line.bytes[0]).toBe(0x81); // no RSV1: not compressed
    expect(JSON.parse(line.payload.toString("utf8"))).toMatchObject({ type: "room.line", n: 1 });
    expect((await member.next()).payload.toString("utf8")).toBe("after 1");
  });

  it("a raw client's own frames reach the consumer and its group", async () => {
    const { first } = serve();
    await first.connect();
    const member = await rawClient(first.url!);
    sendMasked(raw.at(-1)!, JSON.stringify({ say: 3 }));
    expect(JSON.parse((await member.next()).payload.toString("utf8"))).toMatchObject({ n: 3 });
    expect(await first.receiveJson()).toMatchObject({ n: 3 });
  });

  it("still drops a member that stops reading shared frames (1013); the others keep receiving", async () => {
    const limits = { maxBufferedBytes: 128 * 1024 };
    const { first, another } = serve(limits);
    await first.connect();
    const slow = another();
    await slow.connect();
    slow.stopReading();
    const started = Date.now();
    for (let i = 0; i < 400 && first.server!.stats.slowConsumersDropped === 0 && Date.now() - started < 10_000; i++) {
      first.sendJson({ say: i, size: 8 * 1024 });
      expect(await first.receiveJson(5000)).toMatchObject({ n: i });
      expect(await first.receiveText(5000)).toBe(`after ${i}`);
      if (i % 20 === 0) await new Promise((r) => setTimeout(r, 60));
    }
    expect(first.server!.stats.slowConsumersDropped).toBe(1);
    first.sendJson({ say: -1 });
    expect(await first.receiveJson()).toMatchObject({ n: -1 });
  });
});
