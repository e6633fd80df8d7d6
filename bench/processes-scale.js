// One machine, more sockets than one process may open: `switchboard serve --processes 2` on
// Redis holds N = BENCH_PROCESSES_N (24,000) chat sockets, 48 rooms × 500, from two load
// processes (bench/processes-scale-load.js), while every process here is limited to 20,000
// open files. Then one line per room must reach every socket (a room has sockets on both
// workers, so it crosses them through Redis), then SIGTERM drains both workers.
// `npm run bench:processes`; figures in docs/benchmarks.md ("Several processes").
import { createWriteStream, mkdirSync, mkdtempSync, readFileSync, readdirSync, readlinkSync, writeFileSync } from "node:fs";
import { loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { fdCount, openFileLimit, rssKiB } from "./proc-stats.js";
import { freePort, hasRedis, root, start, startRedis, stop, waitForHttp } from "./processes.js";
import { checkSources } from "./sources.js";

const N = Number(process.env.BENCH_PROCESSES_N ?? 24_000);
const PER_ROOM = 500;
const PER_SOURCE = 200; // under the server's default per-address cap (256, per worker), left as it is
const LOADERS = 2;
const FD_MARGIN = 300;
const CPUS = "0-1"; // both workers and both load processes may use either core

if (!hasRedis) {
  console.log("processes bench: redis-server is not installed; skipped");
  process.exit(0);
}
if (!Number.isInteger(N) || N < PER_ROOM * 2 || N % (PER_ROOM * LOADERS) !== 0) throw new TypeError(`BENCH_PROCESSES_N must be a multiple of ${PER_ROOM * LOADERS}`);
const limit = openFileLimit();
if (N / LOADERS + FD_MARGIN > limit.soft) throw new RangeError(`each load process would hold ${N / LOADERS} sockets; the limit here is ${limit.soft} open files`);

const plan = { rooms: N / PER_ROOM, perSource: PER_SOURCE, connectWindow: 200, connectTimeoutMs: 600_000, deliverTimeoutMs: 60_000, closeTimeoutMs: 30_000, totalTimeoutMs: 900_000 };
setTimeout(() => {
  console.error("processes bench: over its 15-minute bound; exiting");
  process.exit(3);
}, plan.totalTimeoutMs + 60_000).unref();

const log = (line) => console.log(`[processes] ${line}`);
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** The pids of `pid`'s children (the primary's workers). */
function children(pid) {
  try {
    return readFileSync(`/proc/${pid}/task/${pid}/children`, "utf8").trim().split(/\s+/).filter(Boolean).map(Number);
  } catch {
    return [];
  }
}

/** Socket inodes `pid` holds open. */
function socketInodes(pid) {
  const inodes = new Set();
  for (const fd of readdirSync(`/proc/${pid}/fd`)) {
    try {
      const m = /^socket:\[(\d+)\]$/.exec(readlinkSync(`/proc/${pid}/fd/${fd}`));
      if (m) inodes.add(m[1]);
    } catch {
      // closed meanwhile
    }
  }
  return inodes;
}

/** "127.0.0.2", 40000 → "0200007F:9C40", as /proc/net/tcp writes an IPv4 address and port. */
function procAddress(address, port) {
  const hex = address.split(".").reverse().map((b) => Number(b).toString(16).padStart(2, "0")).join("");
  return `${hex}:${port.toString(16).padStart(4, "0")}`.toUpperCase();
}

/** Remote address:port → inode of every TCP socket in /proc/net/tcp whose local port is `port`. */
function acceptedSockets(port) {
  const local = `:${port.toString(16).padStart(4, "0").toUpperCase()}`;
  const byRemote = new Map();
  for (const line of readFileSync("/proc/net/tcp", "utf8").split("\n").slice(1)) {
    const f = line.trim().split(/\s+/);
    if (f.length > 9 && f[1].endsWith(local)) byRemote.set(f[2], f[9]);
  }
  return byRemote;
}

/** Starts a load process and returns a function that runs one step on it (bounded). */
async function startLoader(from, count, url) {
  const child = start(CPUS, [process.execPath, "bench/processes-scale-load.js", JSON.stringify({ ...plan, url, from, count })], {}, { ipc: true });
  child.stdout.resume();
  const waiters = new Map();
  child.on("message", (m) => waiters.get(m.step)?.(m.result));
  const step = (name, extra = {}, timeoutMs = 60_000) =>
    new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`load process ${from}: ${name} over ${timeoutMs / 1000} s`)), timeoutMs);
      waiters.set(name, (result) => {
        clearTimeout(timer);
        resolve(result);
      });
      if (name !== "ready") child.send({ step: name, ...extra });
    });
  await step("ready");
  return { child, step };
}

