import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import WebSocket from "ws";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { chatClient, type ChatLine, type ServerError, type StateChange, type SwitchboardClient, type Transport } from "../../src/client/index.js";
import { startBlockingProxy, type BlockingProxy } from "../helpers/blocking-proxy.js";
import { startTestServer, type TestServer } from "../helpers/server.js";

// A WebSocket that cannot open (a proxy refuses or swallows the upgrade, or the runtime has
// none): `switchboard/client` long-polls the room's HTTP API instead, with the same events,
// queue and resume by id; lines cross between it and socket clients each once, in order.

const fast = { WebSocket, backoff: { initialMs: 50, maxMs: 400 } };
type Chat = SwitchboardClient<ChatLine, { message: unknown }>;

function openOn(client: Chat, transport: Transport): Promise<StateChange> {
  return new Promise((resolve) => {
    const off = client.on("state", (s) => {
      if (s.state !== "open" || s.transport !== transport) return;
      off();
      resolve(s);
    });
  });
}

async function waitFor(check: () => boolean, ms = 10_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!check()) {
    if (Date.now() > deadline) throw new Error("condition not met in time");
    await new Promise((r) => setTimeout(r, 10));
  }
}

function collect(client: Chat): string[] {
  const seen: string[] = [];
  client.on("message", (line) => seen.push(line.message));
  return seen;
}

describe("switchboard/client falls back to long-polling", () => {
  let server: TestServer;
  let refusing: BlockingProxy;
  let swallowing: BlockingProxy;
  beforeAll(async () => {
    server = await startTestServer();
    refusing = await startBlockingProxy(server.url, "refuse");
    swallowing = await startBlockingProxy(server.url, "swallow");
  });
  afterAll(async () => {
    await refusing.close();
    await swallowing.close();
    await server.close();
  });

  it("behind a proxy that refuses upgrades: chats with socket clients, every line once and in order", async () => {
    const polling = chatClient("lp-refused", { ...fast, base: refusing.url });
    const socket = chatClient("lp-refused", { ...fast, base: server.url });
    const [fromPoll, fromSocket] = [collect(polling), collect(socket)];
    await Promise.all([openOn(polling, "longpoll"), openOn(socket, "websocket")]);
    expect(refusing.upgrades).toBeGreaterThanOrEqual(1);
    expect(polling.transport).toBe("longpoll");
    const expected: string[] = [];
    for (let i = 0; i < 6; i++) {
      const [from, text] = i % 2 === 0 ? [polling, `poll ${i}`] : [socket, `socket ${i}`];
      expect(from.send({ message: text })).toBe("sent");
      expected.push(text);
      await waitFor(() => fromPoll.length === expected.length && fromSocket.length === expected.length);
    }
    // A burst from the polling side keeps its order (one POST at a time).
    for (let i = 0; i < 5; i++) {
      polling.send({ message: `burst ${i}` });
      expected.push(`burst ${i}`);
    }
    await waitFor(() => fromPoll.length === expected.length && fromSocket.length === expected.length);
    await new Promise((r) => setTimeout(r, 300));
    expect(fromPoll).toEqual(expected);
    expect(fromSocket).toEqual(expected);
    // Bad input comes back as the error event, as over a socket; the client stays open.
    const errors: ServerError[] = [];
    polling.on("error", (e) => errors.push(e));
    polling.send({ message: "" });
    polling.send({ message: 42 } as unknown as { message: string });
    await waitFor(() => errors.length === 2);
    expect(errors.map((e) => e.error)).toEqual(["invalid_message", "invalid_message"]);
    expect(polling.state).toBe("open");
    polling.close();
    socket.close();
  });

  it("gives up a WebSocket the proxy never answers after openTimeoutMs, then long-polls", async () => {
    const started = Date.now();
    const polling = chatClient("lp-swallowed", { ...fast, base: swallowing.url, longPoll: { openTimeoutMs: 300 } });
    const seen = collect(polling);
    const opened = await openOn(polling, "longpoll");
    expect(Date.now() - started).toBeGreaterThanOrEqual(300);
    expect(opened.transport).toBe("longpoll");
    expect(swallowing.upgrades).toBeGreaterThanOrEqual(1);
    polling.send({ message: "through the swallowing proxy" });
    await waitFor(() => seen.length === 1);
    expect(seen).toEqual(["through the swallowing proxy"]);
    polling.close();
  });

  it("long-polls where the runtime has no WebSocket at all", async () => {
    const global = globalThis as { WebSocket?: unknown };
    const saved = global.WebSocket;
    delete global.WebSocket;
    let polling: Chat;
    try {
      polling = chatClient("lp-none", { base: server.url, backoff: fast.backoff });
    } finally {
      if (saved) global.WebSocket = saved;
    }
    const seen = collect(polling);
    await openOn(polling, "longpoll");
    const socket = chatClient("lp-none", { ...fast, base: server.url });
    await openOn(socket, "websocket");
    socket.send({ message: "to the runtime without sockets" });
    await waitFor(() => seen.length === 1);
    expect(seen).toEqual(["to the runtime without sockets"]);
    polling.close();
    socket.close();
  });

  it("without a fallback (longPoll: false) keeps retrying the WebSocket only", async () => {
    const client = chatClient("lp-off", { ...fast, base: refusing.url, longPoll: false });
    const transports: Transport[] = [];
    client.on("state", (s) => s.state === "connecting" && transports.push(s.transport));
    await waitFor(() => transports.length >= 3);
    client.close();
    expect(new Set(transports)).toEqual(new Set(["websocket"]));
  });
});

describe("switchboard/client over long-polling across a server restart", () => {
  it("resumes after the last id: every line once, including those queued while down; then tries a WebSocket again", async () => {
    const dataDir = mkdtempSync(join(tmpdir(), "sb-lp-restart-"));
    let node = await startTestServer({ DATA_DIR: dataDir });
    const port = new URL(node.url).port;
    const proxy = await startBlockingProxy(node.url, "refuse");
    const reader = chatClient("lp-restart", { ...fast, base: proxy.url });
    const writer = chatClient("lp-restart", { ...fast, base: proxy.url });
    const seen: ChatLine[] = [];
    reader.on("message", (l) => seen.push(l));
    const transports: Transport[] = [];
    reader.on("state", (s) => s.state === "connecting" && transports.push(s.transport));
    await Promise.all([openOn(reader, "longpoll"), openOn(writer, "longpoll")]);
    writer.send({ message: "before" });
    await waitFor(() => seen.length === 1);
    await node.close();
    await waitFor(() => writer.state === "closed" && reader.state === "closed");
    expect(writer.send({ message: "while down" })).toBe("queued");
    const attemptsWhileDown = transports.length;
    await waitFor(() => transports.length >= attemptsWhileDown + 3);
    node = await startTestServer({ DATA_DIR: dataDir, PORT: port });
    await waitFor(() => seen.length === 2);
    writer.send({ message: "after" });
    await waitFor(() => seen.length === 3);
    await new Promise((r) => setTimeout(r, 300));
    expect(seen.map((l) => l.message)).toEqual(["before", "while down", "after"]);
    expect(new Set(seen.map((l) => l.id)).size).toBe(3);
    // Attempts alternate once the WebSocket has failed: a failed long-poll is followed by a WebSocket try.
    for (let i = 1; i < transports.length; i++) {
      if (transports[i - 1] === "longpoll") expect(transports[i]).toBe("websocket");
    }
    expect(transports).toContain("websocket");
    reader.close();
    writer.close();
    await proxy.close();
    await node.close();
  }, 30_000);
});
