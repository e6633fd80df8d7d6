import { createServer, type Server } from "node:http";
import type { AddressInfo, Socket } from "node:net";
import WebSocket from "ws";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { chatClient, type StateChange } from "../../src/client/index.js";
import { retryAfterMs } from "../../src/client/retry-after.js";

describe("retryAfterMs", () => {
  it("reads delay-seconds and HTTP dates, and nothing else", () => {
    expect(retryAfterMs("3")).toBe(3000);
    expect(retryAfterMs(["0"])).toBe(0);
    expect(retryAfterMs("Wed, 02 Dec 2026 03:00:10 GMT", Date.parse("Wed, 02 Dec 2026 03:00:00 GMT"))).toBe(10_000);
    expect(retryAfterMs("Wed, 02 Dec 2026 02:00:00 GMT", Date.parse("Wed, 02 Dec 2026 03:00:00 GMT"))).toBe(0);
    for (const bad of [undefined, null, "", " ", "soon", "-1", "1.5"]) expect(retryAfterMs(bad)).toBeNull();
  });
});

// A server over its handshake budget answers the upgrade with 503 and Retry-After: a client on
// `ws` (Node) can read that answer and waits at least that long; it is not a blocked socket,
// so the client does not fall back to long-polling for it.
describe("a handshake refused with 503 and Retry-After", () => {
  let server: Server;
  let url: string;
  let upgrades = 0;
  beforeAll(async () => {
    server = createServer((_req, res) => res.writeHead(404).end());
    server.on("upgrade", (_req, socket: Socket) => {
      upgrades += 1;
      const body = JSON.stringify({ error: "overloaded", code: "SB_ERR_OVERLOADED" });
      socket.end(`HTTP/1.1 503 Service Unavailable\r\nretry-after: 1\r\ncontent-type: application/json\r\ncontent-length: ${body.length}\r\nconnection: close\r\n\r\n${body}`);
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });

  it("waits at least Retry-After (spread by up to half again) and keeps trying the WebSocket", async () => {
    const client = chatClient("busy", { base: url, WebSocket, backoff: { initialMs: 10, maxMs: 20 }, random: () => 1 });
    const closed: StateChange[] = [];
    const connecting: StateChange[] = [];
    client.on("state", (s) => (s.state === "closed" ? closed : s.state === "connecting" ? connecting : []).push(s));
    const deadline = Date.now() + 10_000;
    while (closed.length < 2 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    client.close();
    expect(closed.length).toBeGreaterThanOrEqual(2);
    for (const change of closed) {
      expect(change.retryInMs).toBe(1500); // Retry-After 1 s × (1 + 0.5 · random()), over the 10–20 ms backoff
      expect(change.reason).toBe("HTTP 503");
      expect(change.code).toBe(1006);
    }
    expect(new Set(connecting.map((s) => s.transport))).toEqual(new Set(["websocket"]));
    expect(upgrades).toBeGreaterThanOrEqual(2);
  });
});
