import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { RedisChannelLayer, type LayerMessage } from "../../src/core/index.js";
import { startNode, type NodeProcess } from "../helpers/node-process.js";
import { findProgram } from "../helpers/programs.js";
import { startRedis, type RedisServer } from "../helpers/redis.js";

const redisBin = findProgram("worker cluster", "redis-server", "redis-server");

describe.skipIf(!redisBin.available)("background workers on two nodes", () => {
  let redis: RedisServer;
  let a: NodeProcess;
  let b: NodeProcess;
  let layer: RedisChannelLayer;

  beforeAll(async () => {
    redis = await startRedis(redisBin.path);
    const env = { REDIS_URL: redis.url, DATA_DIR: mkdtempSync(join(tmpdir(), "sb-workers-")), WORKERS: "testing-print", LOG_LEVEL: "warn" };
    a = await startNode(env);
    b = await startNode(env);
    layer = new RedisChannelLayer({ hosts: [redis.url] });
  }, 60_000);

  afterAll(async () => {
    await layer?.close();
    await a?.stop();
    await b?.stop();
    await redis?.stop();
  });

  it("handles each message sent to testing-print exactly once, by one of the workers", async () => {
    const inbox = await layer.newChannel();
    await layer.groupAdd("print-results", inbox);
    const n = 40;
    for (let i = 0; i < n; i++) await layer.send("testing-print", { type: "print", text: `job-${i}`, replyGroup: "print-results" });
    const done = new Set<string>();
    const seen: string[] = [];
    while (done.size < n) {
      const m: LayerMessage = await layer.receive(inbox, { signal: AbortSignal.timeout(10_000) });
      seen.push(String(m.text));
      done.add(String(m.text));
    }
    expect(seen).toHaveLength(n); // no duplicates arrived before the last one
    await new Promise((r) => setTimeout(r, 300));
    await expect(layer.receive(inbox, { signal: AbortSignal.timeout(300) })).rejects.toThrow();
    const printedA = a.output().match(/\[testing-print\] job-\d+/g) ?? [];
    const printedB = b.output().match(/\[testing-print\] job-\d+/g) ?? [];
    expect(printedA.length + printedB.length).toBe(n);
  }, 30_000);

  it("keeps going after a handler fails", async () => {
    const inbox = await layer.newChannel();
    await layer.groupAdd("print-results2", inbox);
    await layer.send("testing-print", { type: "no.such.handler" });
    await layer.send("testing-print", { type: "print", text: "after-failure", replyGroup: "print-results2" });
    const m = await layer.receive(inbox, { signal: AbortSignal.timeout(10_000) });
    expect(m.text).toBe("after-failure");
    const deadline = Date.now() + 3000;
    while (!(a.output() + b.output()).includes("worker handler failed") && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 50));
    }
    expect(a.output() + b.output()).toContain("worker handler failed");
  });
});
