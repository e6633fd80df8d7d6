import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { RedisChannelLayer } from "../../src/core/index.js";
import { findProgram } from "../helpers/programs.js";
import { startRedis, type RedisServer } from "../helpers/redis.js";

const redisBin = findProgram("beat cluster", "redis-server", "redis-server");
const root = join(import.meta.dirname, "../..");

interface BeatProcess {
  child: ChildProcess;
  output: () => string;
}

function startBeatProcess(env: Record<string, string>): BeatProcess {
  const child = spawn(process.execPath, ["--import", "tsx", join(root, "src/cli/main.ts"), "beat"], {
    cwd: root,
    env: { ...process.env, LOG_LEVEL: "info", ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let out = "";
  child.stdout!.on("data", (d: Buffer) => (out += d.toString()));
  child.stderr!.on("data", (d: Buffer) => (out += d.toString()));
  return { child, output: () => out };
}

describe.skipIf(!redisBin.available)("beat: once per cluster", () => {
  let redis: RedisServer;
  let layer: RedisChannelLayer;
  const nodes: BeatProcess[] = [];

  beforeAll(async () => {
    redis = await startRedis(redisBin.path);
    layer = new RedisChannelLayer({ hosts: [redis.url] });
    const dir = mkdtempSync(join(tmpdir(), "sb-beat-"));
    const schedule = join(dir, "schedule.json");
    writeFileSync(schedule, JSON.stringify({ tick: { group: "ticks", type: "tick", every: "1s" } }));
    for (let i = 0; i < 3; i++) nodes.push(startBeatProcess({ REDIS_URL: redis.url, DATA_DIR: dir, BEAT_SCHEDULE: schedule }));
  });

  afterAll(async () => {
    for (const n of nodes) n.child.kill("SIGKILL");
    await layer?.close();
    await redis?.stop();
  });

  async function countTicks(ms: number): Promise<number[]> {
    const inbox = await layer.newChannel();
    await layer.groupAdd("ticks", inbox);
    const seen: number[] = [];
    const deadline = Date.now() + ms;
    try {
      for (;;) {
        const left = deadline - Date.now();
        if (left <= 0) break;
        seen.push((await layer.receive(inbox, { signal: AbortSignal.timeout(left) })).ts as number);
      }
    } catch {
      // window over
    } finally {
      await layer.groupDiscard("ticks", inbox);
    }
    return seen;
  }

  it("three nodes fire a 1 s entry about once per second in total", async () => {
    // Wait until a leader is elected and ticking.
    const deadline = Date.now() + 15_000;
    while (!nodes.some((n) => n.output().includes("this node is the leader")) && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 100));
    }
    const ticks = await countTicks(5000);
    expect(ticks.length).toBeGreaterThanOrEqual(4);
    expect(ticks.length).toBeLessThanOrEqual(6);
    expect(new Set(ticks).size).toBe(ticks.length); // no slot fired twice
  }, 30_000);

  it("keeps ticking from another node when the leader is killed", async () => {
    const leader = nodes.find((n) => n.output().includes("this node is the leader"))!;
    expect(leader).toBeDefined();
    leader.child.kill("SIGKILL");
    const killedAt = Date.now();
    // Another node takes over within two leases (3 s each).
    const ticks = await countTicks(9000);
    expect(ticks.length).toBeGreaterThanOrEqual(1);
    expect(ticks[0]! - killedAt).toBeLessThan(2 * 3000 + 1500);
    const others = nodes.filter((n) => n !== leader);
    expect(others.some((n) => n.output().includes("this node is the leader"))).toBe(true);
  }, 30_000);
});
