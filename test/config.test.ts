import { mkdtempSync, readFileSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { ConfigError, loadConfig } from "../src/config.js";

function dir(): string {
  return mkdtempSync(join(tmpdir(), "sb-config-"));
}

describe("configuration", () => {
  it("has the documented defaults", () => {
    const dataDir = dir();
    const config = loadConfig({ DATA_DIR: dataDir });
    expect(config).toMatchObject({
      host: "127.0.0.1",
      port: 8000,
      dataDir,
      databaseUrl: `sqlite:${join(dataDir, "switchboard.sqlite")}`,
      redisUrls: [],
      allowedOrigins: [],
      logLevel: "info",
    });
  });

  it("generates SECRET_KEY once, keeps it in DATA_DIR with mode 0600, and reuses it", () => {
    const dataDir = dir();
    const first = loadConfig({ DATA_DIR: dataDir }).secretKey;
    expect(first.length).toBeGreaterThanOrEqual(32);
    expect(readFileSync(join(dataDir, "secret_key"), "utf8").trim()).toBe(first);
    expect(statSync(join(dataDir, "secret_key")).mode & 0o777).toBe(0o600);
    expect(loadConfig({ DATA_DIR: dataDir }).secretKey).toBe(first);
  });

  it("parses ALLOWED_ORIGINS as a comma list", () => {
    const config = loadConfig({ DATA_DIR: dir(), ALLOWED_ORIGINS: "https://a.example, b.example:8080 ,*.c.example" });
    expect(config.allowedOrigins).toEqual(["https://a.example", "b.example:8080", "*.c.example"]);
  });

  it("reads the socket limits", () => {
    const config = loadConfig({ DATA_DIR: dir(), WS_RATE_LIMIT: "0", WS_MAX_FRAME: "2048", WS_HANDSHAKE_TIMEOUT: "3", WS_MAX_BUFFERED: "4096", WS_MAX_GROUPS: "5", WS_PING_INTERVAL: "0", TRUSTED_PROXIES: "10.0.0.0/8" });
    expect(config.limits).toMatchObject({ rateLimit: null, maxBufferedBytes: 4096, maxGroupsPerConnection: 5, pingIntervalMs: 0 });
    expect(config).toMatchObject({ maxFrameBytes: 2048, handshakeTimeoutMs: 3000, trustedProxies: ["10.0.0.0/8"] });
    let message = "";
    try {
      loadConfig({ DATA_DIR: dir(), WS_RATE_LIMIT: "lots", WS_MAX_FRAME: "12", TRUSTED_PROXIES: "nope" });
    } catch (error) {
      message = (error as Error).message;
    }
    for (const name of ["WS_RATE_LIMIT", "WS_MAX_FRAME", "TRUSTED_PROXIES"]) expect(message).toContain(name);
  });

  it("names every bad variable in one clear error", () => {
    let error: unknown;
    try {
      loadConfig({ DATA_DIR: dir(), PORT: "99999", LOG_LEVEL: "loud", DATABASE_URL: "mysql://x", REDIS_URL: "http://x", SECRET_KEY: "short" });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const message = (error as Error).message;
    for (const name of ["PORT", "LOG_LEVEL", "DATABASE_URL", "REDIS_URL", "SECRET_KEY"]) expect(message).toContain(name);
  });

  it("reads the metrics exposure and GraphQL introspection (off by default in production)", () => {
    expect(loadConfig({ DATA_DIR: dir() })).toMatchObject({ metricsToken: null, metricsHost: "127.0.0.1", metricsPort: null, graphqlIntrospection: true });
    expect(loadConfig({ DATA_DIR: dir(), NODE_ENV: "production" }).graphqlIntrospection).toBe(false);
    expect(loadConfig({ DATA_DIR: dir(), NODE_ENV: "production", GRAPHQL_INTROSPECTION: "1" }).graphqlIntrospection).toBe(true);
    expect(loadConfig({ DATA_DIR: dir(), GRAPHQL_INTROSPECTION: "0" }).graphqlIntrospection).toBe(false);
    expect(loadConfig({ DATA_DIR: dir(), METRICS_TOKEN: "0123456789abcdef", METRICS_HOST: "::1", METRICS_PORT: "9100" })).toMatchObject({
      metricsToken: "0123456789abcdef",
      metricsHost: "::1",
      metricsPort: 9100,
    });
    const problems = (env: Record<string, string>): string[] => {
      try {
        loadConfig({ DATA_DIR: dir(), ...env });
        return [];
      } catch (error) {
        return (error as ConfigError).problems;
      }
    };
    expect(problems({ METRICS_TOKEN: "short" })).toEqual([expect.stringMatching(/^METRICS_TOKEN must be at least 16/)]);
    expect(problems({ METRICS_TOKEN: "sixteen chars but spaces" })).toEqual([expect.stringMatching(/^METRICS_TOKEN/)]);
    expect(problems({ METRICS_PORT: "70000" })).toEqual([expect.stringMatching(/^METRICS_PORT must be a whole number/)]);
    expect(problems({ METRICS_HOST: "127.0.0.1" })).toEqual(["METRICS_HOST needs METRICS_PORT (the metrics listener's port)"]);
    expect(problems({ PORT: "9100", METRICS_PORT: "9100" })).toEqual([expect.stringMatching(/^METRICS_PORT must differ from PORT/)]);
    expect(problems({ GRAPHQL_INTROSPECTION: "yes" })).toEqual(['GRAPHQL_INTROSPECTION must be 0 or 1 (got "yes")']);
  });
});
