import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { roomGroup } from "../../src/apps/chat/rooms.js";
import { WebsocketCommunicator } from "../../src/core/index.js";
import { layerKeys } from "../../src/core/layers/redis-keys.js";
import { startNode, type NodeProcess } from "../helpers/node-process.js";
import { findProgram } from "../helpers/programs.js";
import { startCluster, startSentinel, type RedisClusterSet, type SentinelSet } from "../helpers/redis.js";

const server = findProgram("Redis failover under chat traffic", "redis-server", "redis-server");
const sentinelBin = findProgram("Redis Sentinel failover under chat traffic", "redis-sentinel", "redis-sentinel");
const cli = findProgram("Redis Cluster failover under chat traffic", "redis-cli", "redis-tools");

const ROOM = "failover";
const METRICS_TOKEN = "failover-metrics-token";
/** Milliseconds between two lines of one sender. */
const EVERY_MS = 100;
/** Most a run of traffic lasts after the kill (the issue asks for recovery within 10 s). */
const AFTER_KILL_MS = 14_000;

/** Every chat line one socket saw, by text, with the time it arrived. */
class Inbox {
  readonly seen = new Map<string, number>();
  #stopped = false;
  readonly #done: Promise<void>;
  constructor(readonly socket: WebsocketCommunicator) {
    this.#done = (async () => {
      while (!this.#stopped) {
        try {
          const frame = await socket.receiveJson<{ message?: unknown }>(200);
          if (typeof frame.message === "string" && !this.seen.has(frame.message)) this.seen.set(frame.message, Date.now());
        } catch (error) {
          if (!/no frame within/.test((error as Error).message)) throw error;
        }
      }
    })();
  }
  async stop(): Promise<void> {
    this.#stopped = true;
    await this.#done;
  }
}

async function chatSocket(node: NodeProcess): Promise<WebsocketCommunicator> {
  // No subprotocol: the socket gets only lines, no presence frames.
  const socket = new WebsocketCommunicator(node.wsUrl, `/ws/chat/${ROOM}/`);
  const result = await socket.connect(5000);
  if (!result.connected) throw new Error(`refused: ${result.status}`);
  return socket;
}

/** Every line of the room, paging through `{"type": "history"}` on a fresh socket. */
async function history(node: NodeProcess): Promise<string[]> {
  const socket = await chatSocket(node);
  const lines: string[] = [];
  try {
    let after = 0;
    for (let page = 0; page < 20; page++) {
      socket.sendJson({ type: "history", after });
      for (;;) {
        const frame = await socket.receiveJson<{ type?: string; message?: string; lastId?: number; complete?: boolean }>(5000);
        if (frame.type === "history.end") {
          after = frame.lastId ?? after;
          if (frame.complete) return lines;
          break;
        }
        if (typeof frame.message === "string") lines.push(frame.message);
      }
    }
    throw new Error("history did not end within 20 pages");
  } finally {
    await socket.disconnect();
  }
}

async function metric(node: NodeProcess, name: string): Promise<number> {
  const text = await (await fetch(`${node.url}/metrics`, { headers: { authorization: `Bearer ${METRICS_TOKEN}` } })).text();
  const line = text.split("\n").find((l) => l.startsWith(`${name} `));
  return line ? Number(line.split(" ")[1]) : Number.NaN;
}

/** What one fault run measured. */
interface FaultReport {
  /** Kill → the first line (of the run that reached the other node without a gap to the end) arrived there. */
  recoveryMs: number;
  /** Lines sent after the kill that the other node's sockets never got live (history has them). */
  crossLost: number;
  /** Lines that did not reach a socket on the sender's own node (must be 0). */
  localLost: number;
  /** The longest a line took to reach the other socket on the sender's node. */
  localMaxMs: number;
  sent: number;
  /** `switchboard_layer_group_send_failed_total` of both nodes: the group sends Redis failed. */
  groupSendFailed: number;
  historyComplete: boolean;
}

/**
 * Two nodes (separate processes) on `env`, two chat sockets on each; a line from one
 * socket of each node every 100 ms; `kill` after 1.5 s of traffic; traffic until both
 * directions have carried lines without a gap for 2 s (or 14 s). Then checks local
 * delivery, history and the processes, and returns the figures.
 */
