import { execFile, spawn, type ChildProcess } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { basename, join } from "node:path";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";
import WebSocket from "ws";
import { findProgram } from "../helpers/programs.js";
import { freePort, startRedis } from "../helpers/redis.js";

const supervisord = findProgram("supervisord suite", "supervisord", "supervisor");
const supervisorctl = findProgram("supervisord suite", "supervisorctl", "supervisor");
const redisBin = findProgram("supervisord suite (the server, worker and beat share a Redis layer)", "redis-server", "redis-server");

const root = join(import.meta.dirname, "../..");
const deploy = join(root, "deploy");
const run = promisify(execFile);

/** A config file as sections of `key=value` lines (comments and blank lines dropped). */
type Ini = Map<string, Map<string, string>>;

function parseIni(text: string): Ini {
  const ini: Ini = new Map();
  let section: Map<string, string> | null = null;
  for (const raw of text.split("\n")) {
    const line = raw.trim();
    if (!line || line.startsWith(";") || line.startsWith("#")) continue;
    const header = /^\[(.+)\]$/.exec(line);
    if (header) {
      section = new Map();
      ini.set(header[1]!, section);
      continue;
    }
    const eq = line.indexOf("=");
    if (!section || eq < 0) throw new Error(`not a key=value line: ${line}`);
    section.set(line.slice(0, eq).trim(), line.slice(eq + 1).trim());
  }
  return ini;
}

function formatIni(ini: Ini): string {
  return [...ini].map(([name, keys]) => `[${name}]\n${[...keys].map(([k, v]) => `${k}=${v}`).join("\n")}\n`).join("\n");
}

