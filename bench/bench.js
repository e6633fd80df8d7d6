// `npm run bench`: drives the bare-ws ceiling and Switchboard (in-memory layer, Redis layer,
// and two nodes on Redis) with the same bounded load from a separate process, and prints
// each figure with its ratio to the ceiling measured in the same run. Never part of `npm test`.
//
// Env: BENCH_CONNECTIONS (1000), BENCH_ROOMS (20), BENCH_SECONDS (10 per phase),
// BENCH_RATE (40 messages/s in the fixed phase), BENCH_ONLY (comma list of scenarios:
// ceiling, memory, redis, cluster, api, workorders, scale, processes). The scale scenario (18,000
// sockets, bench/scale.js) runs last, and has its own env (BENCH_SCALE, …).
import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { hasRedis, hasTaskset, root, start, startCeiling, startRedis, startSwitchboard as serve, stop } from "./processes.js";

const rooms = Number(process.env.BENCH_ROOMS ?? 20);
const connections = Number(process.env.BENCH_CONNECTIONS ?? 1000);
const plan = {
  rooms,
  perRoom: Math.floor(connections / rooms),
  rate: Number(process.env.BENCH_RATE ?? 40),
  seconds: Number(process.env.BENCH_SECONDS ?? 10),
};
const only = process.env.BENCH_ONLY?.split(",");
if (!hasTaskset) console.warn("bench: taskset not found: server and load are not pinned to separate cores");

function startSwitchboard(env) {
  return serve({
    WS_RATE_LIMIT: "0",
    // Every load socket comes from 127.0.0.1: lift the per-address cap (default 256). The
    // scale scenario does not: it spreads its sockets over many source addresses.
    WS_MAX_CONNECTIONS_PER_IP: "1000000",
    ...env,
  });
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
if (Object.keys(results).length > 0) {
  writeFileSync(join(root, "bench/results/latest.json"), JSON.stringify({ at: new Date().toISOString(), plan, results }, null, 2));
  const { printTable } = await import("./report.js");
  printTable(plan, results);
}
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
if (!only || only.includes("scale")) {
  const { runScale } = await import("./scale.js");
  await runScale();
}
// More sockets than one process may open, on `serve --processes 2` (bench/processes-scale.js,
// its own process: it exits when done). Needs redis-server.
if (!only || only.includes("processes")) {
  const { spawn } = await import("node:child_process");
  const child = spawn(process.execPath, [join(root, "bench/processes-scale.js")], { stdio: "inherit" });
  const code = await new Promise((resolve) => child.once("exit", (c) => resolve(c)));
  if (code !== 0) console.log(`processes scenario exited with ${code}`);
}
