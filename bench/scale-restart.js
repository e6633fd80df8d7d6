// The restart phase of the scale run: a few lines, SIGTERM to the server, the same server
// started again on the same port (by the parent, over IPC), a few more lines, and the N
// clients coming back by their own jittered backoff and resuming after their last id.
// /healthz is polled every 250 ms throughout, by a process of its own (bench/health-poller.js).
import { spawn } from "node:child_process";
import { monitorEventLoopDelay } from "node:perf_hooks";
import { fileURLToPath } from "node:url";
import WebSocket from "ws";
import { cpuMicros, runQueueWaitMicros } from "./proc-stats.js";
import { now } from "./scale-clients.js";
import { counted, gaps, log, meter, sleep, snapshot, waitUntil } from "./scale-phases.js";
import { Samples } from "./stats.js";

/** Asks the parent (bench/scale.js) for something and waits for its answer. */
function ask(message, timeoutMs) {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no answer to ${message.type} within ${timeoutMs / 1000} s`)), timeoutMs);
    process.once("message", (answer) => {
      clearTimeout(timer);
      resolve(answer);
    });
    process.send(message);
  });
}

/**
 * Polls `url` from bench/health-poller.js, a process of its own (a checker the load's busy
 * event loop cannot delay); `stop()` returns every poll.
 */
function pollHealth(url, everyMs = 250, timeoutMs = 2000) {
  const child = spawn(process.execPath, [fileURLToPath(new URL("./health-poller.js", import.meta.url)), url, String(everyMs), String(timeoutMs)], {
    stdio: ["ignore", "pipe", "inherit"],
  });
  let out = "";
  child.stdout.setEncoding("utf8");
  child.stdout.on("data", (chunk) => (out += chunk));
  const exited = new Promise((resolve) => child.once("exit", resolve));
  return {
    async stop() {
      child.kill("SIGTERM");
      await exited;
      return JSON.parse(out || "[]");
    },
  };
}

function healthSummary(polls) {
  const latency = new Samples();
  const failures = {};
  for (const p of polls) {
    latency.add(p.ms);
    if (!p.ok) failures[p.status] = (failures[p.status] ?? 0) + 1;
  }
  const { p99, max } = latency.summary();
  return { polls: polls.length, failed: Object.values(failures).reduce((a, b) => a + b, 0), failures, p99Ms: p99, maxMs: max };
}

/**
 * Posts `lines` lines to each room from a socket of its own (127.0.0.1, no presence),
 * retrying a refused handshake; resolves with the seqs each room's poster saw come back.
 */
async function postLines(url, pool, nextSeq, lines, timeoutMs) {
  return Promise.all(
    Array.from({ length: pool.rooms }, async (_, room) => {
      const seqs = Array.from({ length: lines }, () => nextSeq[room]++);
      const deadline = now() + timeoutMs;
      while (now() < deadline) {
        const back = await new Promise((resolve) => {
          const ws = new WebSocket(`${url}/ws/chat/${pool.roomName(room)}/`, { perMessageDeflate: false });
          const seen = new Set();
          const timer = setTimeout(() => ws.terminate(), Math.max(1000, deadline - now()));
          ws.on("open", () => {
            for (const seq of seqs) ws.send(JSON.stringify({ message: `s${seq} ${now().toFixed(3)}` }));
          });
          ws.on("message", (data) => {
            const seq = Number(/"message":"s(\d+) /.exec(data.toString())?.[1]);
            if (seqs.includes(seq)) seen.add(seq);
            if (seen.size === seqs.length) ws.close();
          });
          ws.on("error", () => {});
          ws.on("close", () => {
            clearTimeout(timer);
            resolve(seen);
          });
        });
        if (back.size > 0) return [...back];
        await sleep(250);
      }
      return [];
    }),
  );
}

export async function restartPhase({ pool, plan, server, nextSeq, resumes }) {
  const { slots, rooms } = pool;
  const httpUrl = plan.url.replace(/^ws/, "http");
  const first = nextSeq[0];
  // Lines right before the kill: each room's sender waits for its own lines to come back
  // (stored and broadcast), so the lines exist; the kill races their delivery to the others.
  const before = Array.from({ length: rooms }, () => []);
  for (let k = 0; k < plan.restartLines; k++) {
    for (let room = 0; room < rooms; room++) {
      const seq = nextSeq[room]++;
      if (slots[room].client?.send({ message: `s${seq} ${now().toFixed(3)}` }) === "sent") before[room].push(seq);
    }
  }
  const stored = await waitUntil(() => before.every((seqs, room) => seqs.every((seq) => slots[room].seen[seq])), 5000, 10);
  if (!stored) for (let room = 0; room < rooms; room++) before[room] = before[room].filter((seq) => slots[room].seen[seq]);

  let killAt = 0;
  const closeCodes = {};
  pool.hooks.line = null;
  pool.hooks.closed = (slot, change) => {
    if (!slot.restartClosed) {
      slot.restartClosed = true;
      closeCodes[change.code] = (closeCodes[change.code] ?? 0) + 1;
    }
  };
  pool.hooks.open = (slot) => {
    if (!slot.restartBackAt && slot.openedAt > killAt) slot.restartBackAt = slot.openedAt;
  };
  pool.hooks.resume = (slot, result) => {
    if (slot.restartBackAt && !slot.restartResumedAt) {
      slot.restartResumedAt = now();
      slot.restartResumeComplete = result.complete;
    }
  };
  const health = pollHealth(`${httpUrl}/healthz`);
  // The load's own event-loop delay, reported: a busy load sees clients come back late.
  const lag = monitorEventLoopDelay({ resolution: 20 });
  lag.enable();
  const counter0 = snapshot(pool.counter);
  const loadMeter = meter({ pid: "self" });
  killAt = now();
  const up = await ask({ type: "restart" }, 120_000);
  const upAt = now();
  server.pid = up.pid;
  const serverCpu0 = cpuMicros(up.pid);
  const serverWait0 = runQueueWaitMicros(up.pid);
  log(`${plan.kind}: server back after ${((upAt - killAt) / 1000).toFixed(1)} s (SIGTERM → exit ${(up.stopMs / 1000).toFixed(1)} s${up.killed ? ", by SIGKILL" : ""})`);

  const after = await postLines(plan.url, pool, nextSeq, plan.restartLines, 30_000);
  const postedAt = now();
  const expected = before.map((seqs, room) => [...seqs, ...after[room]]);
  const back = () => slots.every((s) => s.restartBackAt);
  const resumed = () => slots.every((s) => s.restartResumedAt);
  const progress = setInterval(() => log(`${plan.kind}: ${slots.filter((s) => s.restartBackAt).length} of ${slots.length} back`), 10_000);
  const done = await waitUntil(() => back() && (!resumes || (resumed() && gaps(slots, expected).lines === 0)), plan.restartTimeoutMs, 250);
  clearInterval(progress);
  const endAt = now();
  const polls = await health.stop();
  const lastOf = (key) => slots.reduce((m, s) => Math.max(m, s[key] ?? 0), 0);
  const loadCpu = loadMeter.end();
  lag.disable();
  const missed = gaps(slots, expected);
  // Who missed what, for the first few: which lines, and what the client said of its resume.
  missed.examples = slots
    .filter((s) => expected[s.room].some((seq) => !s.seen[seq]))
    .slice(0, 10)
    .map((s) => ({ index: s.index, room: s.room, missing: expected[s.room].filter((seq) => !s.seen[seq]), before: before[s.room], resumeComplete: s.restartResumeComplete ?? null }));
  return {
    first,
    stopMs: up.stopMs,
    // SIGTERM did not end it within 30 s: SIGKILL did.
    stopKilled: up.killed,
    downSeconds: (upAt - killAt) / 1000,
    back: slots.filter((s) => s.restartBackAt).length,
    // Seconds from the new server's first /healthz answer.
    backSeconds: back() ? (lastOf("restartBackAt") - upAt) / 1000 : null,
    resumed: resumes ? slots.filter((s) => s.restartResumedAt).length : null,
    resumedComplete: resumes ? slots.filter((s) => s.restartResumeComplete).length : null,
    resumedSeconds: resumes && resumed() ? (lastOf("restartResumedAt") - upAt) / 1000 : null,
    timedOut: !done,
    linesBefore: before.reduce((a, s) => a + s.length, 0),
    linesAfter: after.reduce((a, s) => a + s.length, 0),
    postSeconds: (postedAt - upAt) / 1000,
    // Without history (the ceiling) a socket back after a line was sent cannot have it.
    missed: resumes ? missed : { ...missed, meaningless: true },
    closeCodes,
    received: counted(pool.counter, counter0),
    health: { whileDown: healthSummary(polls.filter((p) => p.at < upAt)), afterUp: healthSummary(polls.filter((p) => p.at >= upAt)) },
    serverCpuSeconds: (cpuMicros(up.pid) - serverCpu0) / 1e6,
    serverWaitSeconds: (runQueueWaitMicros(up.pid) - serverWait0) / 1e6,
    seconds: (endAt - killAt) / 1000,
    loadCpu: loadCpu.loadCpu,
    loadBound: loadCpu.loadBound,
    loadEventLoopDelayMaxMs: lag.max / 1e6,
  };
}
