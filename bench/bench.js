// `npm run bench`: drives the bare-ws ceiling and Switchboard (in-memory layer, Redis layer,
// and two nodes on Redis) with the same bounded load from a separate process, and prints
// each figure with its ratio to the ceiling measured in the same run. Never part of `npm test`.
//
// Env: BENCH_CONNECTIONS (1000), BENCH_ROOMS (20), BENCH_SECONDS (10 per phase),
// BENCH_RATE (40 messages/s in the fixed phase), BENCH_ONLY (comma list of scenarios).
import { execFileSync, spawn } from "node:child_process";
import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

const root = fileURLToPath(new URL("..", import.meta.url));
const rooms = Number(process.env.BENCH_ROOMS ?? 20);
const connections = Number(process.env.BENCH_CONNECTIONS ?? 1000);
const plan = {
  rooms,
  perRoom: Math.floor(connections / rooms),
  rate: Number(process.env.BENCH_RATE ?? 40),
  seconds: Number(process.env.BENCH_SECONDS ?? 10),
};
const only = process.env.BENCH_ONLY?.split(",");
const hasTaskset = which("taskset");
const hasRedis = which("redis-server");
if (!hasTaskset) console.warn("bench: taskset not found: server and load are not pinned to separate cores");

const children = new Set();
const cleanup = () => {
  for (const c of children) c.kill("SIGKILL");
};
process.on("exit", cleanup);
process.on("SIGINT", () => process.exit(130));

function which(program) {
  try {
    execFileSync("sh", ["-c", `command -v ${program}`], { stdio: "ignore" });
    return true;
  } catch {
    return false;
  }
}