async function faultRun(env: Record<string, string>, kill: () => Promise<void>, track: Set<NodeProcess>): Promise<FaultReport> {
  const dataDir = mkdtempSync(join(tmpdir(), "sb-failover-"));
  const nodeEnv = { ...env, DATA_DIR: dataDir, BEAT: "0", METRICS_TOKEN, LOG_LEVEL: "warn" };
  const a = await startNode(nodeEnv);
  track.add(a);
  const b = await startNode(nodeEnv);
  track.add(b);
  const [a1, a2, b1, b2] = [await chatSocket(a), await chatSocket(a), await chatSocket(b), await chatSocket(b)];
  const inbox = new Map([a1, a2, b1, b2].map((s) => [s, new Inbox(s)]));
  const sentAt = new Map<string, number>();
  const sent: Record<"a" | "b", string[]> = { a: [], b: [] };
  let killedAt = 0;
  let killing: Promise<void> = Promise.resolve();
  try {
    // Cross-node delivery works before the fault.
    a1.sendJson({ message: "warm-a" });
    const warm = Date.now();
    while (!inbox.get(b2)!.seen.has("warm-a") && Date.now() - warm < 5000) await new Promise((r) => setTimeout(r, 20));
    expect(inbox.get(b2)!.seen.has("warm-a")).toBe(true);
    const send = (from: "a" | "b"): void => {
      const text = `${from}-${sent[from].length}`;
      sent[from].push(text);
      sentAt.set(text, Date.now());
      (from === "a" ? a1 : b1).sendJson({ message: text });
    };
    const started = Date.now();
    const recovered = (): boolean => {
      // Both directions: the last 20 lines (2 s) sent after the kill all crossed.
      if (!killedAt) return false;
      return (["a", "b"] as const).every((from) => {
        const tail = sent[from].filter((t) => sentAt.get(t)! > killedAt).slice(-20, -3);
        const remote = inbox.get(from === "a" ? b2 : a2)!.seen;
        return tail.length >= 17 && tail.every((t) => remote.has(t));
      });
    };
    while (Date.now() - started < 1500 + AFTER_KILL_MS) {
      send("a");
      send("b");
      if (!killedAt && Date.now() - started >= 1500) {
        killing = kill();
        killedAt = Date.now();
      }
      if (recovered()) break;
      await new Promise((r) => setTimeout(r, EVERY_MS));
    }
    await new Promise((r) => setTimeout(r, 1500)); // stragglers
    await killing; // the failover happened (it throws otherwise)
    for (const i of inbox.values()) await i.stop();

    // Both processes lived through it.
    expect(a.child.exitCode).toBeNull();
    expect(b.child.exitCode).toBeNull();
    let localLost = 0;
    let localMaxMs = 0;
    let crossLost = 0;
    let recoveryMs = 0;
    for (const from of ["a", "b"] as const) {
      const [echo, local, remote] = from === "a" ? [a1, a2, b2] : [b1, b2, a2];
      for (const text of sent[from]) {
        if (!inbox.get(echo)!.seen.has(text) || !inbox.get(local)!.seen.has(text)) localLost++;
        else localMaxMs = Math.max(localMaxMs, inbox.get(local)!.seen.get(text)! - sentAt.get(text)!);
      }
      const seen = inbox.get(remote)!.seen;
      const afterKill = sent[from].filter((t) => sentAt.get(t)! > killedAt);
      crossLost += afterKill.filter((t) => !seen.has(t)).length;
      // The first line of the unbroken run of delivered lines that reaches the end.
      let k = sent[from].length;
      while (k > 0 && seen.has(sent[from][k - 1]!)) k--;
      const first = sent[from][k];
      expect(first, `no line from node ${from} crossed after the fault`).toBeDefined();
      recoveryMs = Math.max(recoveryMs, Math.max(0, seen.get(first!)! - killedAt));
    }
    const stored = await history(b);
    const everyLine = ["warm-a", ...sent.a, ...sent.b];
    const historyComplete = everyLine.every((t) => stored.filter((s) => s === t).length === 1) && stored.length === everyLine.length;
    const groupSendFailed = (await metric(a, "switchboard_layer_group_send_failed_total")) + (await metric(b, "switchboard_layer_group_send_failed_total"));
    return { recoveryMs, crossLost, localLost, localMaxMs, sent: sent.a.length + sent.b.length, groupSendFailed, historyComplete };
  } finally {
    await Promise.all([a1, a2, b1, b2].map((s) => s.disconnect().catch(() => undefined)));
    // A clean shutdown after the fault: exit 0.
    expect(await a.stop()).toBe(0);
    expect(await b.stop()).toBe(0);
    rmSync(dataDir, { recursive: true, force: true });
  }
}

function expectRecovered(report: FaultReport, label: string): void {
  process.stdout.write(`${label}: ${JSON.stringify(report)}\n`);
  expect(report.localLost).toBe(0);
  expect(report.recoveryMs).toBeLessThan(10_000);
  expect(report.historyComplete).toBe(true);
  // Every line the other node missed live is accounted for: Redis failed its group send, and
  // the layer counted it (each node here has one other node, so a failed send is one line lost).
  expect(report.crossLost).toBeLessThanOrEqual(report.groupSendFailed);
}

describe("chat between two nodes across a Redis failover", { timeout: 120_000 }, () => {
  const nodes = new Set<NodeProcess>();
  let sentinel: SentinelSet | null = null;
  let cluster: RedisClusterSet | null = null;
  afterEach(async () => {
    for (const node of nodes) await node.stop("SIGKILL");
    nodes.clear();
    await sentinel?.stop();
    await cluster?.stop();
    sentinel = cluster = null;
  });

  it.skipIf(!server.available || !sentinelBin.available)("Sentinel: the primary is killed, the replica promoted; local chat never stops, cross-node chat is back within 10 s, history complete", async () => {
    sentinel = await startSentinel({ server: server.path, sentinel: sentinelBin.path });
    const set = sentinel;
    const report = await faultRun({ REDIS_SENTINELS: set.sentinels, REDIS_SENTINEL_NAME: set.name }, async () => {
      const old = await set.killPrimary();
      await set.awaitFailover(old);
    }, nodes);
    expectRecovered(report, "sentinel failover");
  });

  it.skipIf(!server.available || !cli.available)("Cluster: the primary of the room's slot is killed, its replica takes over; the same holds", async () => {
    cluster = await startCluster({ primaries: 3, replicas: 1, nodeTimeoutMs: 2000, server: server.path, cli: cli.path });
    const set = cluster;
    const groupKey = layerKeys("switchboard", true).group(roomGroup(ROOM));
    const report = await faultRun({ REDIS_CLUSTER: set.seeds }, async () => {
      const old = await set.killPrimaryFor(groupKey);
      await set.awaitFailover(groupKey, old);
    }, nodes);
    expectRecovered(report, "cluster failover");
  });
});
