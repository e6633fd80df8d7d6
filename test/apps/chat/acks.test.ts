import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import WebSocket from "ws";
import { afterAll, describe, expect, it } from "vitest";
import { SwitchboardClient, chatClient, type ChatLine, type ChatSend } from "../../../src/client/index.js";
import { startNode, type NodeProcess } from "../../helpers/node-process.js";
import { findProgram } from "../../helpers/programs.js";
import { startRedis, type RedisServer } from "../../helpers/redis.js";

// A line the client sent is stored once, even when the server dies: the client gives each
// line its own id (`cid`), keeps it until the server acknowledges it, and sends it again
// after a reconnect; the server stores a line once per room, user and cid.

const redisBin = findProgram("acknowledged chat lines on two nodes", "redis-server", "redis-server");
const backoff = { initialMs: 50, maxMs: 500 };

async function waitFor(check: () => boolean, ms: number, what: string): Promise<void> {
  const deadline = Date.now() + ms;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`${what}: not in time`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

async function history(url: string, room: string): Promise<ChatLine[]> {
  const lines: ChatLine[] = [];
  for (let after = 0; ; ) {
    const { messages } = (await (await fetch(`${url}/api/rooms/${room}/messages?after=${after}&limit=500`)).json()) as { messages: ChatLine[] };
    lines.push(...messages);
    if (messages.length < 500) return lines;
    after = messages.at(-1)!.id;
  }
}

/** Sends 200 lines, 8 ms apart, while `crash(i)` kills and restarts servers at some of them. */
async function sendThroughCrashes(client: SwitchboardClient<ChatLine, ChatSend>, crashAt: Set<number>, crash: () => Promise<void>): Promise<string[]> {
  const sent: string[] = [];
  for (let i = 0; i < 200; i++) {
    const text = `line ${i}`;
    expect(client.send({ message: text })).not.toBe("rejected");
    sent.push(text);
    if (crashAt.has(i)) await crash();
    await new Promise((r) => setTimeout(r, 8));
  }
  await waitFor(() => client.queued === 0, 30_000, "every line acknowledged");
  return sent;
}

describe("acknowledged chat lines across server crashes", () => {
  const nodes: NodeProcess[] = [];
  let redis: RedisServer | null = null;
  afterAll(async () => {
    for (const node of nodes) await node.stop("SIGKILL");
    await redis?.stop();
  });

  it("one node SIGKILLed and restarted three times: every line in the history exactly once, in order", async () => {
    const dataDir = mkdtempSync(join(tmpdir(), "sb-acks-"));
    let node = await startNode({ DATA_DIR: dataDir });
    nodes.push(node);
    const client = chatClient("acks-one", { base: node.url, WebSocket, backoff, queueLimit: 500 });
    const acked = new Set<string>();
    client.on("ack", ({ cid }) => acked.add(cid));
    const sent = await sendThroughCrashes(client, new Set([30, 90, 150]), async () => {
      await node.stop("SIGKILL");
      node = await startNode({ DATA_DIR: dataDir }, { port: node.port });
      nodes.push(node);
    });
    const lines = await history(node.url, "acks-one");
    expect(lines.map((l) => l.message)).toEqual(sent);
    expect(new Set(lines.map((l) => l.cid)).size).toBe(200);
    expect(acked.size).toBe(200);
    client.close();
  }, 120_000);

  it.skipIf(!redisBin.available)("two nodes on Redis, each SIGKILLed and restarted in turn: the same", async () => {
    redis = await startRedis(redisBin.path);
    const dataDir = mkdtempSync(join(tmpdir(), "sb-acks2-"));
    const env = { DATA_DIR: dataDir, REDIS_URL: redis.url };
    const pair = [await startNode(env), await startNode(env)];
    nodes.push(...pair);
    let attempt = 0;
    // Each reconnect goes to the other node, as behind a balancer.
    const client = new SwitchboardClient<ChatLine, ChatSend>({
      url: () => `${pair[attempt++ % 2]!.wsUrl}/ws/chat/acks-two/`,
      protocols: ["switchboard.v1"],
      WebSocket,
      backoff,
      resume: { after: 0 },
      acks: true,
      queueLimit: 500,
    });
    let victim = 0;
    const sent = await sendThroughCrashes(client, new Set([25, 70, 120, 170]), async () => {
      const down = pair[victim]!;
      await down.stop("SIGKILL");
      pair[victim] = await startNode(env, { port: down.port });
      nodes.push(pair[victim]!);
      victim = 1 - victim;
    });
    const lines = await history(pair[0]!.url, "acks-two");
    expect(lines.map((l) => l.message)).toEqual(sent);
    client.close();
  }, 180_000);
});

describe("POST /api/rooms/:room/messages with an Idempotency-Key", () => {
  it("stores a line once per key: a retry answers 200 with the first line and broadcasts nothing; a bad key is 400", async () => {
    const { startTestServer } = await import("../../helpers/server.js");
    const server = await startTestServer();
    try {
      const watcher = chatClient("idem", { base: server.url, WebSocket, backoff });
      const seen: ChatLine[] = [];
      watcher.on("message", (l) => seen.push(l));
      await waitFor(() => watcher.state === "open", 5000, "watcher open");
      const post = (key: string | null, message: string) =>
        fetch(`${server.url}/api/rooms/idem/messages`, {
          method: "POST",
          headers: { "content-type": "application/json", ...(key ? { "idempotency-key": key } : {}) },
          body: JSON.stringify({ message }),
        });
      const first = await post("k.1", "once");
      expect(first.status).toBe(201);
      const line = (await first.json()) as ChatLine;
      expect(line).toMatchObject({ message: "once", cid: "k.1" });
      const retry = await post("k.1", "once (retried)");
      expect(retry.status).toBe(200);
      expect(await retry.json()).toEqual(line);
      expect((await post(null, "no key")).status).toBe(201);
      const bad = await post("not a key!", "x");
      expect(bad.status).toBe(400);
      expect(await bad.json()).toMatchObject({ error: "invalid_request", code: "SB_ERR_INVALID_REQUEST" });
      await waitFor(() => seen.length === 2, 5000, "two broadcasts");
      await new Promise((r) => setTimeout(r, 200));
      expect(seen.map((l) => l.message)).toEqual(["once", "no key"]);
      expect((await history(server.url, "idem")).map((l) => l.message)).toEqual(["once", "no key"]);
      watcher.close();
    } finally {
      await server.close();
    }
  });

  it("answers a socket's line with its cid by an ack, a resend by the same ack, and a refusal carrying the cid", async () => {
    const { startTestServer } = await import("../../helpers/server.js");
    const server = await startTestServer();
    try {
      const ws = new WebSocket(`${server.wsUrl}/ws/chat/idem-ws/`);
      const frames: Record<string, unknown>[] = [];
      ws.on("message", (d) => frames.push(JSON.parse(String(d)) as Record<string, unknown>));
      await new Promise((r) => ws.once("open", r));
      ws.send(JSON.stringify({ message: "hi", cid: "s.1" }));
      ws.send(JSON.stringify({ message: "hi again", cid: "s.1" }));
      ws.send(JSON.stringify({ message: "", cid: "s.2" }));
      ws.send(JSON.stringify({ message: "bad id", cid: 7 }));
      await waitFor(() => frames.length >= 5, 5000, "answers");
      const line = frames.find((f) => f.message === "hi")!;
      expect(line).toMatchObject({ cid: "s.1", user: "anonymous" });
      expect(frames.filter((f) => f.type === "ack")).toEqual([{ type: "ack", cid: "s.1", id: line.id }, { type: "ack", cid: "s.1", id: line.id }]);
      expect(frames.find((f) => f.error === "invalid_message")).toMatchObject({ cid: "s.2" });
      expect(frames.find((f) => f.error === "invalid_request")).toBeTruthy();
      expect(frames.filter((f) => typeof f.message === "string")).toHaveLength(1);
      ws.close();
    } finally {
      await server.close();
    }
  });
});
