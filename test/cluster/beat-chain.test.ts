import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { WebsocketCommunicator } from "../../src/core/index.js";
import { startNode, type NodeProcess } from "../helpers/node-process.js";
import { findProgram } from "../helpers/programs.js";
import { startRedis, type RedisServer } from "../helpers/redis.js";

const redisBin = findProgram("beat chain cluster", "redis-server", "redis-server");

const root = join(import.meta.dirname, "../..");

const FRAME = { type: "test.print", message: { testing: "one" } };
const PRINTED = /\[testing-print\] \{"type":"test\.print","message":\{"testing":"one"\}\}/g;

function writeSchedule(): { dir: string; schedule: string } {
  const dir = mkdtempSync(join(tmpdir(), "sb-beat-chain-"));
  const schedule = join(dir, "beat.json");
  writeFileSync(schedule, JSON.stringify({ "testing-print": [{ type: "test.print", message: { testing: "one" }, schedule: 1 }] }));
  return { dir, schedule };
}

/** Frame arrival times on `socket` for `ms`, each checked to be the tutorial's frame. */
async function arrivals(socket: WebsocketCommunicator, ms: number): Promise<number[]> {
  const times: number[] = [];
  const deadline = Date.now() + ms;
  for (;;) {
    const left = deadline - Date.now();
    if (left <= 0) return times;
    let frame: unknown;
    try {
      frame = await socket.receiveJson(left);
    } catch {
      return times; // window over
    }
    expect(frame).toStrictEqual(FRAME);
    times.push(Date.now());
  }
}

/** Checks 5 s of arrivals of 1 s ticks: 4–6 frames, never two for one tick. */
function expectOncePerTick(times: number[]): void {
  expect(times.length).toBeGreaterThanOrEqual(4);
  expect(times.length).toBeLessThanOrEqual(6);
  // Two leaders, or two workers handling one tick, would put two frames a few ms apart.
  for (let i = 1; i < times.length; i++) expect(times[i]! - times[i - 1]!).toBeGreaterThan(500);
}

// beatserver's tutorial on two nodes: beat on both (one leader fires), the testing-print
// worker on both (one of them handles each tick), a /ws/beat/ socket on each node.
describe.skipIf(!redisBin.available)("the beat chain on two nodes: each tick reaches every socket once", () => {
  let redis: RedisServer;
  const nodes: NodeProcess[] = [];

  beforeAll(async () => {
    redis = await startRedis(redisBin.path);
    const { dir, schedule } = writeSchedule();
    const env = { REDIS_URL: redis.url, DATA_DIR: dir, BEAT: "1", BEAT_SCHEDULE: schedule, WORKERS: "testing-print" };
    nodes.push(await startNode(env), await startNode(env));
  }, 60_000);

  afterAll(async () => {
    for (const n of nodes) await n.stop();
    await redis?.stop();
  });

  it("5 s of 1 s ticks: 4–6 frames on each node's socket, never two for one tick, each printed by one worker", async () => {
    const sockets = nodes.map((n) => new WebsocketCommunicator(n.wsUrl, "/ws/beat/"));
    for (const s of sockets) expect(await s.connect()).toMatchObject({ connected: true });
    // The chain is up once both sockets have had a tick (a leader is elected, workers receive).
    for (const s of sockets) expect(await s.receiveJson(15_000)).toStrictEqual(FRAME);
    const printedBefore = nodes.reduce((sum, n) => sum + (n.output().match(PRINTED)?.length ?? 0), 0);
    const [a, b] = await Promise.all(sockets.map((s) => arrivals(s, 5000)));
    expectOncePerTick(a!);
    expectOncePerTick(b!);
    expect(Math.abs(a!.length - b!.length)).toBeLessThanOrEqual(1);
    // Every tick printed once in the cluster: as many prints as one socket saw (±1 at the window's edges).
    await new Promise((r) => setTimeout(r, 200));
    const printed = nodes.reduce((sum, n) => sum + (n.output().match(PRINTED)?.length ?? 0), 0) - printedBefore;
    expect(Math.abs(printed - a!.length)).toBeLessThanOrEqual(1);
    for (const s of sockets) await s.disconnect();
  }, 40_000);
});

/** `switchboard <args>` from the sources, with its output kept. */
function startCli(args: string[], env: Record<string, string>): { child: ChildProcess; output: () => string } {
  const child = spawn(process.execPath, ["--import", "tsx", join(root, "src/cli/main.ts"), ...args], {
    cwd: root,
    env: { ...process.env, LOG_LEVEL: "warn", ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let out = "";
  child.stdout!.on("data", (d: Buffer) => (out += d.toString()));
  child.stderr!.on("data", (d: Buffer) => (out += d.toString()));
  return { child, output: () => out };
}

// The tutorial's process layout: the web node, `beat` (beatserver) and `runworker
// testing-print`, each its own process, joined by Redis.
describe.skipIf(!redisBin.available)("the beat chain as three processes: serve (BEAT=0), beat, runworker testing-print", () => {
  let redis: RedisServer;
  let node: NodeProcess;
  const helpers: Array<ReturnType<typeof startCli>> = [];

  beforeAll(async () => {
    redis = await startRedis(redisBin.path);
    const { dir, schedule } = writeSchedule();
    const env = { REDIS_URL: redis.url, DATA_DIR: dir, BEAT_SCHEDULE: schedule };
    node = await startNode({ ...env, BEAT: "0" });
    // The worker first, so no tick waits in the channel for it (a backlog would arrive as a burst).
    const worker = startCli(["runworker", "testing-print"], { ...env, LOG_LEVEL: "info" });
    helpers.push(worker);
    const deadline = Date.now() + 20_000;
    while (!worker.output().includes("worker started")) {
      if (Date.now() > deadline || worker.child.exitCode !== null) throw new Error(`runworker did not start:\n${worker.output()}`);
      await new Promise((r) => setTimeout(r, 100));
    }
    helpers.push(startCli(["beat"], env));
  }, 60_000);

  afterAll(async () => {
    for (const h of helpers) {
      if (h.child.exitCode !== null || h.child.signalCode !== null) continue;
      const exited = new Promise((r) => h.child.once("exit", r));
      h.child.kill("SIGTERM");
      await Promise.race([exited, new Promise((r) => setTimeout(r, 5000))]);
      h.child.kill("SIGKILL");
    }
    await node?.stop();
    await redis?.stop();
  });

  it("the node's /ws/beat/ socket gets each tick once; the worker process prints each", async () => {
    const socket = new WebsocketCommunicator(node.wsUrl, "/ws/beat/");
    expect(await socket.connect()).toMatchObject({ connected: true });
    expect(await socket.receiveJson(20_000)).toStrictEqual(FRAME);
    const worker = helpers[0]!;
    const printedBefore = worker.output().match(PRINTED)?.length ?? 0;
    const times = await arrivals(socket, 5000);
    expectOncePerTick(times);
    await new Promise((r) => setTimeout(r, 200));
    expect(Math.abs((worker.output().match(PRINTED)?.length ?? 0) - printedBefore - times.length)).toBeLessThanOrEqual(1);
    expect(node.output()).not.toMatch(PRINTED); // the web node runs no worker
    await socket.disconnect();
  }, 40_000);
});
