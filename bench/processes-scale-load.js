// One load process of the `serve --processes 2` run (bench/processes-scale.js): sockets
// `from` … `from + count − 1` of the run, each a plain `ws` client bound to its loopback
// source address, in room `bench<index mod rooms>`. Driven over IPC by the parent: connect,
// deliver (one line per room, counted at every socket), closes (the close codes of SIGTERM).
// argv[2]: the JSON plan. Every step is bounded in time; so is the whole process.
import WebSocket from "ws";
import { fdCount, openFileLimit } from "./proc-stats.js";
import { sourceAddress } from "./sources.js";

const plan = JSON.parse(process.argv[2]);
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

setTimeout(() => process.exit(3), plan.totalTimeoutMs).unref();
process.on("disconnect", () => process.exit(0));

/** A handshake refused for any other reason than 503 is retried after this, at most `MAX_ATTEMPTS` times in all. */
const OTHER_RETRY_MS = 1000;
const MAX_ATTEMPTS = 30;

const slots = Array.from({ length: plan.count }, (_, k) => {
  const index = plan.from + k;
  return { index, room: index % plan.rooms, source: sourceAddress(index, plan.perSource), ws: null, port: 0, attempts: 0, got: 0, closeCode: 0 };
});
const refused = { status503: 0, retryAfterSeconds: 0, other: {} };
let wrongLines = 0;

/** Opens `slot`'s socket; resolves true once open, false after `MAX_ATTEMPTS` refusals. */
function open(slot) {
  return new Promise((resolve) => {
    const attempt = () => {
      slot.attempts += 1;
      let retryMs = OTHER_RETRY_MS;
      const ws = new WebSocket(`${plan.url}/ws/chat/bench${slot.room}/`, { localAddress: slot.source, perMessageDeflate: false, handshakeTimeout: 30_000 });
      slot.ws = ws;
      // Admission control: 503 with Retry-After (whole seconds); wait as told, then again.
      ws.on("unexpected-response", (req, res) => {
        const seconds = Number(res.headers["retry-after"]);
        if (res.statusCode === 503 && seconds > 0) {
          refused.status503 += 1;
          refused.retryAfterSeconds += seconds;
          retryMs = seconds * 1000;
        } else refused.other[res.statusCode] = (refused.other[res.statusCode] ?? 0) + 1;
        res.resume();
        ws.terminate();
      });
      ws.on("error", (error) => {
        if (/closed before the connection/.test(error.message)) return; // our own terminate() above
        const key = error.code ?? error.message.slice(0, 60);
        refused.other[key] = (refused.other[key] ?? 0) + 1;
      });
      ws.on("open", () => {
        slot.port = ws._socket.localPort;
        resolve(true);
      });
      ws.on("message", (data) => {
        const line = JSON.parse(data.toString());
        if (line.room === `bench${slot.room}` && line.message === `line for bench${slot.room}`) slot.got += 1;
        else wrongLines += 1;
      });
      ws.on("close", (code) => {
        if (slot.port) slot.closeCode = code;
        else if (slot.attempts >= MAX_ATTEMPTS) resolve(false);
        else setTimeout(attempt, retryMs);
      });
    };
    attempt();
  });
}

/** All sockets, at most `connectWindow` handshakes (with their retries) in flight. */
async function connect() {
  const t0 = Date.now();
  let next = 0;
  let opened = 0;
  const lane = async () => {
    while (next < slots.length) if (await open(slots[next++])) opened += 1;
  };
  const lanes = Promise.all(Array.from({ length: plan.connectWindow }, lane));
  const done = await Promise.race([lanes.then(() => true), sleep(plan.connectTimeoutMs).then(() => false)]);
  return {
    opened,
    timedOut: !done,
    ms: Date.now() - t0,
    refused,
    // Client address and port of every open socket: the parent finds each one's worker.
    sockets: slots.filter((s) => s.port).map((s) => [s.index, s.source, s.port]),
    fds: fdCount(process.pid),
    fileLimit: openFileLimit(process.pid),
  };
}

/** Sends one line per room from its first socket here (when `send`), then waits until every socket has its room's line. */
async function deliver(send) {
  const t0 = Date.now();
  if (send) {
    for (let r = 0; r < plan.rooms; r++) slots.find((s) => s.room === r && s.port)?.ws.send(JSON.stringify({ message: `line for bench${r}` }));
  }
  const deadline = Date.now() + plan.deliverTimeoutMs;
  while (Date.now() < deadline && slots.some((s) => s.port && s.got === 0)) await sleep(100);
  const senders = send ? Array.from({ length: plan.rooms }, (_, r) => slots.find((s) => s.room === r && s.port)?.index) : [];
  return { ms: Date.now() - t0, delivered: slots.reduce((sum, s) => sum + s.got, 0), missing: slots.filter((s) => s.port && s.got === 0).length, duplicates: slots.filter((s) => s.got > 1).length, wrongLines, senders };
}

/** Waits (bounded) for every socket to be closed by the server; the close codes seen. */
async function closes() {
  const deadline = Date.now() + plan.closeTimeoutMs;
  while (Date.now() < deadline && slots.some((s) => s.port && s.ws.readyState !== WebSocket.CLOSED)) await sleep(100);
  const codes = {};
  for (const s of slots) if (s.port) codes[s.closeCode || "still open"] = (codes[s.closeCode || "still open"] ?? 0) + 1;
  return { codes };
}

process.on("message", async (command) => {
  const steps = { connect, deliver: () => deliver(command.send), closes };
  process.send({ step: command.step, result: await steps[command.step]() });
});
process.send({ step: "ready" });
