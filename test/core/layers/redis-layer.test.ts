import { afterAll, beforeAll } from "vitest";
import { RedisChannelLayer } from "../../../src/core/index.js";
import { describeChannelLayer } from "../../conformance/layer-suite.js";
import { findProgram } from "../../helpers/programs.js";
import { startRedis, type RedisServer } from "../../helpers/redis.js";

const redisBin = findProgram("Redis layer conformance", "redis-server", "redis-server");

if (redisBin.available) {
  let redis: RedisServer;
  let n = 0;
  beforeAll(async () => {
    redis = await startRedis(redisBin.path);
  });
  afterAll(async () => {
    await redis?.stop();
  });
  describeChannelLayer("RedisChannelLayer", async (options) => {
    // A fresh key prefix per test: tests never see each other's keys.
    const layer = new RedisChannelLayer({ ...options, hosts: [redis.url], prefix: `conf${n++}` });
    return {
      layer,
      advance: (ms) => new Promise((r) => setTimeout(r, ms)),
      close: () => layer.close(),
    };
  });
}