async function main() {
  const t0 = Date.now();
  await checkSources(N, PER_SOURCE);
  const redis = await startRedis();
  const port = await freePort();
  const dataDir = mkdtempSync(join(tmpdir(), "sb-processes-"));
  const primary = start(CPUS, [process.execPath, "--max-semi-space-size=8", "dist/cli/main.js", "serve", "--processes", "2"], {
    HOST: "127.0.0.1",
    PORT: String(port),
    DATA_DIR: dataDir,
    REDIS_URL: redis.url,
    LOG_LEVEL: "warn",
  });
  // The primary's and workers' log (warn and up; the primary's own lines too), kept for the table.
  mkdirSync(join(root, "bench/results"), { recursive: true });
  const serverLog = join(root, "bench/results/processes-server.log");
  primary.stdout.pipe(createWriteStream(serverLog));
  await waitForHttp(`http://127.0.0.1:${port}/healthz`, primary);
  for (let i = 0; i < 100 && children(primary.pid).length < 2; i++) await sleep(100);
  const workers = children(primary.pid);
  if (workers.length !== 2) throw new Error(`expected 2 workers, found ${workers.length}`);
  await sleep(1000); // both listening (healthz answered by one)
  const idle = workers.map((pid) => ({ pid, fds: fdCount(pid), rssKiB: rssKiB(pid) }));
  log(`primary ${primary.pid}, workers ${workers.join(", ")} on port ${port}; ${N} sockets from ${LOADERS} load processes`);

  const per = N / LOADERS;
  const loaders = await Promise.all(Array.from({ length: LOADERS }, (_, p) => startLoader(p * per, per, `ws://127.0.0.1:${port}`)));
  const progress = setInterval(() => log(`connecting: worker fds ${workers.map(fdCount).join(" + ")}`), 15_000);
  const tc = Date.now();
  const connected = await Promise.all(loaders.map((l) => l.step("connect", {}, plan.connectTimeoutMs + 30_000)));
  clearInterval(progress);
  const connectMs = Date.now() - tc;
  const opened = connected.reduce((s, c) => s + c.opened, 0);
  log(`${opened} of ${N} open in ${(connectMs / 1000).toFixed(1)} s`);
  await sleep(2000);

  // Which worker holds each client socket: the worker's socket inodes against /proc/net/tcp.
  const inodes = workers.map(socketInodes);
  const byRemote = acceptedSockets(port);
  const workerOf = new Map();
  for (const c of connected) {
    for (const [index, source, clientPort] of c.sockets) {
      const inode = byRemote.get(procAddress(source, clientPort));
      workerOf.set(index, inodes.findIndex((set) => set.has(inode)));
    }
  }
  const held = workers.map((pid, w) => ({
    pid,
    fds: fdCount(pid),
    sockets: [...workerOf.values()].filter((v) => v === w).length,
    fileLimit: openFileLimit(pid),
    rssKiB: rssKiB(pid),
  }));
  const unplaced = [...workerOf.values()].filter((v) => v < 0).length;
  const roomsOnBoth = Array.from({ length: plan.rooms }, (_, r) => new Set([...workerOf].filter(([i]) => i % plan.rooms === r).map(([, w]) => w))).filter((s) => s.has(0) && s.has(1)).length;
  const primaryStats = { pid: primary.pid, fds: fdCount(primary.pid), rssKiB: rssKiB(primary.pid) };

  const delivered = await Promise.all(loaders.map((l, p) => l.step("deliver", { send: p === 0 }, plan.deliverTimeoutMs + 30_000)));
  const senders = delivered[0].senders;
  const deliveries = delivered.reduce((s, d) => s + d.delivered, 0);
  // Deliveries to sockets on the other worker than the room's sender: those went through Redis.
  let crossWorker = 0;
  for (const [index, w] of workerOf) if (w >= 0 && w !== workerOf.get(senders[index % plan.rooms])) crossWorker += 1;

  const closing = loaders.map((l) => l.step("closes", {}, plan.closeTimeoutMs + 30_000));
  const stopped = await stop(primary, 30_000);
  const closed = await Promise.all(closing);
  const closeCodes = {};
  for (const c of closed) for (const [code, k] of Object.entries(c.codes)) closeCodes[code] = (closeCodes[code] ?? 0) + k;
  const workersLeft = workers.filter((pid) => {
    try {
      return readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1][0] !== "Z";
    } catch {
      return false;
    }
  });
  for (const l of loaders) l.child.kill("SIGTERM");
  await stop(redis.child);
  await sleep(200); // the log's last lines flushed
  const logLines = readFileSync(serverLog, "utf8").split("\n").filter(Boolean);
  const messages = {};
  for (const line of logLines) {
    let text = line;
    try {
      text = JSON.parse(line).msg ?? line;
    } catch {
      // the primary's own lines are plain text
    }
    text = text.replace(/\d{3,}/g, "<n>");
    messages[text] = (messages[text] ?? 0) + 1;
  }

  const result = {
    date: new Date().toISOString(),
    n: N,
    rooms: plan.rooms,
    perRoom: PER_ROOM,
    perSource: PER_SOURCE,
    sources: N / PER_SOURCE,
    benchFileLimit: limit,
    connectMs,
    opened,
    refused: connected.map((c) => c.refused),
    loaders: connected.map((c) => ({ opened: c.opened, fds: c.fds, fileLimit: c.fileLimit, timedOut: c.timedOut })),
    primary: primaryStats,
    idle,
    workers: held,
    unplaced,
    roomsOnBoth,
    deliveries,
    missing: delivered.reduce((s, d) => s + d.missing, 0),
    duplicates: delivered.reduce((s, d) => s + d.duplicates, 0),
    wrongLines: delivered.reduce((s, d) => s + d.wrongLines, 0),
    deliverMs: Math.max(...delivered.map((d) => d.ms)),
    crossWorker,
    sigterm: { ms: stopped.ms, killed: stopped.killed, exitCode: primary.exitCode, workersLeft: workersLeft.length, closeCodes },
    serverLog: messages,
    loadAverage: loadavg()[0],
    totalMs: Date.now() - t0,
  };
  writeFileSync(join(root, "bench/results/processes-latest.json"), JSON.stringify(result, null, 2) + "\n");
  printTable(result);
}

