import { spawn, type ChildProcess } from "node:child_process";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { freePort } from "./redis.js";

const root = join(import.meta.dirname, "../..");

/**
 * A preload that forces a full garbage collection every second: start a node with
 * `{ nodeArgs: ["--expose-gc", "--import", FORCE_GC] }` to catch what is held only weakly.
 */
export const FORCE_GC = pathToFileURL(join(import.meta.dirname, "force-gc.mjs")).href;

/** A `switchboard serve` process on a loopback port. */
export interface NodeProcess {
  url: string;
  wsUrl: string;
  port: number;
  child: ChildProcess;
  /** Everything the process wrote, for assertions on logs. */
  output(): string;
  /** Sends `signal` and resolves with the exit code (SIGKILL after `timeoutMs`). */
  stop(signal?: NodeJS.Signals, timeoutMs?: number): Promise<number | null>;
}

/** Every node started by this test process; killed when it exits, so a failed test leaks none. */
const started = new Set<ChildProcess>();
process.once("exit", () => {
  for (const child of started) child.kill("SIGKILL");
});

/** Options of {@link startNode}. */
export interface StartNodeOptions {
  /**
   * Extra flags for `node` itself, placed before the entry point (after the flags
   * `npm start` uses), e.g. `["--expose-gc", "--import", FORCE_GC]`.
   */
  nodeArgs?: string[];
  /** Arguments after `serve`, e.g. `["--processes", "2"]`. */
  args?: string[];
  /** The port (default a free one): a restart on the port its clients know. */
  port?: number;
}

/** Starts `switchboard serve` from the TypeScript sources with `env`, and waits until /healthz answers. */
export async function startNode(env: Record<string, string>, options: StartNodeOptions = {}): Promise<NodeProcess> {
  const port = options.port ?? (await freePort());
  // One process (not the tsx wrapper), so SIGKILL really kills the node; the V8 flag is the
  // one `npm start` and bin/switchboard.js run with (a bounded young generation).
  const args = ["--max-semi-space-size=8", ...(options.nodeArgs ?? []), "--import", "tsx", join(root, "src/cli/main.ts"), "serve", ...(options.args ?? [])];
  const child = spawn(process.execPath, args, {
    cwd: root,
    env: { ...process.env, HOST: "127.0.0.1", PORT: String(port), LOG_LEVEL: "warn", ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  started.add(child);
  child.once("exit", () => started.delete(child));
  let out = "";
  child.stdout!.on("data", (d: Buffer) => (out += d.toString()));
  child.stderr!.on("data", (d: Buffer) => (out += d.toString()));
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 20_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`node exited with ${child.exitCode}:\n${out}`);
    try {
      if ((await fetch(`${url}/healthz`)).ok) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      child.kill("SIGKILL");
      throw new Error(`node did not start on ${port}:\n${out}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  return {
    url,
    wsUrl: `ws://127.0.0.1:${port}`,
    port,
    child,
    output: () => out,
    stop: (signal = "SIGTERM", timeoutMs = 10_000) =>
      new Promise((resolve) => {
        if (child.exitCode !== null || child.signalCode !== null) return resolve(child.exitCode);
        const timer = setTimeout(() => child.kill("SIGKILL"), timeoutMs);
        child.once("exit", (code) => {
          clearTimeout(timer);
          resolve(code);
        });
        child.kill(signal);
      }),
  };
}
