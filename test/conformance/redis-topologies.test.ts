import { afterAll, beforeAll, describe } from "vitest";
import type { LeaderElection } from "../../src/beat/leader.js";
import { RedisLeaderElection } from "../../src/beat/leader-redis.js";
import { RedisChannelLayer, parseRedisNodes, type ChannelLayer, type LayerOptions, type RedisLayerOptions, type RedisTarget } from "../../src/core/index.js";
import { findProgram } from "../helpers/programs.js";
import { startCluster, startSentinel, type RedisClusterSet, type SentinelSet } from "../helpers/redis.js";
import { describeChannelLayer, type LayerHarness } from "./layer-suite.js";
import { describeLeaderElection, type ElectionFactory } from "./leader-election-suite.js";

// The layer and leader-election suites on Sentinel and on Cluster; their single-server runs
// are test/core/layers/redis-layer.test.ts and ./leader-election.test.ts.
const server = findProgram("Redis layer conformance on Sentinel and Cluster", "redis-server", "redis-server");
const sentinel = findProgram("Redis layer conformance on Sentinel", "redis-sentinel", "redis-sentinel");
const cli = findProgram("Redis layer conformance on Cluster", "redis-cli", "redis-tools");

/** A harness of two layers (this process and a peer) on one Redis topology, a fresh prefix per test. */
function harness(where: () => Pick<RedisLayerOptions, "sentinel" | "cluster">, name: string): (options: LayerOptions) => Promise<LayerHarness> {
  let n = 0;
  return async (options) => {
    const prefix = `${name}${n++}`;
    const layer = new RedisChannelLayer({ ...options, ...where(), prefix });
    let peer: RedisChannelLayer | null = null;
    return {
      layer,
      advance: (ms) => new Promise((r) => setTimeout(r, ms)),
      peer: (): ChannelLayer => (peer ??= new RedisChannelLayer({ ...options, ...where(), prefix })),
      close: async () => {
        await layer.close();
        await peer?.close();
      },
    };
  };
}

/** Leader-election candidates on `target`, a fresh prefix per election. */
function elections(target: () => RedisTarget, name: string): ElectionFactory {
  let n = 0;
  return async ({ leaseMs }: { leaseMs: number }) => {
    const prefix = `${name}${n++}`;
    const made: LeaderElection[] = [];
    return {
      candidate: (): LeaderElection => {
        const c = new RedisLeaderElection({ target: target(), prefix, leaseMs });
        made.push(c);
        return c;
      },
      close: async () => {
        await Promise.all(made.map((c) => c.stop()));
      },
    };
  };
}

describe.skipIf(!server.available || !sentinel.available)("on Sentinel (primary, replica, three sentinels)", () => {
  let set: SentinelSet;
  beforeAll(async () => {
    set = await startSentinel({ server: server.path, sentinel: sentinel.path });
  }, 60_000);
  afterAll(async () => {
    await set?.stop();
  });
  const where = (): { sentinels: ReturnType<typeof parseRedisNodes>; name: string } => ({ sentinels: parseRedisNodes(set.sentinels), name: set.name });
  describeChannelLayer("RedisChannelLayer on Sentinel", harness(() => ({ sentinel: where() }), "sentinel"));
  describeLeaderElection("RedisLeaderElection on Sentinel", elections(where, "sentinel-leader"), { cluster: true });
});

describe.skipIf(!server.available || !cli.available)("on Cluster (three primaries)", () => {
  let cluster: RedisClusterSet;
  beforeAll(async () => {
    cluster = await startCluster({ primaries: 3, replicas: 0, server: server.path, cli: cli.path });
  }, 60_000);
  afterAll(async () => {
    await cluster?.stop();
  });
  describeChannelLayer("RedisChannelLayer on Cluster", harness(() => ({ cluster: parseRedisNodes(cluster.seeds) }), "cluster"));
  describeLeaderElection("RedisLeaderElection on Cluster", elections(() => ({ cluster: parseRedisNodes(cluster.seeds) }), "cluster-leader"), { cluster: true });
});