/** `environment=` of supervisor: `KEY="value",KEY2="value"` (values quoted, no commas inside). */
function parseEnvironment(text: string): Map<string, string> {
  return new Map([...text.matchAll(/([A-Z_][A-Z0-9_]*)="([^"]*)"/g)].map((m) => [m[1]!, m[2]!]));
}

interface Rewrite {
  dir: string;
  port: number;
  redisUrl: string;
}

/**
 * The committed file as this machine can run it: runtime files under `dir`, the server on
 * 127.0.0.1:`port`, Redis at `redisUrl`, node from this process and the sources through tsx
 * (instead of `/usr/bin/node dist/…`), no `user=` (the tests may run unprivileged). Every
 * other key is kept as committed.
 */
function rewrite(ini: Ini, { dir, port, redisUrl }: Rewrite): Ini {
  const out: Ini = new Map();
  for (const [name, keys] of ini) {
    const next = new Map(keys);
    if (name === "unix_http_server") next.set("file", join(dir, "run/supervisor.sock"));
    if (name === "supervisorctl") next.set("serverurl", `unix://${join(dir, "run/supervisor.sock")}`);
    if (name === "supervisord") {
      next.set("logfile", join(dir, "log/supervisord.log"));
      next.set("pidfile", join(dir, "run/supervisord.pid"));
      next.set("childlogdir", join(dir, "log"));
    }
    if (name.startsWith("program:")) {
      next.set("command", keys.get("command")!.replace(/^\/usr\/bin\/node\b/, process.execPath).replace("dist/cli/main.js", "--import tsx src/cli/main.ts"));
      next.set("directory", root);
      next.delete("user");
      next.set("stdout_logfile", join(dir, "log", basename(keys.get("stdout_logfile")!)));
      const env = parseEnvironment(keys.get("environment") ?? "");
      env.set("DATA_DIR", join(dir, "data"));
      env.set("REDIS_URL", redisUrl);
      if (env.has("PORT")) {
        env.set("HOST", "127.0.0.1");
        env.set("PORT", String(port));
      }
      next.set("environment", [...env].map(([k, v]) => `${k}="${v}"`).join(","));
    }
    out.set(name, next);
  }
  return out;
}

interface ProcessStatus {
  state: string;
  pid: number | null;
}

async function status(conf: string): Promise<Map<string, ProcessStatus>> {
  // supervisorctl status exits 3 when a process is not running: read its output either way.
  const { stdout } = await run(supervisorctl.path, ["-c", conf, "status"], { timeout: 10_000 }).catch((e: { stdout?: string }) => ({ stdout: e.stdout ?? "" }));
  const all = new Map<string, ProcessStatus>();
  for (const m of stdout.matchAll(/^(\S+)\s+([A-Z]+)\s*(?:pid (\d+))?/gm)) all.set(m[1]!, { state: m[2]!, pid: m[3] ? Number(m[3]) : null });
  return all;
}

/** Polls `check` every 200 ms until it returns a value, or throws after `ms`. */
async function until<T>(what: string, ms: number, check: () => Promise<T | null>): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = await check().catch(() => null);
    if (value !== null) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

async function healthz(port: number): Promise<number | null> {
  const res = await fetch(`http://127.0.0.1:${port}/healthz`, { signal: AbortSignal.timeout(2000) });
  return res.status === 200 ? res.status : null;
}

/** One `server.time` tick on the server's /ws/clock/: sent by the beat program, through Redis. */
async function clockTick(port: number, ms = 8000): Promise<{ type: string; ts: number }> {
  const ws = new WebSocket(`ws://127.0.0.1:${port}/ws/clock/`);
  try {
    return await new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no server.time tick within ${ms} ms`)), ms);
      ws.on("message", (data) => {
        const frame = JSON.parse(String(data)) as { type: string; ts: number };
        if (frame.type !== "server.time") return;
        clearTimeout(timer);
        resolve(frame);
      });
      ws.on("error", (error) => {
        clearTimeout(timer);
        reject(error);
      });
    });
  } finally {
    ws.terminate();
  }
}

describe("deploy/supervisord.conf", () => {
  const committed = parseIni(readFileSync(join(deploy, "supervisord.conf"), "utf8"));
  const includeGlob = committed.get("include")?.get("files") ?? "";
  const includeDir = includeGlob.replace(/\/\*\.conf$/, "");
  const included = readdirSync(join(deploy, includeDir)).filter((f) => f.endsWith(".conf")).sort();

  it("has the tutorial's layout: a program section that logs to a file, and an [include] of per-program files", () => {
    const program = committed.get("program:switchboard");
    expect(program).toBeDefined();
    for (const key of ["command", "directory", "stdout_logfile", "autostart", "autorestart"]) expect(program!.get(key), key).toBeTruthy();
    expect(program!.get("command")).toMatch(/ serve$/);
    expect(program!.get("redirect_stderr")).toBe("true");
    expect(program!.get("stopsignal")).toBe("TERM");
    // Longer than the server's own SHUTDOWN_TIMEOUT (default 10 s), or supervisord kills it mid-shutdown.
    const shutdownTimeout = Number(parseEnvironment(program!.get("environment") ?? "").get("SHUTDOWN_TIMEOUT") ?? 10);
    expect(Number(program!.get("stopwaitsecs"))).toBeGreaterThanOrEqual(shutdownTimeout);
    expect(includeGlob).toBe("supervisor.d/*.conf");
    expect(included).toEqual(["beat.conf", "worker.conf"]);
    const programs = included.flatMap((f) => [...parseIni(readFileSync(join(deploy, includeDir, f), "utf8")).keys()]);
    expect(programs.sort()).toEqual(["program:switchboard-beat", "program:switchboard-worker"]);
  });

  it.skipIf(!supervisord.available || !supervisorctl.available || !redisBin.available)(
    "runs under a real supervisord: /healthz answers, `supervisorctl restart all` restarts every program, /healthz answers again",
    { timeout: 120_000 },
    async () => {
      const dir = mkdtempSync(join(tmpdir(), "sb-supervisor-"));
      for (const sub of ["conf", `conf/${includeDir}`, "log", "run", "data"]) mkdirSync(join(dir, sub), { recursive: true });
      const redis = await startRedis(redisBin.path);
      const port = await freePort();
      const options = { dir, port, redisUrl: redis.url };
      const conf = join(dir, "conf/supervisord.conf");
      writeFileSync(conf, formatIni(rewrite(committed, options)));
      for (const f of included) {
        writeFileSync(join(dir, "conf", includeDir, f), formatIni(rewrite(parseIni(readFileSync(join(deploy, includeDir, f), "utf8")), options)));
      }
      let output = "";
      const daemon: ChildProcess = spawn(supervisord.path, ["-n", "-c", conf], { stdio: ["ignore", "pipe", "pipe"] });
      daemon.stdout!.on("data", (d: Buffer) => (output += d));
      daemon.stderr!.on("data", (d: Buffer) => (output += d));
      const exited = new Promise<void>((resolve) => daemon.once("exit", () => resolve()));
      const names = ["switchboard", "switchboard-beat", "switchboard-worker"];
      const allRunning = async (): Promise<Map<string, ProcessStatus> | null> => {
        const s = await status(conf);
        return names.every((n) => s.get(n)?.state === "RUNNING") ? s : null;
      };
      try {
        await until("/healthz", 45_000, () => healthz(port));
        const before = await until("every program RUNNING", 20_000, allRunning);
        expect((await clockTick(port)).type).toBe("server.time");

        const restart = await run(supervisorctl.path, ["-c", conf, "restart", "all"], { timeout: 60_000 });
        for (const n of names) {
          expect(restart.stdout).toContain(`${n}: stopped`);
          expect(restart.stdout).toContain(`${n}: started`);
        }
        const after = await until("every program RUNNING again", 20_000, allRunning);
        for (const n of names) {
          expect(after.get(n)!.pid, n).not.toBe(before.get(n)!.pid);
          expect(() => process.kill(before.get(n)!.pid!, 0), `old ${n} process is gone`).toThrow();
        }
        await until("/healthz after the restart", 30_000, () => healthz(port));
        expect((await clockTick(port)).type).toBe("server.time");

        // SIGTERM was a clean shutdown (exit 0 within stopwaitsecs, not a SIGKILL), and the
        // server's output went to its stdout_logfile.
        const log = readFileSync(join(dir, "log/supervisord.log"), "utf8");
        expect(log).toMatch(/stopped: switchboard \(exit status 0\)/);
        expect(log).not.toMatch(/killing 'switchboard'/);
        expect(readFileSync(join(dir, "log/switchboard.log"), "utf8")).toContain("switchboard serving on");
      } catch (error) {
        const log = (name: string): string => {
          try {
            return readFileSync(join(dir, "log", name), "utf8").slice(-2000);
          } catch {
            return "";
          }
        };
        throw new Error(`${(error as Error).message}\nsupervisord: ${output.slice(-2000)}\n${log("supervisord.log")}\n${log("switchboard.log")}`);
      } finally {
        await run(supervisorctl.path, ["-c", conf, "shutdown"], { timeout: 30_000 }).catch(() => undefined);
        const stopped = await Promise.race([exited.then(() => true), new Promise<boolean>((r) => setTimeout(() => r(false), 30_000))]);
        if (!stopped) {
          daemon.kill("SIGTERM");
          await Promise.race([exited, new Promise((r) => setTimeout(r, 10_000))]);
        }
        await redis.stop();
        rmSync(dir, { recursive: true, force: true });
      }
    },
  );
});
