import cluster, { type Worker } from "node:cluster";
import { availableParallelism } from "node:os";
import type { Kysely } from "kysely";
import { allMigrations } from "../app.js";
import type { Config } from "../config.js";
import { hasRedis } from "../runtime/layer.js";
import { openDatabase } from "../storage/database.js";
import { migrateToLatest } from "../storage/migrate.js";

/** Most worker processes `serve` starts (a typo like `--processes 1000` must not fork-bomb the machine). */
export const MAX_PROCESSES = 64;

/**
 * How many processes `serve` runs: `--processes N` (or `auto`: one per core), else
 * `WEB_CONCURRENCY` (Heroku's and gunicorn's variable), else 1. A problem is a string.
 */
export function processCount(option: unknown, env: NodeJS.ProcessEnv = process.env): number | string {
  const raw = typeof option === "string" ? option.trim() : env.WEB_CONCURRENCY?.trim() || "1";
  const source = typeof option === "string" ? "--processes" : "WEB_CONCURRENCY";
  if (raw === "auto") return Math.min(availableParallelism(), MAX_PROCESSES);
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 1 || n > MAX_PROCESSES) return `${source} must be a whole number 1–${MAX_PROCESSES} or "auto" (got ${JSON.stringify(raw)})`;
  return n;
}

/** Why `config` cannot run several processes, or null when it can. */
export function multiProcessProblem(config: Config): string | null {
  if (hasRedis(config)) return null;
  return (
    "several processes need a shared channel layer: with the in-memory layer each process would be its own island " +
    "(a chat line reaches only the sockets of the process that took it, presence and beat would run once per process). " +
    "Set REDIS_URL (or REDIS_SENTINELS or REDIS_CLUSTER), or run one process"
  );
}

/** Deaths within this window that make the supervisor wait before the next replacement. */
const CRASH_WINDOW_MS = 10_000;

/**
 * The primary of `serve --processes N`: migrates once, forks N workers that share the port
 * (node:cluster hands each accepted connection to one of them), replaces a worker that dies
 * (waiting a little when they die in a loop), and on SIGTERM/SIGINT stops every worker
 * (each drains: sockets close with 1012) and exits 0 once all have, or 1 after
 * `SHUTDOWN_TIMEOUT`. Resolves never: the process exits by itself.
 */
export async function superviseWorkers(config: Config, count: number, log: (line: string) => void): Promise<void> {
  // Once, before any worker: N processes migrating one database at the same time would race.
  const db = openDatabase(config.databaseUrl);
  try {
    await migrateToLatest(db as Kysely<unknown>, allMigrations());
  } finally {
    await db.destroy();
  }
  cluster.setupPrimary({ args: ["serve"] });
  const env = { SWITCHBOARD_WORKER: "1" };
  let stopping = false;
  const deaths: number[] = [];
  const fork = (): Worker => cluster.fork(env);
  cluster.on("listening", (worker) => log(`worker ${worker.process.pid} listening`));
  cluster.on("exit", (worker, code, signal) => {
    if (stopping) {
      if (Object.keys(cluster.workers ?? {}).length === 0) process.exit(0);
      return;
    }
    const now = Date.now();
    deaths.push(now);
    while (deaths.length > 0 && deaths[0]! < now - CRASH_WINDOW_MS) deaths.shift();
    const delay = deaths.length > count ? 1000 * Math.min(30, deaths.length - count) : 0;
    log(`worker ${worker.process.pid} died (${signal ?? `exit ${code}`}); starting another${delay ? ` in ${delay / 1000} s` : ""}`);
    setTimeout(() => !stopping && fork(), delay).unref();
  });
  const stop = (signal: NodeJS.Signals): void => {
    if (stopping) return;
    stopping = true;
    log(`${signal}: stopping ${Object.keys(cluster.workers ?? {}).length} workers`);
    const workers = Object.values(cluster.workers ?? {});
    if (workers.length === 0) process.exit(0);
    for (const worker of workers) worker?.process.kill("SIGTERM");
    // Each worker drains within SHUTDOWN_TIMEOUT itself (then exits by its own timer); the
    // primary waits longer, so a worker that needed its whole timeout still exits on its own.
    setTimeout(() => {
      log("workers did not stop in time; exiting");
      for (const worker of Object.values(cluster.workers ?? {})) worker?.process.kill("SIGKILL");
      process.exit(1);
    }, (config.shutdownTimeout + 5) * 1000).unref();
  };
  process.on("SIGTERM", () => stop("SIGTERM"));
  process.on("SIGINT", () => stop("SIGINT"));
  for (let i = 0; i < count; i++) fork();
  log(`switchboard primary ${process.pid}: ${count} worker processes on ${config.host}:${config.port}`);
}

/** Whether this process is a worker forked by {@link superviseWorkers}. */
export function isServeWorker(): boolean {
  return cluster.isWorker && process.env.SWITCHBOARD_WORKER === "1";
}
