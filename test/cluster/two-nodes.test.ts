import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it, onTestFinished } from "vitest";
import { WebsocketCommunicator } from "../../src/core/index.js";
import { startNode, type NodeProcess } from "../helpers/node-process.js";
import { startRedis, type RedisServer } from "../helpers/redis.js";
import { findProgram } from "../helpers/programs.js";

const redisBin = findProgram("two-node cluster", "redis-server", "redis-server");

/** Connects a chat socket and swallows its presence preamble. */
async function chat(node: NodeProcess, room: string): Promise<WebsocketCommunicator> {
  // `switchboard.v1` asks for presence frames (sockets without it get only lines).
  const c = new WebsocketCommunicator(node.wsUrl, `/ws/chat/${room}/`, { subprotocols: ["switchboard.v1"] });
  const r = await c.connect();
  if (!r.connected) throw new Error(`refused: ${r.status}`);
  // The member list arrives once the node has recorded this socket's presence.
  expect(await c.receiveJson()).toMatchObject({ type: "presence" });
  return c;
}

/** The next chat line (frames with a string `message`), skipping presence events. */
async function line(c: WebsocketCommunicator, timeoutMs = 2000): Promise<{ id: number; message: string }> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const frame = await c.receiveJson<{ id: number; message?: string }>(Math.max(1, deadline - Date.now()));
    if (typeof frame.message === "string") return frame as { id: number; message: string };
  }
}

async function noLine(c: WebsocketCommunicator, ms = 300): Promise<boolean> {
  try {
    await line(c, ms);
    return false;
  } catch {
    return true;
  }
}

describe.skipIf(!redisBin.available)("two server processes on one Redis", () => {
  let redis: RedisServer;
  let a: NodeProcess;
  let b: NodeProcess;
  const open: WebsocketCommunicator[] = [];

  beforeAll(async () => {
    redis = await startRedis(redisBin.path);
    const dataDir = mkdtempSync(join(tmpdir(), "sb-cluster-"));
    const env = { REDIS_URL: redis.url, DATA_DIR: dataDir };
    a = await startNode(env);
    b = await startNode(env);
  }, 60_000);

  afterAll(async () => {
    await Promise.all(open.map((c) => c.disconnect()));
    expect(await a?.stop()).toBe(0);
    expect(await b?.stop()).toBe(0);
    await redis?.stop();
  });

  it("carries chat in one room across nodes, and not into another room", async () => {
    const onA = await chat(a, "lobby");
    const onB = await chat(b, "lobby");
    const other = await chat(b, "other");
    open.push(onA, onB, other);
    onA.sendJson({ message: "from A" });
    expect((await line(onA)).message).toBe("from A");
    expect((await line(onB)).message).toBe("from A");
    onB.sendJson({ message: "from B" });
    expect((await line(onA)).message).toBe("from B");
    expect(await noLine(other)).toBe(true);
  });

  it("sees presence across nodes", async () => {
    const onA = await chat(a, "presence");
    open.push(onA);
    const onB = await chat(b, "presence");
    open.push(onB);
    const res = await fetch(`${a.url}/api/rooms/presence/presence`);
    const { members } = (await res.json()) as { members: unknown[] };
    expect(members).toHaveLength(2);
  });

  it("expires the members of a node that dies without saying goodbye within 30 s", async () => {
    const c = await startNode({ REDIS_URL: redis.url, DATA_DIR: mkdtempSync(join(tmpdir(), "sb-cluster-c-")) });
    onTestFinished(async () => void (await c.stop("SIGKILL")));
    const watcher = await chat(a, "doomed");
    open.push(watcher);
    const victim = await chat(c, "doomed");
    const members = async () => ((await (await fetch(`${a.url}/api/rooms/doomed/presence`)).json()) as { members: unknown[] }).members;
    expect(await members()).toHaveLength(2);
    const killedAt = Date.now();
    await c.stop("SIGKILL");
    await victim.disconnect();
    // The watcher on node A is told the victim left, by a sweep on a surviving node.
    for (;;) {
      const frame = await watcher.receiveJson<{ type?: string; leaves?: string[] }>(30_000);
      if (frame.type === "presence.diff" && frame.leaves?.length) break;
    }
    expect(Date.now() - killedAt).toBeLessThan(30_000);
    expect(await members()).toHaveLength(1);
  }, 45_000);

  it("survives Redis dying mid-traffic and carries chat again once it returns", async () => {
    const onA = await chat(a, "outage");
    const onB = await chat(b, "outage");
    open.push(onA, onB);
    onA.sendJson({ message: "before" });
    await line(onA);
    const before = await line(onB);
    await redis.kill();
    // Each node keeps serving its own sockets and reports itself degraded.
    onA.sendJson({ message: "during" });
    expect((await line(onA)).message).toBe("during");
    const health = (await (await fetch(`${a.url}/healthz`)).json()) as { status: string };
    expect(health.status).toBe("degraded");
    await redis.restart();
    // Cross-node delivery resumes (memberships restored) within 10 s.
    const deadline = Date.now() + 10_000;
    let crossed = false;
    for (let i = 0; !crossed && Date.now() < deadline; i++) {
      onA.sendJson({ message: `after ${i}` });
      try {
        for (;;) {
          const got = await line(onB, 500);
          if (got.message.startsWith("after")) {
            crossed = true;
            break;
          }
        }
      } catch {
        // not yet
      }
    }
    expect(crossed).toBe(true);
    // Nothing stored was lost: B's client asks for history after the last line it saw.
    const replay = await chat(b, "outage");
    open.push(replay);
    replay.sendJson({ type: "history", after: before.id });
    const first = await line(replay);
    expect(first.message).toBe("during");
    expect((await (await fetch(`${b.url}/healthz`)).json()) as object).toMatchObject({ status: "ok" });
    expect(a.child.exitCode).toBeNull();
    expect(b.child.exitCode).toBeNull();
    // The outage is logged once per node, not once per message.
    expect(a.output().match(/Redis unreachable/g)).toHaveLength(1);
    expect(a.output()).not.toMatch(/Unhandled|unhandledRejection/i);
  }, 40_000);
});
