import type { Config } from "./config.js";
import { InMemoryChannelLayer, RedisChannelLayer, type ChannelLayer, type Logger } from "./core/index.js";

/**
 * The channel layer the configuration asks for: Redis when `REDIS_URL` is set (a comma
 * list shards over several hosts), otherwise in memory (one process only).
 */
export function createLayer(config: Config, logger?: Logger): ChannelLayer {
  if (config.redisUrl) {
    return new RedisChannelLayer({ hosts: config.redisUrl.split(",").map((u) => u.trim()), logger });
  }
  return new InMemoryChannelLayer();
}
