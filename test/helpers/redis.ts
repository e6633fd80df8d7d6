import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Redis } from "ioredis";

/** A free TCP port on 127.0.0.1 (listen on 0, read it, close). */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      const port = typeof address === "object" && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

/** A real `redis-server` on a loopback port, without persistence. */
export interface RedisServer {
  url: string;
  port: number;
  /** Stops the server (SIGKILL: an outage, not a clean shutdown). */
  kill(): Promise<void>;
  /** Starts it again on the same port. */
  restart(): Promise<void>;
  stop(): Promise<void>;
}

/** Starts `redis-server` (binary `bin`, default from PATH) on a free loopback port. */
export async function startRedis(bin = "redis-server"): Promise<RedisServer> {
  const port = await freePort();
  let child: ChildProcess | null = null;
  const launch = async (): Promise<void> => {
    child = spawn(bin, ["--port", String(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--protected-mode", "yes"], {
      stdio: "ignore",
    });
    const deadline = Date.now() + 10_000;
    for (;;) {
      const probe = new Redis({ port, host: "127.0.0.1", lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
      probe.on("error", () => undefined);
      try {
        await probe.connect();
        if ((await probe.ping()) === "PONG") return;
      } catch {
        if (Date.now() > deadline) throw new Error(`redis-server did not start on port ${port}`);
        await new Promise((r) => setTimeout(r, 50));
      } finally {
        probe.disconnect();
      }
    }
  };
  const kill = async (): Promise<void> => {
    const c = child as ChildProcess | null;
    if (!c || c.exitCode !== null) return;
    await new Promise<void>((resolve) => {
      c.once("exit", () => resolve());
      c.kill("SIGKILL");
    });
    child = null;
  };
  await launch();
  return { url: `redis://127.0.0.1:${port}/0`, port, kill, restart: launch, stop: kill };
}

/** One server process of a topology (a Sentinel set or a Cluster), on a loopback port. */
export interface RedisNodeProcess {
  port: number;
  /** SIGKILL: a crash, not a shutdown. Resolves when the process is gone. */
  kill(): Promise<void>;
  /** Starts it again on the same port with the same configuration. */
  restart(): Promise<void>;
  readonly alive: boolean;
}

/** Every topology process this test process started; killed when it exits, so a failed test leaks none. */
const topologyProcesses = new Set<ChildProcess>();
process.once("exit", () => {
  for (const child of topologyProcesses) child.kill("SIGKILL");
});

/** Spawns `bin args…` and waits until the port answers PING. */
async function redisProcess(bin: string, args: string[], port: number): Promise<RedisNodeProcess> {
  let child: ChildProcess | null = null;
  const launch = async (): Promise<void> => {
    const c = spawn(bin, args, { stdio: "ignore" });
    topologyProcesses.add(c);
    c.once("exit", () => topologyProcesses.delete(c));
    child = c;
    await waitForPing(port, `${bin} ${args[0] ?? ""}`);
  };
  const kill = async (): Promise<void> => {
    const c = child as ChildProcess | null;
    child = null;
    if (!c || c.exitCode !== null || c.signalCode !== null) return;
    await new Promise<void>((resolve) => {
      c.once("exit", () => resolve());
      c.kill("SIGKILL");
    });
  };
  await launch();
  return {
    port,
    kill,
    restart: launch,
    get alive() {
      const c = child as ChildProcess | null;
      return c !== null && c.exitCode === null && c.signalCode === null;
    },
  };
}

async function waitForPing(port: number, what: string): Promise<void> {
  const deadline = Date.now() + 10_000;
  for (;;) {
    const probe = new Redis({ port, host: "127.0.0.1", lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
    probe.on("error", () => undefined);
    try {
      await probe.connect();
      if ((await probe.ping()) === "PONG") return;
    } catch {
      if (Date.now() > deadline) throw new Error(`${what} did not answer on port ${port}`);
      await new Promise((r) => setTimeout(r, 50));
    } finally {
      probe.disconnect();
    }
  }
}

/** Runs one command on `port` with a short-lived connection. */
export async function redisCommand(port: number, command: string, ...args: Array<string | number>): Promise<unknown> {
  const conn = new Redis({ port, host: "127.0.0.1", lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
  conn.on("error", () => undefined);
  try {
    await conn.connect();
    return await conn.call(command, ...args);
  } finally {
    conn.disconnect();
  }
}

/** Polls `check` every 100 ms until it holds; throws `message` after `ms`. */
async function until(check: () => Promise<boolean>, ms: number, message: string): Promise<void> {
  const deadline = Date.now() + ms;
  for (;;) {
    if (await check().catch(() => false)) return;
    if (Date.now() > deadline) throw new Error(message);
    await new Promise((r) => setTimeout(r, 100));
  }
}

const SERVER_ARGS = ["--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--protected-mode", "yes"];

/** A Sentinel-managed primary with one replica and three sentinels (quorum 2). */
export interface SentinelSet {
  /** `REDIS_SENTINELS`: the sentinels' `127.0.0.1:port` list. */
  sentinels: string;
  /** `REDIS_SENTINEL_NAME`: the monitored master's name. */
  name: string;
  /** The data servers, the first started as primary. */
  servers: RedisNodeProcess[];
  sentinelProcesses: RedisNodeProcess[];
  /** The port the sentinels currently name as primary. */
  primaryPort(): Promise<number>;
  /** SIGKILLs the current primary; resolves with its port once the process is gone. */
  killPrimary(): Promise<number>;
  /** Waits until the sentinels name a primary other than `port` (after a failover). */
  awaitFailover(port: number, ms?: number): Promise<number>;
  stop(): Promise<void>;
}

/**
 * Starts a primary, a replica of it and three `redis-sentinel`s monitoring it as `mymaster`
 * (quorum 2, `down-after-milliseconds` 1000, `failover-timeout` 3000), and waits until the
 * sentinels see the replica and each other, so a failover can happen at once.
 */
export async function startSentinel(bins: { server: string; sentinel: string } = { server: "redis-server", sentinel: "redis-sentinel" }): Promise<SentinelSet> {
  const dir = mkdtempSync(join(tmpdir(), "sb-sentinel-"));
  const name = "mymaster";
  const servers: RedisNodeProcess[] = [];
  const sentinelProcesses: RedisNodeProcess[] = [];
  const stop = async (): Promise<void> => {
    await Promise.all([...sentinelProcesses, ...servers].map((p) => p.kill()));
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    const primary = await freePort();
    servers.push(await redisProcess(bins.server, ["--port", String(primary), ...SERVER_ARGS], primary));
    const replica = await freePort();
    servers.push(await redisProcess(bins.server, ["--port", String(replica), ...SERVER_ARGS, "--replicaof", "127.0.0.1", String(primary)], replica));
    for (let i = 0; i < 3; i++) {
      const port = await freePort();
      const conf = join(dir, `sentinel-${port}.conf`);
      // Sentinels rewrite their own file (what they learned), so each has its own.
      writeFileSync(
        conf,
        [
          `port ${port}`,
          "bind 127.0.0.1",
          `dir ${dir}`,
          `sentinel monitor ${name} 127.0.0.1 ${primary} 2`,
          `sentinel down-after-milliseconds ${name} 1000`,
          `sentinel failover-timeout ${name} 3000`,
          `sentinel parallel-syncs ${name} 1`,
          "",
        ].join("\n"),
      );
      sentinelProcesses.push(await redisProcess(bins.sentinel, [conf], port));
    }
    // Ready for a failover once every sentinel knows the replica and the two other sentinels.
    await until(
      async () => {
        for (const s of sentinelProcesses) {
          const master = (await redisCommand(s.port, "SENTINEL", "MASTER", name)) as string[];
          const field = (key: string): string => master[master.indexOf(key) + 1] ?? "";
          if (field("num-slaves") !== "1" || field("num-other-sentinels") !== "2") return false;
        }
        const info = String(await redisCommand(replica, "INFO", "replication"));
        return info.includes("master_link_status:up");
      },
      20_000,
      "sentinels did not discover the replica and each other",
    );
  } catch (error) {
    await stop();
    throw error;
  }
  const primaryPort = async (): Promise<number> => {
    for (const s of sentinelProcesses) {
      if (!s.alive) continue;
      const addr = (await redisCommand(s.port, "SENTINEL", "GET-MASTER-ADDR-BY-NAME", name).catch(() => null)) as string[] | null;
      if (addr) return Number(addr[1]);
    }
    throw new Error("no sentinel answered");
  };
  return {
    sentinels: sentinelProcesses.map((s) => `127.0.0.1:${s.port}`).join(","),
    name,
    servers,
    sentinelProcesses,
    primaryPort,
    async killPrimary() {
      const port = await primaryPort();
      await servers.find((s) => s.port === port)!.kill();
      return port;
    },
    async awaitFailover(port, ms = 20_000) {
      let promoted = 0;
      await until(
        async () => {
          promoted = await primaryPort();
          if (promoted === port) return false;
          const role = (await redisCommand(promoted, "ROLE")) as unknown[];
          return role[0] === "master";
        },
        ms,
        `no failover away from port ${port} within ${ms} ms`,
      );
      return promoted;
    },
    stop,
  };
}

/** A Redis Cluster on loopback ports. */
export interface RedisClusterSet {
  /** `REDIS_CLUSTER`: every node's `127.0.0.1:port`. */
  seeds: string;
  nodes: RedisNodeProcess[];
  /** The port of the primary serving `key`'s slot now. */
  primaryFor(key: string): Promise<number>;
  /** SIGKILLs the primary serving `key`'s slot; resolves with its port once it is gone. */
  killPrimaryFor(key: string): Promise<number>;
  /** Waits until `key`'s slot is served by a primary other than `port` and the cluster is ok. */
  awaitFailover(key: string, port: number, ms?: number): Promise<number>;
  stop(): Promise<void>;
}

/**
 * Starts `primaries` cluster-enabled servers (plus `replicas` replicas of each), joins them
 * with `redis-cli --cluster create … --cluster-replicas <replicas> --cluster-yes`, and waits
 * until every node reports `cluster_state:ok` (and every replica is in sync).
 * `nodeTimeoutMs` is `cluster-node-timeout`: how long a primary may be silent before its
 * replica takes over.
 */
export async function startCluster(
  options: { primaries?: number; replicas?: number; nodeTimeoutMs?: number; server?: string; cli?: string } = {},
): Promise<RedisClusterSet> {
  const primaries = options.primaries ?? 3;
  const replicas = options.replicas ?? 0;
  const dir = mkdtempSync(join(tmpdir(), "sb-cluster-"));
  const nodes: RedisNodeProcess[] = [];
  const stop = async (): Promise<void> => {
    await Promise.all(nodes.map((p) => p.kill()));
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    for (let i = 0; i < primaries * (1 + replicas); i++) {
      const port = await freePort();
      const args = ["--port", String(port), ...SERVER_ARGS, "--dir", dir, "--cluster-enabled", "yes", "--cluster-config-file", `nodes-${port}.conf`];
      args.push("--cluster-node-timeout", String(options.nodeTimeoutMs ?? 2000));
      nodes.push(await redisProcess(options.server ?? "redis-server", args, port));
    }
    const create = spawnSync(
      options.cli ?? "redis-cli",
      ["--cluster", "create", ...nodes.map((n) => `127.0.0.1:${n.port}`), "--cluster-replicas", String(replicas), "--cluster-yes"],
      { encoding: "utf8", timeout: 30_000 },
    );
    if (create.status !== 0) throw new Error(`redis-cli --cluster create failed:\n${create.stdout}\n${create.stderr}`);
    await until(
      async () => {
        for (const n of nodes) {
          if (!String(await redisCommand(n.port, "CLUSTER", "INFO")).includes("cluster_state:ok")) return false;
          const info = String(await redisCommand(n.port, "INFO", "replication"));
          if (info.includes("role:slave") && !info.includes("master_link_status:up")) return false;
        }
        return true;
      },
      30_000,
      "cluster did not reach cluster_state:ok",
    );
  } catch (error) {
    await stop();
    throw error;
  }
  const primaryFor = async (key: string): Promise<number> => {
    for (const n of nodes) {
      if (!n.alive) continue;
      const slot = Number(await redisCommand(n.port, "CLUSTER", "KEYSLOT", key));
      const ranges = (await redisCommand(n.port, "CLUSTER", "SLOTS")) as Array<[number, number, [string, number, ...unknown[]], ...unknown[]]>;
      const range = ranges.find(([from, to]) => slot >= from && slot <= to);
      if (range) return Number(range[2][1]);
    }
    throw new Error(`no node serves the slot of ${key}`);
  };
  return {
    seeds: nodes.map((n) => `127.0.0.1:${n.port}`).join(","),
    nodes,
    primaryFor,
    async killPrimaryFor(key) {
      const port = await primaryFor(key);
      await nodes.find((n) => n.port === port)!.kill();
      return port;
    },
    async awaitFailover(key, port, ms = 20_000) {
      let promoted = 0;
      await until(
        async () => {
          const alive = nodes.filter((n) => n.alive);
          for (const n of alive) if (!String(await redisCommand(n.port, "CLUSTER", "INFO")).includes("cluster_state:ok")) return false;
          promoted = await primaryFor(key);
          return promoted !== port;
        },
        ms,
        `no failover of ${key}'s slot away from port ${port} within ${ms} ms`,
      );
      return promoted;
    },
    stop,
  };
}
