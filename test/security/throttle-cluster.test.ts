import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { signUp } from "../helpers/forms.js";
import { startNode, type NodeProcess } from "../helpers/node-process.js";
import { findProgram } from "../helpers/programs.js";
import { startRedis, type RedisServer } from "../helpers/redis.js";

const redisBin = findProgram("sign-in throttle across nodes", "redis-server", "redis-server");

// Password guessing spread over two nodes of one cluster is counted once: the throttle's
// counts live in Redis when REDIS_URL is set.
describe.skipIf(!redisBin.available)("the sign-in throttle across nodes", () => {
  let redis: RedisServer;
  let a: NodeProcess;
  let b: NodeProcess;

  beforeAll(async () => {
    redis = await startRedis(redisBin.path);
    const env = { REDIS_URL: redis.url, DATA_DIR: mkdtempSync(join(tmpdir(), "sb-throttle-")), BEAT: "0" };
    a = await startNode(env);
    b = await startNode(env);
  }, 60_000);
  afterAll(async () => {
    await a?.stop();
    await b?.stop();
    await redis?.stop();
  });

  const attempt = (node: NodeProcess, password: string) =>
    fetch(`${node.url}/api/token`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ username: "spread", password }) });

  it("refuses the sixth failure on either node after five spread over both", async () => {
    await signUp(a.url, "spread", "the right password here");
    const statuses: number[] = [];
    for (let i = 0; i < 5; i++) statuses.push((await attempt(i % 2 ? a : b, `wrong ${i}`)).status);
    expect(statuses).toEqual([401, 401, 401, 401, 401]);
    for (const node of [a, b]) {
      const refused = await attempt(node, "the right password here");
      expect(refused.status).toBe(429);
      expect(Number(refused.headers.get("retry-after"))).toBeGreaterThan(0);
    }
    const client = new Redis(redis.url);
    try {
      expect((await client.keys("switchboard-login-*")).length).toBeGreaterThan(0);
    } finally {
      client.disconnect();
    }
  });
});
