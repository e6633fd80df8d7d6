import type { Config } from "../config.js";
import { InMemoryChannelLayer, RedisChannelLayer, type ChannelLayer, type Logger, type RedisTarget } from "../core/index.js";

/** The Redis part of the configuration: `REDIS_URL`, or `REDIS_SENTINELS` + `REDIS_SENTINEL_NAME`, or `REDIS_CLUSTER`. */
export type RedisConfig = Pick<Config, "redisUrls" | "redisSentinels" | "redisSentinelName" | "redisCluster">;

/**
 * The channel layer the configuration asks for: Redis when `REDIS_URL` (several URLs shard
 * over several hosts), `REDIS_SENTINELS` or `REDIS_CLUSTER` is set, otherwise in memory
 * (one process only).
 */
export function createLayer(config: RedisConfig, logger?: Logger): ChannelLayer {
  if (config.redisCluster.length > 0) return new RedisChannelLayer({ cluster: config.redisCluster, logger });
  if (config.redisSentinels.length > 0) return new RedisChannelLayer({ sentinel: { sentinels: config.redisSentinels, name: config.redisSentinelName! }, logger });
  if (config.redisUrls.length > 0) return new RedisChannelLayer({ hosts: config.redisUrls, logger });
  return new InMemoryChannelLayer();
}

/** Whether the configuration names a Redis in any form, so processes share one layer. */
export function hasRedis(config: RedisConfig): boolean {
  return sharedRedis(config) !== null;
}

/**
 * The Redis that cluster-wide state other than the layer uses (presence, beat's leader
 * lock, the sign-in throttle), or null: the first `REDIS_URL`, the Sentinel-managed primary,
 * or the Cluster. Connect to it with `connectRedis` (switchboard core); on a Cluster each
 * of its users' scripts keeps its keys in one hash slot.
 */
export function sharedRedis(config: RedisConfig): RedisTarget | null {
  if (config.redisCluster.length > 0) return { cluster: config.redisCluster };
  if (config.redisSentinels.length > 0) return { sentinels: config.redisSentinels, name: config.redisSentinelName! };
  const url = config.redisUrls[0];
  return url ? { url } : null;
}

