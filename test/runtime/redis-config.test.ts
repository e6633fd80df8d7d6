import { execFile } from "node:child_process";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";
import { ConfigError, loadConfig } from "../../src/config.js";
import { RedisChannelLayer, parseRedisNodes } from "../../src/core/index.js";
import { hasRedis, sharedRedis } from "../../src/runtime/layer.js";

const dir = (): string => mkdtempSync(join(tmpdir(), "sb-redis-config-"));

function problems(env: Record<string, string>): string {
  try {
    loadConfig({ DATA_DIR: dir(), ...env });
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return (error as Error).message;
  }
  throw new Error("the configuration was accepted");
}

describe("Redis configuration: REDIS_URL, REDIS_SENTINELS + REDIS_SENTINEL_NAME, REDIS_CLUSTER", () => {
  it("reads a Sentinel-managed primary", () => {
    const config = loadConfig({ DATA_DIR: dir(), REDIS_SENTINELS: "10.0.0.5:26379, sentinel-b:26380,[::1]:26381", REDIS_SENTINEL_NAME: "mymaster" });
    expect(config.redisSentinels).toEqual([
      { host: "10.0.0.5", port: 26379 },
      { host: "sentinel-b", port: 26380 },
      { host: "::1", port: 26381 },
    ]);
    expect(config.redisSentinelName).toBe("mymaster");
    expect(sharedRedis(config)).toEqual({ sentinels: config.redisSentinels, name: "mymaster" });
    expect(hasRedis(config)).toBe(true);
  });

  it("reads a Cluster's seed nodes", () => {
    const config = loadConfig({ DATA_DIR: dir(), REDIS_CLUSTER: "127.0.0.1:7000,127.0.0.1:7001" });
    expect(config.redisCluster).toEqual([
      { host: "127.0.0.1", port: 7000 },
      { host: "127.0.0.1", port: 7001 },
    ]);
    expect(sharedRedis(config)).toEqual({ cluster: config.redisCluster });
  });

  it("keeps several REDIS_URLs (a sharded layer); shared state uses the first", () => {
    const config = loadConfig({ DATA_DIR: dir(), REDIS_URL: "redis://a:6379/0,redis://b:6379/0" });
    expect(config.redisUrls).toEqual(["redis://a:6379/0", "redis://b:6379/0"]);
    expect(sharedRedis(config)).toEqual({ url: "redis://a:6379/0" });
    expect(sharedRedis(loadConfig({ DATA_DIR: dir() }))).toBeNull();
  });

  it("refuses two of the three forms at once, naming them", () => {
    expect(problems({ REDIS_URL: "redis://a:6379/0", REDIS_CLUSTER: "a:7000" })).toContain("set one of REDIS_URL, REDIS_SENTINELS, REDIS_CLUSTER, not several (got REDIS_URL and REDIS_CLUSTER)");
    expect(problems({ REDIS_SENTINELS: "a:26379", REDIS_SENTINEL_NAME: "m", REDIS_CLUSTER: "a:7000" })).toContain("(got REDIS_SENTINELS and REDIS_CLUSTER)");
  });

  it("refuses sentinels without a name, a name without sentinels, and entries that are not host:port", () => {
    expect(problems({ REDIS_SENTINELS: "a:26379" })).toContain("REDIS_SENTINELS needs REDIS_SENTINEL_NAME");
    expect(problems({ REDIS_SENTINEL_NAME: "mymaster" })).toContain("REDIS_SENTINEL_NAME needs REDIS_SENTINELS");
    expect(problems({ REDIS_SENTINELS: "a:26379,b", REDIS_SENTINEL_NAME: "m" })).toContain('REDIS_SENTINELS must be host:port entries, comma-separated: "b" is not host:port');
    expect(problems({ REDIS_CLUSTER: "redis://a:7000" })).toContain('REDIS_CLUSTER must be host:port entries, comma-separated: "redis://a:7000" is not host:port');
    expect(problems({ REDIS_CLUSTER: "a:70000" })).toContain("is not host:port");
    expect(problems({ REDIS_SENTINELS: "a:1", REDIS_SENTINEL_NAME: "my master" })).toContain("REDIS_SENTINEL_NAME must be 1–100 visible ASCII characters");
  });

  it("parseRedisNodes skips empty entries and throws TypeError on a bad one", () => {
    expect(parseRedisNodes(" a:1 ,, b:2 ")).toEqual([
      { host: "a", port: 1 },
      { host: "b", port: 2 },
    ]);
    expect(() => parseRedisNodes("a:0")).toThrow(TypeError);
  });

  it("the layer refuses two forms, or an empty one, with a TypeError before it connects", () => {
    expect(() => new RedisChannelLayer({ hosts: ["redis://127.0.0.1:1/0"], cluster: [{ host: "127.0.0.1", port: 1 }] })).toThrow("give one of hosts, sentinel, cluster");
    expect(() => new RedisChannelLayer({ cluster: [] })).toThrow(TypeError);
    expect(() => new RedisChannelLayer({ sentinel: { sentinels: [{ host: "127.0.0.1", port: 1 }], name: "" } })).toThrow(TypeError);
  });

  it("serve exits 78 with the message", { timeout: 60_000 }, async () => {
    const main = join(import.meta.dirname, "../../src/cli/main.ts");
    const env = { ...process.env, LOG_LEVEL: "silent", DATA_DIR: dir(), REDIS_URL: "redis://127.0.0.1:1/0", REDIS_SENTINELS: "127.0.0.1:2", REDIS_SENTINEL_NAME: "" };
    const result = await promisify(execFile)(process.execPath, ["--import", "tsx", main, "serve"], { env }).then(
      () => ({ code: 0, stderr: "" }),
      (error: { code: number; stderr: string }) => error,
    );
    expect(result.code).toBe(78);
    expect(result.stderr).toContain("set one of REDIS_URL, REDIS_SENTINELS, REDIS_CLUSTER, not several (got REDIS_URL and REDIS_SENTINELS)");
    expect(result.stderr).toContain("REDIS_SENTINELS needs REDIS_SENTINEL_NAME");
  });
});
