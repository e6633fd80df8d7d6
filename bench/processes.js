// The processes a benchmark starts: servers pinned to CPU 0, load on CPU 1 (taskset), each
// killed when the benchmark exits, however it exits (end, error, Ctrl-C).
import { execFileSync, spawn } from "node:child_process";
import { mkdtempSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

export const root = fileURLToPath(new URL("..", import.meta.url));

export function which(program) {
  try {
    execFileSync("sh", ["-c", `command -v ${program}`], { stdio: "ignore" });
    return true;
  } catch {
    return false;
  }
}

export const hasTaskset = which("taskset");
export const hasRedis = which("redis-server");

const children = new Set();
process.on("exit", () => {
  for (const c of children) c.kill("SIGKILL");
});
// `exit` handlers run on process.exit, not on a signal's default action: turn both into exits.
process.on("SIGINT", () => process.exit(130));
process.on("SIGTERM", () => process.exit(143));

export function freePort() {
  return new Promise((resolve) => {
    const s = createServer();
    s.listen(0, "127.0.0.1", () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

/** Starts `argv` pinned to `cpu` (when taskset is there; taskset execs, so the pid is the program's). */
export function start(cpu, argv, env = {}, { ipc = false } = {}) {
  const [cmd, args] = hasTaskset ? ["taskset", ["-c", String(cpu), ...argv]] : [argv[0], argv.slice(1)];
  const stdio = ipc ? ["ignore", "pipe", "inherit", "ipc"] : ["ignore", "pipe", "inherit"];
  const child = spawn(cmd, args, { cwd: root, env: { ...process.env, ...env }, stdio });
  children.add(child);
  child.on("exit", () => children.delete(child));
  return child;
}

/** SIGTERM, then SIGKILL after `graceMs`; resolves with how long it took and whether SIGKILL was needed. */
export async function stop(child, graceMs = 5000) {
  if (child.exitCode !== null || child.signalCode !== null) return { ms: 0, killed: false };
  const t0 = Date.now();
  let killed = false;
  const exited = new Promise((r) => child.once("exit", r));
  child.kill("SIGTERM");
  const timer = setTimeout(() => {
    killed = true;
    child.kill("SIGKILL");
  }, graceMs);
  await exited;
  clearTimeout(timer);
  return { ms: Date.now() - t0, killed };
}

export async function waitForHttp(url, child, timeoutMs = 30_000) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`${url}: server exited with ${child.exitCode}`);
    try {
      if ((await fetch(url, { signal: AbortSignal.timeout(2000) })).ok) return;
    } catch {
      // not up yet
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`${url} did not answer within ${timeoutMs / 1000} s`);
}

export async function startRedis() {
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

/**
 * `switchboard serve` as users run it, on 127.0.0.1, with a temporary data directory and
 * SQLite file unless `env` names them; `port` reuses a port (a restart).
 */
export async function startSwitchboard(env, { port } = {}) {
  const listen = port ?? (await freePort());
  const dataDir = env.DATA_DIR ?? mkdtempSync(join(tmpdir(), "sb-bench-"));
  // BENCH_SERVER_NODE_ARGS: extra flags for the server's node, e.g. "--cpu-prof --cpu-prof-dir=/tmp/prof".
  const extra = process.env.BENCH_SERVER_NODE_ARGS?.split(/\s+/).filter(Boolean) ?? [];
  const child = start(0, [process.execPath, "--max-semi-space-size=8", ...extra, "dist/cli/main.js", "serve"], {
    HOST: "127.0.0.1",
    PORT: String(listen),
    DATA_DIR: dataDir,
    LOG_LEVEL: "warn",
    ...env,
  });
  child.stdout.resume();
  await waitForHttp(`http://127.0.0.1:${listen}/healthz`, child);
  return { child, port: listen, url: `ws://127.0.0.1:${listen}`, dataDir };
}

/** The bare-`ws` ceiling (bench/ceiling-server.js) on `port` (0: any). */
export async function startCeiling({ port = 0 } = {}) {
  const child = start(0, [process.execPath, "bench/ceiling-server.js", String(port)]);
  const listen = await new Promise((resolve, reject) => {
    child.stdout.once("data", (d) => resolve(JSON.parse(d.toString()).port));
    child.once("exit", (code) => reject(new Error(`ceiling server exited with ${code}`)));
  });
  child.stdout.resume();
  return { child, port: listen, url: `ws://127.0.0.1:${listen}` };
}
