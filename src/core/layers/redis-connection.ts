import type { ConnectionOptions } from "node:tls";
import { Cluster, Redis, type RedisOptions } from "ioredis";

/** One Redis server or sentinel address. */
export interface RedisNode {
  host: string;
  port: number;
}

/**
 * Where Redis is, in one of the three forms ioredis supports:
 * - `{ url }`: one server (`redis://`, `rediss://` for TLS);
 * - `{ sentinels, name }`: the primary that these sentinels name `name`, followed across failovers;
 * - `{ cluster }`: a Redis Cluster, found through any of these seed nodes.
 *
 * @example
 * const target: RedisTarget = { sentinels: [{ host: "10.0.0.5", port: 26379 }], name: "mymaster" };
 */
export type RedisTarget = { url: string; tls?: ConnectionOptions } | { sentinels: RedisNode[]; name: string } | { cluster: RedisNode[] };

/** A connection to a {@link RedisTarget}: a plain client, or a Cluster client routing by key slot. */
export type RedisClient = Redis | Cluster;

/** The options {@link connectRedis} takes, whatever the target's form. */
export interface RedisClientOptions {
  /** Tries of a command before it fails (ioredis' `maxRetriesPerRequest`). */
  maxRetriesPerRequest?: number | null;
  /** Milliseconds before the next reconnect (or null to give up); `times` counts tries. */
  retryStrategy?: (times: number) => number | null;
  /** Queue commands while disconnected (ioredis' default) instead of failing them. */
  enableOfflineQueue?: boolean;
  connectTimeout?: number;
  /**
   * Milliseconds after which a blocking command (BLPOP) waiting in the offline queue fails
   * client-side; in flight, its own timeout plus 100 ms. Without it a blocking pop queued for
   * a server that died (a killed Cluster primary) waits forever.
   */
  blockingTimeout?: number;
  /**
   * Milliseconds added to a blocking command's own timeout before it fails client-side in
   * flight (ioredis' default 100). A reply that comes later is lost, so keep it well above
   * any event-loop stall.
   */
  blockingTimeoutGrace?: number;
  connectionName?: string;
  lazyConnect?: boolean;
}

/**
 * Connects to `target` with `options` mapped onto the form's own client: `new Redis(url)`,
 * `new Redis({ sentinels, name })`, or `new Cluster(seeds)`. The Cluster client follows
 * MOVED redirections and failovers itself (a dead node is dropped from its pool and the
 * slot map refreshed, so it is not reconnected to).
 */
export function connectRedis(target: RedisTarget, options: RedisClientOptions = {}): RedisClient {
  if ("cluster" in target) {
    const { retryStrategy, enableOfflineQueue, lazyConnect, ...redisOptions } = options;
    return new Cluster(target.cluster, {
      ...(retryStrategy ? { clusterRetryStrategy: retryStrategy } : {}),
      ...(enableOfflineQueue === undefined ? {} : { enableOfflineQueue }),
      ...(lazyConnect === undefined ? {} : { lazyConnect }),
      redisOptions,
    });
  }
  const redisOptions: RedisOptions = { ...options };
  if ("sentinels" in target) {
    // A sentinel-initiated failover leaves the old primary up as a replica: its READONLY
    // answer means "ask the sentinels again", which a reconnect does.
    const reconnectOnError = (error: Error): boolean => error.message.startsWith("READONLY");
    return new Redis({ ...redisOptions, sentinels: target.sentinels, name: target.name, reconnectOnError });
  }
  return new Redis(target.url, { ...redisOptions, ...(target.url.startsWith("rediss:") && target.tls ? { tls: target.tls } : {}) });
}

/**
 * Another connection to the same place as `client`, with `override` on top of its options:
 * blocking pops need one of their own.
 */
export function duplicateRedis(client: RedisClient, override: RedisClientOptions = {}): RedisClient {
  if (client instanceof Cluster) {
    const { retryStrategy, enableOfflineQueue, lazyConnect, ...redisOptions } = override;
    return client.duplicate([], {
      ...(retryStrategy ? { clusterRetryStrategy: retryStrategy } : {}),
      ...(enableOfflineQueue === undefined ? {} : { enableOfflineQueue }),
      ...(lazyConnect === undefined ? {} : { lazyConnect }),
      redisOptions: { ...client.options.redisOptions, ...redisOptions },
    });
  }
  return new Redis({ ...client.options, ...override });
}

/** Whether `client` talks to a Redis Cluster (keys of one script must then share a hash slot). */
export function isCluster(client: RedisClient): client is Cluster {
  return client instanceof Cluster;
}

/**
 * Parses `host:port,host:port,…` (as `REDIS_SENTINELS` and `REDIS_CLUSTER` give them).
 * Throws `TypeError` naming the first entry that is not `host:port`.
 *
 * @example
 * parseRedisNodes("10.0.0.5:26379, 10.0.0.6:26379") // [{ host: "10.0.0.5", port: 26379 }, …]
 */
export function parseRedisNodes(list: string): RedisNode[] {
  const nodes: RedisNode[] = [];
  for (const raw of list.split(",")) {
    const entry = raw.trim();
    if (!entry) continue;
    // `[::1]:26379` for IPv6, otherwise `host:port`.
    const match = /^(?:\[([0-9A-Fa-f:.]+)\]|([A-Za-z0-9._-]+)):(\d{1,5})$/.exec(entry);
    const port = Number(match?.[3]);
    if (!match || port < 1 || port > 65535) throw new TypeError(`${JSON.stringify(entry)} is not host:port`);
    nodes.push({ host: match[1] ?? match[2]!, port });
  }
  return nodes;
}

/**
 * The Redis targets a layer's options name: one per sharded host (default
 * `redis://127.0.0.1:6379/0`), or the one Sentinel set or Cluster. Throws `TypeError` when
 * more than one form is given or one is empty or malformed.
 */
export function redisTargets(options: { hosts?: string[]; sentinel?: { sentinels: RedisNode[]; name: string }; cluster?: RedisNode[] }): RedisTarget[] {
  const forms = [options.hosts, options.sentinel, options.cluster].filter((f) => f !== undefined).length;
  if (forms > 1) throw new TypeError("give one of hosts, sentinel, cluster");
  if (options.sentinel) {
    const { sentinels, name } = options.sentinel;
    if (sentinels.length === 0 || !name) throw new TypeError("sentinel needs at least one sentinel and the primary's name");
    return [{ sentinels, name }];
  }
  if (options.cluster) {
    if (options.cluster.length === 0) throw new TypeError("cluster must name at least one seed node");
    return [{ cluster: options.cluster }];
  }
  const hosts = options.hosts ?? ["redis://127.0.0.1:6379/0"];
  if (hosts.length === 0) throw new TypeError("hosts must name at least one Redis URL");
  for (const url of hosts) {
    if (!/^rediss?:\/\//.test(url)) throw new TypeError(`Redis host must be a redis:// or rediss:// URL: ${url}`);
  }
  return hosts.map((url) => ({ url }));
}
