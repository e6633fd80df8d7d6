import { mkdtempSync, readFileSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { FORCE_GC, startNode, type NodeProcess } from "../../helpers/node-process.js";

// Regression for long-polls that never returned (nodejs/node#57736): a wait guarded by
// `AbortSignal.any([cancel, AbortSignal.timeout(ms)])` loses its timeout signal when V8
// collects it, so the wait never ends. The server runs with a full collection every second
// (test/helpers/force-gc.mjs), so anything held only weakly is gone within any wait of a
// second: on that code all 100 of the 1 s waits hang.

interface Line {
  id: number;
  message: string;
}

interface Outcome {
  status: number;
  messages: Line[] | null;
  /** When the answer arrived (performance.now()), or Infinity when it did not. */
  at: number;
  ms: number;
}

let node: NodeProcess;
let dataDir: string;
beforeAll(async () => {
  dataDir = mkdtempSync(join(tmpdir(), "sb-longpoll-gc-"));
  // Every long-poll is a connection from 127.0.0.1: lift the per-address cap above them.
  node = await startNode({ DATA_DIR: dataDir, BEAT: "0", WS_MAX_CONNECTIONS_PER_IP: "1000" }, { nodeArgs: ["--expose-gc", "--import", FORCE_GC] });
});
afterAll(async () => {
  await node?.stop();
  rmSync(dataDir, { recursive: true, force: true });
});

/** One long-poll of `room` after id 0, given up by the client after `wait` + 6 s. */
async function longPoll(room: string, wait: number): Promise<Outcome> {
  const start = performance.now();
  try {
    const res = await fetch(`${node.url}/api/rooms/${room}/messages?after=0&wait=${wait}`, { signal: AbortSignal.timeout((wait + 6) * 1000) });
    const body = (await res.json()) as { messages?: Line[] };
    const at = performance.now();
    return { status: res.status, messages: body.messages ?? null, at, ms: at - start };
  } catch {
    return { status: 0, messages: null, at: Infinity, ms: Infinity };
  }
}

describe("long-polling while the server collects garbage", () => {
  it("every wait ends on time, and a line posted during a wait is returned at once", async () => {
    const quick = Array.from({ length: 100 }, () => longPoll("gc-quick", 1));
    const slower = Array.from({ length: 20 }, () => longPoll("gc-slower", 2));
    const live = Array.from({ length: 5 }, () => longPoll("gc-live", 8));
    // Let the waits start (a line stored earlier would be returned at once all the same).
    await new Promise((r) => setTimeout(r, 500));
    const res = await fetch(`${node.url}/api/rooms/gc-live/messages`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ message: "during the wait" }),
    });
    expect(res.status).toBe(201);
    const posted = performance.now();
    const line = (await res.json()) as Line;

    // One line per wait that did not end on time with an empty list, e.g. "#17: no answer".
    const late = (outcomes: Outcome[], wait: number): string[] =>
      outcomes.flatMap((o, i) =>
        o.status === 200 && o.ms <= (wait + 1.5) * 1000 && o.messages?.length === 0
          ? []
          : [`#${i}: ${o.status === 0 ? "no answer" : `${o.status} ${JSON.stringify(o.messages)}`} after ${Math.round(o.ms)} ms`],
      );
    const quickOutcomes = await Promise.all(quick);
    const slowerOutcomes = await Promise.all(slower);
    expect(late(quickOutcomes, 1)).toEqual([]);
    expect(late(slowerOutcomes, 2)).toEqual([]);
    // An empty answer means the wait ran its course, not that it ended early.
    for (const o of quickOutcomes) expect(o.ms).toBeGreaterThanOrEqual(950);
    for (const o of slowerOutcomes) expect(o.ms).toBeGreaterThanOrEqual(1950);

    for (const o of await Promise.all(live)) {
      expect(o.status).toBe(200);
      expect(o.messages).toEqual([expect.objectContaining({ id: line.id, message: "during the wait" })]);
      // Woken by the line, long before the 8 s wait is over.
      expect(o.at - posted).toBeLessThan(1500);
    }
    expect(node.output()).not.toMatch(/request failed/);
  }, 30_000);
});

describe("the pattern behind it", () => {
  it("appears nowhere in src/: no AbortSignal.any over an AbortSignal.timeout", () => {
    const src = join(import.meta.dirname, "../../../src");
    const files = readdirSync(src, { recursive: true, encoding: "utf8" }).filter((f) => /\.(ts|js|mjs)$/.test(f));
    expect(files.length).toBeGreaterThan(100);
    const offending = files.filter((f) => /AbortSignal\.any\(\s*\[[^\]]*AbortSignal\.timeout\(/s.test(readFileSync(join(src, f), "utf8")));
    expect(offending).toEqual([]);
  });
});