function printTable(r) {
  const num = (v) => v.toLocaleString("en-US");
  const refused503 = r.refused.reduce((s, x) => s + x.status503, 0);
  const rows = [
    ["open-file limit per process (soft / hard)", `${num(r.workers[0].fileLimit.soft)} / ${num(r.workers[0].fileLimit.hard)}`],
    ["sockets wanted (rooms × per room)", `${num(r.n)} (${r.rooms} × ${r.perRoom}), from ${r.sources} loopback addresses ≤ ${r.perSource} each`],
    ["sockets open", num(r.opened)],
    ["time to connect all (s)", (r.connectMs / 1000).toFixed(1)],
    ["handshakes refused 503 (retried after Retry-After)", num(refused503)],
    ...r.workers.map((w, i) => [`worker ${i + 1} (pid ${w.pid}): sockets / open files / limit`, `${num(w.sockets)} / ${num(w.fds)} / ${num(w.fileLimit.soft)}`]),
    ...r.workers.map((w, i) => [`worker ${i + 1}: RSS idle → with sockets (MiB)`, `${(r.idle[i].rssKiB / 1024).toFixed(0)} → ${(w.rssKiB / 1024).toFixed(0)}`]),
    ["primary: open files / RSS (MiB)", `${r.primary.fds} / ${(r.primary.rssKiB / 1024).toFixed(0)}`],
    ...r.loaders.map((l, i) => [`load process ${i + 1}: sockets / open files / limit`, `${num(l.opened)} / ${num(l.fds)} / ${num(l.fileLimit.soft)}`]),
    ["client sockets not found on either worker", num(r.unplaced)],
    ["rooms with sockets on both workers", `${r.roomsOnBoth} of ${r.rooms}`],
    ["one line per room: deliveries (expected)", `${num(r.deliveries)} (${num(r.opened)})`],
    ["… to sockets on the other worker than the sender (via Redis)", num(r.crossWorker)],
    ["… sockets missing their line / duplicates / wrong lines", `${r.missing} / ${r.duplicates} / ${r.wrongLines}`],
    ["… time until the last socket had it (s)", (r.deliverMs / 1000).toFixed(1)],
    ["SIGTERM → primary exit (s)", `${(r.sigterm.ms / 1000).toFixed(1)}${r.sigterm.killed ? " (SIGKILLed at 30 s)" : ""}, exit code ${r.sigterm.exitCode}`],
    ["close codes the clients saw", Object.entries(r.sigterm.closeCodes).map(([c, k]) => `${c} × ${num(k)}`).join(", ")],
    ["workers left after exit", String(r.sigterm.workersLeft)],
  ];
  console.log("\n| `serve --processes 2` on Redis | |\n| --- | --- |");
  for (const [k, v] of rows) console.log(`| ${k} | ${v} |`);
  console.log(`\nServer log (bench/results/processes-server.log): ${Object.entries(r.serverLog).map(([m, k]) => `${k}× "${m}"`).join("; ") || "empty"}`);
  console.log(`Load average (1 min) at the end: ${r.loadAverage.toFixed(1)}; whole run ${(r.totalMs / 1000).toFixed(0)} s.`);
}

main().then(
  () => process.exit(0),
  (error) => {
    console.error(error);
    process.exit(1);
  },
);
