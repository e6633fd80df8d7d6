import { spawnSync } from "node:child_process";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import WebSocket from "ws";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { chatClient, type ChatLine, type StateChange, type SwitchboardClient } from "../../src/client/index.js";
import { processCount } from "../../src/cli/processes.js";
import { startNode, type NodeProcess } from "../helpers/node-process.js";
import { childPids, connectionsHeld } from "../helpers/proc-sockets.js";
import { findProgram } from "../helpers/programs.js";
import { startRedis, type RedisServer } from "../helpers/redis.js";

const root = join(import.meta.dirname, "../..");
const redisBin = findProgram("serve --processes", "redis-server", "redis-server");

async function waitFor(check: () => boolean, ms = 15_000, what = "condition"): Promise<void> {
  const deadline = Date.now() + ms;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`${what} not met in time`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

function serve(args: string[], env: Record<string, string>) {
  return spawnSync(process.execPath, ["--import", "tsx", join(root, "src/cli/main.ts"), "serve", ...args], {
    cwd: root,
    env: { ...process.env, HOST: "127.0.0.1", PORT: "0", LOG_LEVEL: "warn", DATA_DIR: mkdtempSync(join(tmpdir(), "sb-procs-")), REDIS_URL: "", WEB_CONCURRENCY: "", ...env },
    encoding: "utf8",
    timeout: 20_000,
  });
}

describe("how many processes serve runs", () => {
  it("reads --processes, then WEB_CONCURRENCY, and refuses nonsense", () => {
    expect(processCount(undefined, {})).toBe(1);
    expect(processCount(undefined, { WEB_CONCURRENCY: "3" })).toBe(3);
    expect(processCount("2", { WEB_CONCURRENCY: "3" })).toBe(2);
    expect(processCount("auto", {})).toBeGreaterThanOrEqual(1);
    for (const bad of ["0", "-1", "1.5", "two", "65"]) expect(processCount(bad, {})).toMatch(/--processes must be a whole number 1–64/);
    expect(processCount(undefined, { WEB_CONCURRENCY: "x" })).toMatch(/WEB_CONCURRENCY must be/);
  });

  it("refuses several processes on the in-memory layer, saying why", () => {
    for (const [args, env] of [[["--processes", "2"], {}], [[], { WEB_CONCURRENCY: "2" }]] as const) {
      const run = serve([...args], env);
      expect(run.status).toBe(78);
      expect(run.stderr).toMatch(/several processes need a shared channel layer.*Set REDIS_URL/s);
    }
    const bad = serve(["--processes", "zero"], {});
    expect(bad.status).toBe(2);
    expect(bad.stderr).toMatch(/--processes must be a whole number/);
  });
});

type Chat = SwitchboardClient<ChatLine, { message: string }>;

describe.skipIf(!redisBin.available)("serve --processes 2 on Redis", () => {
  let redis: RedisServer;
  let node: NodeProcess;
  const clients: Chat[] = [];
  beforeAll(async () => {
    redis = await startRedis(redisBin.path);
    node = await startNode({ REDIS_URL: redis.url, DATA_DIR: mkdtempSync(join(tmpdir(), "sb-procs-")), SHUTDOWN_TIMEOUT: "5" }, { args: ["--processes", "2"] });
  }, 40_000);
  afterAll(async () => {
    for (const c of clients) c.close();
    await node?.stop("SIGKILL");
    await redis?.stop();
  });

  it("shares one port between two workers; chat crosses them; a killed worker is replaced and its clients resume; SIGTERM drains all", async () => {
    const primary = node.child.pid!;
    await waitFor(() => (node.output().match(/worker \d+ listening/g) ?? []).length >= 2, 20_000, "two workers listening");
    const workers = childPids(primary);
    expect(node.output()).not.toMatch(/died/); // two workers starting on one database at once
    const seen: string[][] = [];
    const closes: StateChange[][] = [];
    for (let i = 0; i < 8; i++) {
      const client = chatClient("procs", { base: node.url, WebSocket, backoff: { initialMs: 100, maxMs: 1000 } }) as Chat;
      const lines: string[] = [];
      const closed: StateChange[] = [];
      client.on("message", (l) => lines.push(l.message));
      client.on("state", (s) => s.state === "closed" && closed.push(s));
      clients.push(client);
      seen.push(lines);
      closes.push(closed);
    }
    await waitFor(() => clients.every((c) => c.state === "open"), 15_000, "all open");
    // The kernel says which worker holds which socket: both hold some.
    await waitFor(() => workers.reduce((n, pid) => n + connectionsHeld(pid, node.port), 0) >= 8, 5000, "sockets counted");
    const held = workers.map((pid) => connectionsHeld(pid, node.port));
    expect(held.every((n) => n >= 1)).toBe(true);

    const expected: string[] = [];
    const say = (i: number, text: string) => {
      clients[i % clients.length]!.send({ message: text });
      expected.push(text);
    };
    for (let i = 0; i < 8; i++) {
      say(i, `line ${i}`);
      await waitFor(() => seen.every((l) => l.length === expected.length), 10_000, `line ${i} everywhere`);
    }

    // SIGKILL one worker: the primary starts another; its clients reconnect and resume.
    const [victim] = workers;
    const victimSockets = connectionsHeld(victim!, node.port);
    process.kill(victim!, "SIGKILL");
    // Its sockets (the count may include a keep-alive HTTP connection) close; the others stay.
    const dropped = () => clients.filter((_, i) => closes[i]!.length > 0).length;
    await waitFor(() => dropped() >= 1, 10_000, "the victim's clients closed");
    await new Promise((r) => setTimeout(r, 500));
    expect(dropped()).toBeLessThanOrEqual(victimSockets);
    expect(dropped()).toBeLessThan(clients.length);
    // Lines sent while they are away, from a client that stayed.
    const stayed = clients.findIndex((_, i) => closes[i]!.length === 0);
    for (let i = 0; i < 3; i++) {
      clients[stayed]!.send({ message: `while away ${i}` });
      expected.push(`while away ${i}`);
    }
    await waitFor(() => (node.output().match(/worker \d+ listening/g) ?? []).length >= 3, 20_000, "a replacement worker listening");
    expect(childPids(primary)).toHaveLength(2);
    expect(childPids(primary)).not.toContain(victim);
    await waitFor(() => clients.every((c) => c.state === "open"), 20_000, "all back");
    for (let i = 0; i < 4; i++) say(i, `after ${i}`);
    await waitFor(() => seen.every((l) => l.length === expected.length), 15_000, "every line everywhere");
    await new Promise((r) => setTimeout(r, 300));
    for (const lines of seen) expect(lines).toEqual(expected);
    expect(node.output()).toMatch(/worker \d+ died \(SIGKILL\); starting another/);

    // SIGTERM the primary: every worker drains (1012) and the primary exits 0 in time.
    const before = closes.map((c) => c.length);
    const started = Date.now();
    const code = await node.stop("SIGTERM", 15_000);
    expect(code).toBe(0);
    expect(Date.now() - started).toBeLessThan(10_000);
    await waitFor(() => clients.every((c) => c.state !== "open"), 5000, "all closed");
    // The first close after SIGTERM is the drain's 1012 (later ones are failed reconnects).
    closes.forEach((closed, i) => expect(closed[before[i]!]?.code).toBe(1012));
    for (const c of clients) c.close();
  }, 90_000);
});
