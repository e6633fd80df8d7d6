// The scale scenario: BENCH_SCALE sockets (18,000) in rooms of 500, from loopback source
// addresses of at most 200 sockets each (under the server's default per-address cap, which
// is left as it is), against the bare-ws ceiling and `switchboard serve` (in memory; on
// Redis too with BENCH_REDIS=1). Phases and figures: docs/benchmarks.md, "Scale".
// Run by `npm run bench` (last), alone by `BENCH_ONLY=scale npm run bench` or `npm run bench:scale`.
//
// Env: BENCH_SCALE (18000), BENCH_SCALE_PER_SOURCE (200), BENCH_SCALE_RESTART (1; 0 skips
// the restart phase), BENCH_REDIS (1: also on Redis).
import { createWriteStream, mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { fdCount, openFileLimit } from "./proc-stats.js";
import { hasRedis, hasTaskset, root, start, startCeiling, startRedis, startSwitchboard, stop } from "./processes.js";
import { printScaleTable } from "./scale-report.js";
import { checkSources, sourceCount } from "./sources.js";

/** The server's default WS_MAX_CONNECTIONS_PER_IP (src/core/limits.ts), which this run must stay under. */
const SERVER_PER_ADDRESS_CAP = 256;
/** File descriptors a process needs besides its sockets (node, SQLite, the listener, slack). */
const FD_MARGIN = 300;

export function scalePlan(env = process.env) {
  const wanted = Number(env.BENCH_SCALE ?? 18_000);
  const perSource = Number(env.BENCH_SCALE_PER_SOURCE ?? 200);
  if (!Number.isInteger(wanted) || wanted < 10) throw new TypeError(`BENCH_SCALE must be a whole number ≥ 10 (got ${env.BENCH_SCALE})`);
  if (!(perSource >= 1 && perSource < SERVER_PER_ADDRESS_CAP)) {
    throw new TypeError(`BENCH_SCALE_PER_SOURCE must be 1–${SERVER_PER_ADDRESS_CAP - 1}: the run stays under the server's default per-address cap`);
  }
  const perRoom = Math.min(500, wanted);
  const rooms = Math.floor(wanted / perRoom);
  const n = rooms * perRoom;
  const { soft, hard } = openFileLimit();
  // The load process holds N sockets, and so does the server: each is one process under the limit.
  if (n + FD_MARGIN > soft) {
    throw new RangeError(`BENCH_SCALE=${n} needs ${n + FD_MARGIN} open files per process; the limit here is ${soft} (hard ${hard})`);
  }
  const scale = n / 18_000;
  return {
    n,
    rooms,
    perRoom,
    perSource,
    sources: sourceCount(n, perSource),
    connectWindow: 256,
    idleMs: 5000,
    broadcastSeconds: 20,
    churnSeconds: 10,
    churnFraction: 0.1,
    restart: env.BENCH_SCALE_RESTART !== "0",
    restartLines: 3,
    maxSeq: 20 + 10 + 2 * 3 + 64,
    // Bounds: today's server needs ~190 s to connect 18,000 (presence is O(n²) per room).
    connectTimeoutMs: Math.round(60_000 + 540_000 * scale),
    backTimeoutMs: 90_000,
    drainTimeoutMs: 30_000,
    restartTimeoutMs: Math.round(60_000 + 540_000 * scale),
    totalTimeoutMs: Math.round(300_000 + 1_500_000 * scale),
    fileLimit: { soft, hard },
  };
}

/** One scenario: the server from `launch(port)`, the load process against it, restarts on its request. */
/**
 * Keeps the server's log (warn and up, as LOG_LEVEL=warn gives it) in bench/results and
 * counts its lines by message, so errors during the run are reported, not lost.
 */
function serverLog(kind) {
  const file = join(root, `bench/results/scale-${kind}-server.log`);
  const out = createWriteStream(file);
  const messages = {};
  let pending = "";
  return {
    file,
    messages,
    follow(child) {
      child.stdout.on("data", (chunk) => {
        out.write(chunk);
        const lines = (pending + chunk).split("\n");
        pending = lines.pop();
        for (const line of lines) {
          let msg = line.slice(0, 120);
          try {
            msg = JSON.parse(line).msg ?? msg;
          } catch {
            // not a JSON log line
          }
          if (msg) messages[msg] = (messages[msg] ?? 0) + 1;
        }
      });
    },
    close: () => new Promise((r) => out.end(r)),
  };
}

async function runOne(kind, plan, launch) {
  const load0 = loadavg()[0];
  const log = serverLog(kind);
  let server = await launch(0);
  log.follow(server.child);
  const fdBaseline = fdCount(server.child.pid);
  let fdPeak = fdBaseline;
  const fdTimer = setInterval(() => {
    try {
      fdPeak = Math.max(fdPeak, fdCount(server.child.pid));
    } catch {
      // between a stop and a start
    }
  }, 1000);
  const load = start(1, [process.execPath, "bench/scale-load.js", JSON.stringify({ ...plan, kind, url: server.url, pid: server.child.pid })], {}, { ipc: true });
  load.stdout.resume();
  const watchdog = setTimeout(() => load.kill("SIGKILL"), plan.totalTimeoutMs + 60_000);
  try {
    return await new Promise((resolve, reject) => {
      let result = null;
      load.on("message", async (m) => {
        if (m.type === "result") result = m.result;
        if (m.type !== "restart") return;
        try {
          // SIGTERM as an orchestrator sends it; the server's own SHUTDOWN_TIMEOUT (10 s) bounds its close.
          const stopped = await stop(server.child, 30_000);
          server = await launch(server.port);
          log.follow(server.child);
          load.send({ type: "up", pid: server.child.pid, stopMs: stopped.ms, killed: stopped.killed });
        } catch (error) {
          reject(error);
        }
      });
      load.on("exit", (code) => (code === 0 && result ? resolve({ ...result, fdBaseline, fdPeak, loadAverage: [load0, loadavg()[0]], serverLog: log.messages }) : reject(new Error(`scale load (${kind}) exited with ${code}`))));
    });
  } finally {
    clearTimeout(watchdog);
    clearInterval(fdTimer);
    if (load.exitCode === null) load.kill("SIGKILL");
    await stop(server.child, 30_000);
    await log.close();
  }
}

export async function runScale(env = process.env) {
  const plan = scalePlan(env);
  if (!hasTaskset) console.warn("bench scale: taskset not found: server and load are not pinned to separate cores");
  await checkSources(plan.n, plan.perSource);
  process.stderr.write(
    `bench: scale, ${plan.n} sockets, ${plan.rooms} rooms × ${plan.perRoom}, ${plan.sources} source addresses (127.0.0.2…) × ≤ ${plan.perSource}, ` +
      `open files ≤ ${plan.fileLimit.soft} per process\n`,
  );
  mkdirSync(join(root, "bench/results"), { recursive: true });
  const dataDir = () => mkdtempSync(join(tmpdir(), "sb-bench-scale-"));
  const results = {};
  results.ceiling = await runOne("ceiling", plan, (port) => startCeiling({ port }));
  const memoryDir = dataDir();
  const switchboard = (extra, dir) => (port) =>
    startSwitchboard({ DATA_DIR: dir, DATABASE_URL: `sqlite:${join(dir, "scale.sqlite")}`, ...extra }, { port: port || undefined });
  results.memory = await runOne("memory", plan, switchboard({}, memoryDir));
  if (env.BENCH_REDIS === "1") {
    if (!hasRedis) console.warn("bench scale: skipping redis: redis-server not found (apt-get install -y redis-server)");
    else {
      const redis = await startRedis();
      try {
        results.redis = await runOne("redis", plan, switchboard({ REDIS_URL: redis.url }, dataDir()));
      } finally {
        await stop(redis.child);
      }
    }
  }
  mkdirSync(join(root, "bench/results"), { recursive: true });
  writeFileSync(join(root, "bench/results/scale-latest.json"), JSON.stringify({ at: new Date().toISOString(), plan, results }, null, 2));
  printScaleTable(plan, results);
  return results;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) await runScale();
