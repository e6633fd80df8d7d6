import type { Config } from "../config.js";
import { InMemoryChannelLayer, RedisChannelLayer, type ChannelLayer, type Logger } from "../core/index.js";

/**
 * The channel layer the configuration asks for: Redis when `REDIS_URL` is set (several
 * URLs shard over several hosts), otherwise in memory (one process only).
 */
export function createLayer(config: Pick<Config, "redisUrls">, logger?: Logger): ChannelLayer {
  if (config.redisUrls.length > 0) return new RedisChannelLayer({ hosts: config.redisUrls, logger });
  return new InMemoryChannelLayer();
}

/** The Redis URL that cluster-wide state other than the layer (presence, beat's lock) uses, or null. */
export function primaryRedis(config: Pick<Config, "redisUrls">): string | null {
  return config.redisUrls[0] ?? null;
}
