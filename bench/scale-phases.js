// Shared pieces of the scale run's phases: sleeping, bounded waits, and a meter of the
// server's and the load process's CPU over a phase.
import { cpuMicros, runQueueWaitMicros, systemMicros } from "./proc-stats.js";
import { now } from "./scale-clients.js";

export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** Polls `predicate` every `stepMs` until it holds (true) or `timeoutMs` passed (false). */
export async function waitUntil(predicate, timeoutMs, stepMs = 100) {
  const deadline = now() + timeoutMs;
  while (!predicate()) {
    if (now() >= deadline) return false;
    await sleep(stepMs);
  }
  return true;
}

/** The load process is "load-bound" at or above this share of one core. */
export const LOAD_BOUND = 0.9;

/**
 * Starts measuring: `end()` gives the wall seconds, the server's utime+stime (seconds) over
 * the phase (and its stime apart) and the time it waited for its core, and the load process's own CPU as a share
 * of one core (/proc/self/stat).
 */
export function meter(server) {
  const pid = server.pid;
  const t0 = now();
  const server0 = cpuMicros(pid);
  const system0 = systemMicros(pid);
  const wait0 = runQueueWaitMicros(pid);
  const load0 = cpuMicros("self");
  return {
    end() {
      const seconds = (now() - t0) / 1000;
      const loadCpu = (cpuMicros("self") - load0) / 1e6 / seconds;
      return {
        seconds,
        serverCpuSeconds: (cpuMicros(pid) - server0) / 1e6,
        // Of which in the kernel (stime): mostly the socket writes, a floor both servers share.
        serverSystemSeconds: (systemMicros(pid) - system0) / 1e6,
        // Time the server was ready to run but its core was busy with another process.
        serverWaitSeconds: (runQueueWaitMicros(pid) - wait0) / 1e6,
        loadCpu,
        loadBound: loadCpu >= LOAD_BOUND,
      };
    },
  };
}

/** What the sockets received since `before` (a copy of the pool's counter). */
export function counted(counter, before) {
  const diff = (now, then) => {
    const out = {};
    for (const [k, v] of Object.entries(now)) if (v !== (then[k] ?? 0)) out[k] = v - (then[k] ?? 0);
    return out;
  };
  return {
    frames: counter.frames - before.frames,
    bytes: counter.bytes - before.bytes,
    presenceFrames: counter.presenceFrames - before.presenceFrames,
    presenceBytes: counter.presenceBytes - before.presenceBytes,
    longPollAttempts: counter.longPollAttempts - before.longPollAttempts,
    errors: diff(counter.errors, before.errors),
    serverErrors: diff(counter.serverErrors, before.serverErrors),
  };
}

export function snapshot(counter) {
  return { ...counter, errors: { ...counter.errors }, serverErrors: { ...counter.serverErrors } };
}

/** Lines of `sent` (seqs per room) missing at `slots`: `{ lines, sockets }`. */
export function gaps(slots, sent) {
  let lines = 0;
  let sockets = 0;
  for (const slot of slots) {
    let missing = 0;
    for (const seq of sent[slot.room]) if (!slot.seen[seq]) missing += 1;
    lines += missing;
    if (missing > 0) sockets += 1;
  }
  return { lines, sockets };
}

export function log(message) {
  process.stderr.write(`bench scale: ${message}\n`);
}
