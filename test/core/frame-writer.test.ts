import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import WebSocket, { WebSocketServer } from "ws";
import { directSocket, writeData, writeFrame } from "../../src/core/frame-writer.js";
import { framePayload, textFrame } from "../../src/core/frames.js";

type Event = { kind: "text" | "binary"; data: string } | { kind: "ping"; data: string } | { kind: "close"; code: number };

const servers: Server[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => new Promise<void>((resolve) => s.close(() => resolve()))));
});

/**
 * A bare ws server (deflate on or off) and one client recording what it receives, in order.
 * Resolves with the server's side of the socket once both ends are open.
 */
async function pair(deflate: boolean): Promise<{ ws: WebSocket; client: WebSocket; events: Event[]; done: Promise<void> }> {
  const server = createServer();
  servers.push(server);
  const wss = new WebSocketServer({ server, perMessageDeflate: deflate ? { threshold: 0 } : false });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const accepted = new Promise<WebSocket>((resolve) => wss.once("connection", resolve));
  const { port } = server.address() as AddressInfo;
  const client = new WebSocket(`ws://127.0.0.1:${port}/`, { perMessageDeflate: deflate });
  const events: Event[] = [];
  client.on("message", (data: Buffer, isBinary: boolean) => events.push({ kind: isBinary ? "binary" : "text", data: isBinary ? data.toString("hex") : data.toString("utf8") }));
  client.on("ping", (data: Buffer) => events.push({ kind: "ping", data: data.toString("utf8") }));
  const done = new Promise<void>((resolve) =>
    client.once("close", (code: number) => {
      events.push({ kind: "close", code });
      resolve();
    }),
  );
  await new Promise<void>((resolve, reject) => {
    client.once("open", () => resolve());
    client.once("error", reject);
  });
  const ws = await accepted;
  return { ws, client, events, done };
}

/** Everything a server may write to one socket, interleaved in one turn, then a close. */
function interleave(ws: WebSocket): void {
  const direct = directSocket(ws);
  const shared = textFrame(JSON.stringify({ n: 1 }));
  writeFrame(ws, direct, shared);
  ws.send("ws.send 2");
  ws.ping("p3");
  writeData(ws, direct, "data 4", false);
  writeData(ws, direct, Buffer.from([5, 5]), true);
  writeFrame(ws, direct, textFrame("x".repeat(300))); // 16-bit length
  writeFrame(ws, direct, textFrame("y".repeat(70_000))); // 64-bit length
  writeData(ws, direct, Buffer.from("é 8"), false); // text from a Buffer
  ws.ping("p9");
  writeFrame(ws, direct, shared); // the same bytes again
  ws.close(4000, "bye");
  // Nothing written after the close frame leaves (the socket is closing).
}

const expected: Event[] = [
  { kind: "text", data: '{"n":1}' },
  { kind: "text", data: "ws.send 2" },
  { kind: "ping", data: "p3" },
  { kind: "text", data: "data 4" },
  { kind: "binary", data: "0505" },
  { kind: "text", data: "x".repeat(300) },
  { kind: "text", data: "y".repeat(70_000) },
  { kind: "text", data: "é 8" },
  { kind: "ping", data: "p9" },
  { kind: "text", data: '{"n":1}' },
  { kind: "close", code: 4000 },
];

describe("frame writer", () => {
  it("builds RFC 6455 text frames: FIN, opcode 1, unmasked, 7/16/64-bit lengths", () => {
    expect([...textFrame("hi")]).toEqual([0x81, 2, 0x68, 0x69]);
    expect(textFrame("a".repeat(125)).subarray(0, 2)).toEqual(Buffer.from([0x81, 125]));
    expect(textFrame("a".repeat(126)).subarray(0, 4)).toEqual(Buffer.from([0x81, 126, 0, 126]));
    expect(textFrame("a".repeat(65_535)).subarray(0, 4)).toEqual(Buffer.from([0x81, 126, 0xff, 0xff]));
    expect(textFrame("a".repeat(65_536)).subarray(0, 10)).toEqual(Buffer.from([0x81, 127, 0, 0, 0, 0, 0, 1, 0, 0]));
    // The length counts UTF-8 bytes, not UTF-16 units.
    expect(textFrame("é€").subarray(0, 2)).toEqual(Buffer.from([0x81, 5]));
    expect(framePayload(textFrame("é€")).toString("utf8")).toBe("é€");
    expect(framePayload(textFrame("z".repeat(70_000))).length).toBe(70_000);
  });

  it("writes straight to the socket without extensions, in order with ws's own pings, sends and close", async () => {
    const { ws, events, done } = await pair(false);
    expect(directSocket(ws)).not.toBeNull();
    interleave(ws);
    writeData(ws, directSocket(ws), "after close", false); // the socket is closing: never written
    await done;
    expect(events).toEqual(expected);
  });

  it("goes through ws.send when permessage-deflate was negotiated, with the same order", async () => {
    const { ws, client, events, done } = await pair(true);
    expect(client.extensions).toContain("permessage-deflate");
    expect(directSocket(ws)).toBeNull();
    interleave(ws);
    await done;
    expect(events).toEqual(expected);
  });

  it("flushes a turn's frames, and counts bytes written straight to the socket in bufferedAmount", async () => {
    const { ws, client, events } = await pair(false);
    const direct = directSocket(ws)!;
    // The client stops reading: the kernel buffers fill, then the rest waits in the socket.
    (client as unknown as { _socket: { pause(): void } })._socket.pause();
    const frame = textFrame("z".repeat(64 * 1024));
    for (let i = 0; i < 200; i++) writeFrame(ws, direct, frame);
    await new Promise((r) => setTimeout(r, 50));
    expect(ws.bufferedAmount).toBeGreaterThan(1024 * 1024);
    (client as unknown as { _socket: { resume(): void } })._socket.resume();
    const deadline = Date.now() + 10_000;
    while (events.length < 200 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    expect(events.length).toBe(200);
    expect(ws.bufferedAmount).toBe(0);
    client.close();
  });
});