function freePort() {
  return new Promise((resolve) => {
    const s = createServer();
    s.listen(0, "127.0.0.1", () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

/** Starts `argv` pinned to `cpu` (when taskset is there). */
function start(cpu, argv, env = {}) {
  const [cmd, args] = hasTaskset ? ["taskset", ["-c", String(cpu), ...argv]] : [argv[0], argv.slice(1)];
  const child = spawn(cmd, args, { cwd: root, env: { ...process.env, ...env }, stdio: ["ignore", "pipe", "inherit"] });
  children.add(child);
  child.on("exit", () => children.delete(child));
  return child;
}

async function stop(child) {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((r) => child.once("exit", r));
  child.kill("SIGTERM");
  const timer = setTimeout(() => child.kill("SIGKILL"), 5000);
  await exited;
  clearTimeout(timer);
}

async function waitForHttp(url, child) {
  const deadline = Date.now() + 30_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`${url}: server exited with ${child.exitCode}`);
    try {
      if ((await fetch(url)).ok) return;
    } catch {
      // not up yet
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`${url} did not answer within 30 s`);
}

async function startRedis() {
  const port = await freePort();
  const child = start(0, ["redis-server", "--port", String(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"]);
  child.stdout.resume();
  for (let i = 0; i < 100; i++) {
    try {
      execFileSync("redis-cli", ["-p", String(port), "ping"], { stdio: "pipe" });
      return { child, url: `redis://127.0.0.1:${port}/0` };
    } catch {
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  throw new Error("redis-server did not start");
}

async function startSwitchboard(env) {
  const port = await freePort();
  const dataDir = env.DATA_DIR ?? mkdtempSync(join(tmpdir(), "sb-bench-"));
  const child = start(0, [process.execPath, "--max-semi-space-size=8", "dist/cli/main.js", "serve"], {
    HOST: "127.0.0.1",
    PORT: String(port),
    DATA_DIR: dataDir,
    LOG_LEVEL: "warn",
    WS_RATE_LIMIT: "0",
    // Every load socket comes from 127.0.0.1: lift the per-address cap (default 256).
    WS_MAX_CONNECTIONS_PER_IP: "1000000",
    ...env,
  });
  child.stdout.resume();
  await waitForHttp(`http://127.0.0.1:${port}/healthz`, child);
  return { child, url: `ws://127.0.0.1:${port}`, dataDir };
}

async function startCeiling() {
  const child = start(0, [process.execPath, "bench/ceiling-server.js", "0"]);
  const port = await new Promise((resolve) => child.stdout.once("data", (d) => resolve(JSON.parse(d.toString()).port)));
  return { child, url: `ws://127.0.0.1:${port}` };
}

/** Runs the load process against `urls`, sampling the processes in `pids`. */
function drive(urls, pids, extra = {}) {
  return new Promise((resolve, reject) => {
    const child = start(1, [process.execPath, "bench/load.js", JSON.stringify({ ...plan, ...extra, urls, pids })]);
    let out = "";
    child.stdout.on("data", (d) => (out += d));
    child.on("exit", (code) => (code === 0 ? resolve(JSON.parse(out.trim().split("\n").pop())) : reject(new Error(`load exited ${code}`))));
  });
}

const scenarios = {
  async ceiling() {
    const s = await startCeiling();
    try {
      return await drive([s.url], { server: s.child.pid });
    } finally {
      await stop(s.child);
    }
  },
  async memory() {
    const s = await startSwitchboard({});
    try {
      return await drive([s.url], { server: s.child.pid });
    } finally {
      await stop(s.child);
    }
  },
  async redis() {
    const redis = await startRedis();
    const s = await startSwitchboard({ REDIS_URL: redis.url });
    try {
      return await drive([s.url], { server: s.child.pid, redis: redis.child.pid });
    } finally {
      await stop(s.child);
      await stop(redis.child);
    }
  },
  async cluster() {
    const redis = await startRedis();
    const a = await startSwitchboard({ REDIS_URL: redis.url });
    const b = await startSwitchboard({ REDIS_URL: redis.url, DATA_DIR: a.dataDir });
    try {
      return await drive([a.url, b.url], { nodeA: a.child.pid, nodeB: b.child.pid, redis: redis.child.pid });
    } finally {
      await stop(a.child);
      await stop(b.child);
      await stop(redis.child);
    }
  },
};

/** GraphQL and handshake figures (not part of the chat table). */
async function api() {
  const s = await startSwitchboard({});
  try {
    const plan2 = { url: s.url.replace(/^ws/, "http"), wsUrl: s.url, seconds: Math.min(plan.seconds, 10), concurrency: 16, handshakes: 2000 };
    return await new Promise((resolve, reject) => {
      const child = start(1, [process.execPath, "bench/api-load.js", JSON.stringify(plan2)]);
      let out = "";
      child.stdout.on("data", (d) => (out += d));
      child.on("exit", (code) => (code === 0 ? resolve(JSON.parse(out.trim().split("\n").pop())) : reject(new Error(`api load exited ${code}`))));
    });
  } finally {
    await stop(s.child);
  }
}

/** 100 watchers on one order of a 20-step template. */
async function workorders() {
  const dataDir = mkdtempSync(join(tmpdir(), "sb-bench-wo-"));
  const env = { ...process.env, DATA_DIR: dataDir, LOG_LEVEL: "warn" };
  const template = {
    name: "bench-20",
    params: {},
    concurrency: 4,
    // 20 steps: a chain of 4 stages × 5 parallel steps, each a short real process.
    steps: Array.from({ length: 20 }, (_, i) => ({
      name: `s${i}`,
      command: ["sleep", "0.05"],
      needs: i < 5 ? [] : Array.from({ length: 5 }, (_, j) => `s${Math.floor(i / 5) * 5 - 5 + j}`),
    })),
  };
  writeFileSync(join(dataDir, "bench-20.json"), JSON.stringify(template));
  const cli = (...args) => execFileSync(process.execPath, ["dist/cli/main.js", ...args], { cwd: root, env, stdio: "pipe" });
  cli("migrate");
  cli("workorders", "load-template", join(dataDir, "bench-20.json"));
  const s = await startSwitchboard({ DATA_DIR: dataDir });
  try {
    const http = s.url.replace(/^ws/, "http");
    for (const name of ["dev", "lead"]) {
      await fetch(`${http}/graphql/`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ query: `mutation { createUser(username: "${name}", email: "${name}@example.com", password: "bench-secret-pw") { msg } }` }),
      });
    }
    cli("roles", "grant", "lead", "approver");
    return await new Promise((resolve, reject) => {
      const child = start(1, [process.execPath, "bench/workorders-load.js", JSON.stringify({ url: http, wsUrl: s.url, watchers: 100, template: "bench-20" })]);
      let out = "";
      child.stdout.on("data", (d) => (out += d));
      child.on("exit", (code) => (code === 0 ? resolve(JSON.parse(out.trim().split("\n").pop())) : reject(new Error(`work-order load exited ${code}`))));
    });
  } finally {
    await stop(s.child);
  }
}

const results = {};
for (const name of Object.keys(scenarios)) {
  if (only && !only.includes(name)) continue;
  if ((name === "redis" || name === "cluster") && !hasRedis) {
    console.warn(`bench: skipping ${name}: redis-server not found (apt-get install -y redis-server)`);
    continue;
  }
  process.stderr.write(`bench: ${name}…\n`);
  results[name] = await scenarios[name]();
}
mkdirSync(join(root, "bench/results"), { recursive: true });
writeFileSync(join(root, "bench/results/latest.json"), JSON.stringify({ at: new Date().toISOString(), plan, results }, null, 2));
const { printTable } = await import("./report.js");
if (Object.keys(results).length > 0) printTable(plan, results);
if (!only || only.includes("api")) {
  process.stderr.write("bench: api…\n");
  const a = await api();
  console.log(`
| API (16 concurrent clients, one node, SQLite) | figure |
| --- | --- |
| GraphQL allBooks (100 books, titles and authors): requests/s | ${a.allBooks.requestsPerSec.toFixed(0)} |
| GraphQL allBooks p50 / p99 (ms) | ${a.allBooks.p50.toFixed(2)} / ${a.allBooks.p99.toFixed(2)} |
| socket handshakes/s, anonymous | ${a.handshakeAnonymous.handshakesPerSec.toFixed(0)} |
| socket handshakes/s, JWT (Authorization: Bearer) | ${a.handshakeJwt.handshakesPerSec.toFixed(0)} (${(a.handshakeJwt.handshakesPerSec / a.handshakeAnonymous.handshakesPerSec).toFixed(2)}×) |`);
  writeFileSync(join(root, "bench/results/api.json"), JSON.stringify(a, null, 2));
}
if (!only || only.includes("workorders")) {
  process.stderr.write("bench: workorders…\n");
  const w = await workorders();
  console.log(`
| Work orders: ${w.watchers} watchers on one order, 20-step template | figure |
| --- | --- |
| step changes seen by every watcher | ${w.complete} of ${w.changes} |
| change → last watcher updated, p50 / p99 / max (ms) | ${w.p50} / ${w.p99} / ${w.max} |`);
  writeFileSync(join(root, "bench/results/workorders.json"), JSON.stringify(w, null, 2));
}
