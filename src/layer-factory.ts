import type { Config } from "./config.js";
import { InMemoryChannelLayer, type ChannelLayer } from "./core/index.js";

/**
 * The channel layer the configuration asks for: in memory when `REDIS_URL` is unset.
 * The Redis layer is not built yet; asking for it fails loudly instead of silently
 * running a single-node layer.
 */
export function createLayer(config: Config): ChannelLayer {
  if (config.redisUrl) {
    throw new Error("REDIS_URL is set, but this version has no Redis channel layer yet; unset REDIS_URL to use the in-memory layer");
  }
  return new InMemoryChannelLayer();
}
