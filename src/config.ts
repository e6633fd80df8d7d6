import { randomBytes } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { DEFAULT_LIMITS, SwitchboardError, defineErrors, parseRateLimit, parseRedisNodes, trustedProxies, type RedisNode, type SocketLimits } from "./core/index.js";
import { DEFAULT_PASSWORD_MIN_LENGTH, PASSWORD_MIN_LENGTH_CEILING, PASSWORD_MIN_LENGTH_FLOOR } from "./auth/passwords.js";
import { parseExternalTokenConfig, type ExternalTokenConfig } from "./auth/external-token-config.js";

/** The server's configuration, read from environment variables once at start. */
export interface Config {
  host: string;
  port: number;
  dataDir: string;
  /** `sqlite:<path>` (or `sqlite::memory:`), or `postgres://user:password@host:port/db`. */
  databaseUrl: string;
  /**
   * `REDIS_URL`, split once: one URL, or several to shard the channel layer over (presence
   * and beat's leader lock use the first). Empty (and no Sentinel or Cluster below): the
   * in-memory layer (one process only). At most one of `REDIS_URL`, `REDIS_SENTINELS`,
   * `REDIS_CLUSTER` is set.
   */
  redisUrls: string[];
  /** `REDIS_SENTINELS` (`host:port,…`): the sentinels of a Sentinel-managed primary; empty: none. */
  redisSentinels: RedisNode[];
  /** `REDIS_SENTINEL_NAME`: that primary's name at the sentinels; set exactly when `redisSentinels` is. */
  redisSentinelName: string | null;
  /** `REDIS_CLUSTER` (`host:port,…`): a Redis Cluster's seed nodes; empty: none. */
  redisCluster: RedisNode[];
  /** Allowed socket Origins; empty means the server's own host only. */
  allowedOrigins: string[];
  secretKey: string;
  logLevel: "fatal" | "error" | "warn" | "info" | "debug" | "trace" | "silent";
  /** Named channels whose workers run inside `serve` (`WORKERS=testing-print`). */
  workers: string[];
  /** Run the beat scheduler inside `serve` (`BEAT=0` turns it off). */
  beat: boolean;
  /** A schedule file (`BEAT_SCHEDULE`) added to the built-in one. */
  beatSchedule: string | null;
  /** Anonymous users may not chat (`CHAT_REQUIRE_LOGIN=1`). */
  chatRequireLogin: boolean;
  /** Seconds a JWT lives (`JWT_EXPIRES_IN`, default 300). */
  jwtExpiresIn: number;
  /** Shortest password a new account may have (`PASSWORD_MIN_LENGTH`, 8–128, default 8; NIST SP 800-63B). */
  passwordMinLength: number;
  /** Show internal error details in API answers (`DEBUG=1`; never in production). */
  debug: boolean;
  /** Proxies whose X-Forwarded-For / X-Real-IP / X-Forwarded-Proto are believed (`TRUSTED_PROXIES`, CIDRs). */
  trustedProxies: string[];
  /** Seconds a shutdown may take before the process exits anyway (`SHUTDOWN_TIMEOUT`, default 10). */
  shutdownTimeout: number;
  /** Largest accepted frame in bytes (`WS_MAX_FRAME`, default 65536); larger → close 1009. */
  maxFrameBytes: number;
  /**
   * Milliseconds (`WS_HANDSHAKE_TIMEOUT` in seconds, default 10) a request's headers may take
   * (HTTP too, from the connection's opening or the request's first byte), and then a socket
   * handshake; then 408.
   */
  handshakeTimeoutMs: number;
  /**
   * Socket limits (`WS_RATE_LIMIT`, `WS_MAX_BUFFERED`, `WS_MAX_CONNECTIONS_PER_IP`,
   * `WS_PING_INTERVAL`, `WS_MAX_GROUPS`, `WS_MAX_PENDING_HANDSHAKES`, `WS_RETRY_AFTER_MAX`).
   */
  limits: SocketLimits;
  /**
   * Connections the kernel may hold for the listener before the server accepts them
   * (`LISTEN_BACKLOG`, default 4096; Linux caps it at `net.core.somaxconn`). A connection
   * over it loses its SYN and waits a second or more for the client's retransmit.
   */
  listenBacklog: number;
  /** `METRICS_TOKEN` (≥ 16 characters): `/metrics` on the main port needs `Authorization: Bearer <it>`; null: 404 there. */
  metricsToken: string | null;
  /** `METRICS_HOST` (default `127.0.0.1`): the address of the separate metrics listener. */
  metricsHost: string;
  /** `METRICS_PORT`: a separate listener serving only `/metrics`, without a token; null: none. */
  metricsPort: number | null;
  /** GraphQL `__schema` / `__type` queries (`GRAPHQL_INTROSPECTION`; default on, off when `NODE_ENV=production`). */
  graphqlIntrospection: boolean;
  /** Tokens another service issues (`TOKEN_KEY` | `TOKEN_PUBLIC_KEY` | `TOKEN_JWKS_URL`, `TOKEN_*`); null: `/gps/connect` is off. */
  externalToken: ExternalTokenConfig | null;
}

/** The configuration's refusal: the process does not start (exit 78, sysexits' EX_CONFIG). */
export const CONFIG_ERRORS = defineErrors({
  SB_ERR_INVALID_CONFIG: { message: "invalid configuration", exitCode: 78 },
});

/** A configuration that cannot start the server; the message lists every problem. */
export class ConfigError extends SwitchboardError {
  constructor(readonly problems: string[]) {
    super("SB_ERR_INVALID_CONFIG", problems.join("; "));
    // One problem a line, as the CLI prints it.
    this.message = `invalid configuration:\n  - ${problems.join("\n  - ")}`;
    this.name = "ConfigError";
  }
}

const LOG_LEVELS = ["fatal", "error", "warn", "info", "debug", "trace", "silent"] as const;

/**
 * Reads and validates the configuration from `env`. Throws {@link ConfigError} naming each
 * bad variable. When `SECRET_KEY` is unset, a key is generated once and kept in
 * `DATA_DIR/secret_key` (created with mode 0600).
 */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const problems: string[] = [];
  const host = env.HOST?.trim() || "127.0.0.1";
  const port = parsePort(env.PORT, problems);
  const dataDir = resolve(env.DATA_DIR?.trim() || "./data");
  const databaseUrl = env.DATABASE_URL?.trim() || `sqlite:${join(dataDir, "switchboard.sqlite")}`;
  if (!/^(sqlite:.+|postgres(ql)?:\/\/\S+)$/.test(databaseUrl)) {
    problems.push(`DATABASE_URL must be sqlite:<path> or postgres://user:password@host:port/db (got ${JSON.stringify(databaseUrl.replace(/:[^:@/]*@/, ":***@"))})`);
  }
  const redisUrls = (env.REDIS_URL ?? "").split(",").map((u) => u.trim()).filter(Boolean);
  for (const url of redisUrls) {
    if (!/^rediss?:\/\/[^\s]+$/.test(url)) problems.push(`REDIS_URL must be redis:// or rediss:// URLs, comma-separated (got ${JSON.stringify(url)})`);
  }
  const redisNodes = (name: "REDIS_SENTINELS" | "REDIS_CLUSTER"): RedisNode[] => {
    try {
      return parseRedisNodes(env[name] ?? "");
    } catch (error) {
      problems.push(`${name} must be host:port entries, comma-separated: ${(error as Error).message}`);
      return [];
    }
  };
  const redisSentinels = redisNodes("REDIS_SENTINELS");
  const redisCluster = redisNodes("REDIS_CLUSTER");
  const redisSentinelName = env.REDIS_SENTINEL_NAME?.trim() || null;
  const redisForms = (["REDIS_URL", "REDIS_SENTINELS", "REDIS_CLUSTER"] as const).filter((name) => env[name]?.trim());
  if (redisForms.length > 1) problems.push(`set one of REDIS_URL, REDIS_SENTINELS, REDIS_CLUSTER, not several (got ${redisForms.join(" and ")})`);
  if (env.REDIS_SENTINELS?.trim() && !redisSentinelName) problems.push("REDIS_SENTINELS needs REDIS_SENTINEL_NAME (the primary's name in the sentinels' `sentinel monitor` line)");
  if (redisSentinelName && !env.REDIS_SENTINELS?.trim()) problems.push("REDIS_SENTINEL_NAME needs REDIS_SENTINELS (the sentinels' host:port list)");
  if (redisSentinelName && !/^[\x21-\x7e]{1,100}$/.test(redisSentinelName)) problems.push(`REDIS_SENTINEL_NAME must be 1–100 visible ASCII characters (got ${JSON.stringify(redisSentinelName)})`);
  const allowedOrigins = (env.ALLOWED_ORIGINS ?? "").split(",").map((o) => o.trim()).filter(Boolean);
  for (const origin of allowedOrigins) {
    if (origin !== "*" && !/^([a-z][a-z0-9+.-]*:\/\/)?(\*\.)?[A-Za-z0-9.-]+(:\d+)?$/.test(origin)) {
      problems.push(`ALLOWED_ORIGINS entry ${JSON.stringify(origin)} is not an origin, host or *.domain`);
    }
  }
  const logLevel = (env.LOG_LEVEL?.trim() || "info") as Config["logLevel"];
  if (!LOG_LEVELS.includes(logLevel)) problems.push(`LOG_LEVEL must be one of ${LOG_LEVELS.join(", ")} (got ${JSON.stringify(logLevel)})`);
  const workers = (env.WORKERS ?? "").split(",").map((w) => w.trim()).filter(Boolean);
  for (const w of workers) {
    if (!/^[A-Za-z0-9._-]{1,99}$/.test(w)) problems.push(`WORKERS entry ${JSON.stringify(w)} is not a channel name`);
  }
  const beatValue = env.BEAT?.trim() || "1";
  if (beatValue !== "0" && beatValue !== "1") problems.push(`BEAT must be 0 or 1 (got ${JSON.stringify(beatValue)})`);
  const beatSchedule = env.BEAT_SCHEDULE?.trim() || null;
  if (beatSchedule && !existsSync(beatSchedule)) problems.push(`BEAT_SCHEDULE names a file that does not exist: ${beatSchedule}`);
  const requireLogin = env.CHAT_REQUIRE_LOGIN?.trim() || "0";
  if (requireLogin !== "0" && requireLogin !== "1") problems.push(`CHAT_REQUIRE_LOGIN must be 0 or 1 (got ${JSON.stringify(requireLogin)})`);
  const jwtExpiresIn = Number(env.JWT_EXPIRES_IN?.trim() || "300");
  if (!Number.isInteger(jwtExpiresIn) || jwtExpiresIn < 10 || jwtExpiresIn > 86400) {
    problems.push(`JWT_EXPIRES_IN must be whole seconds, 10–86400 (got ${JSON.stringify(env.JWT_EXPIRES_IN)})`);
  }
  const limits: SocketLimits = { ...DEFAULT_LIMITS };
  if (env.WS_RATE_LIMIT !== undefined && env.WS_RATE_LIMIT.trim() !== "") {
    try {
      limits.rateLimit = parseRateLimit(env.WS_RATE_LIMIT);
    } catch (error) {
      problems.push(`WS_RATE_LIMIT: ${(error as Error).message}`);
    }
  }
  const whole = (name: string, min: number, max: number, set: (n: number) => void): void => {
    const raw = env[name]?.trim();
    if (!raw) return;
    const n = Number(raw);
    if (!Number.isInteger(n) || n < min || n > max) problems.push(`${name} must be a whole number ${min}–${max} (got ${JSON.stringify(raw)})`);
    else set(n);
  };
  whole("WS_MAX_BUFFERED", 1024, 1024 ** 3, (n) => (limits.maxBufferedBytes = n));
  whole("WS_MAX_CONNECTIONS_PER_IP", 1, 1_000_000, (n) => (limits.maxConnectionsPerIp = n));
  whole("WS_PING_INTERVAL", 0, 3600, (n) => (limits.pingIntervalMs = n * 1000));
  whole("WS_MAX_GROUPS", 1, 100_000, (n) => (limits.maxGroupsPerConnection = n));
  whole("WS_MAX_PENDING_HANDSHAKES", 1, 1_000_000, (n) => (limits.maxPendingHandshakes = n));
  whole("WS_RETRY_AFTER_MAX", 1, 3600, (n) => (limits.retryAfterMaxSeconds = n));
  // Node's default (511) drops SYNs when a reconnect wave lands faster than one turn of the
  // event loop accepts; the kernel holds queued connections for far less than a handshake costs.
  let listenBacklog = 4096;
  whole("LISTEN_BACKLOG", 1, 65535, (n) => (listenBacklog = n));
  let passwordMinLength = DEFAULT_PASSWORD_MIN_LENGTH;
  whole("PASSWORD_MIN_LENGTH", PASSWORD_MIN_LENGTH_FLOOR, PASSWORD_MIN_LENGTH_CEILING, (n) => (passwordMinLength = n));
  const proxies = (env.TRUSTED_PROXIES ?? "").split(",").map((p) => p.trim()).filter(Boolean);
  try {
    trustedProxies(proxies);
  } catch (error) {
    problems.push(`TRUSTED_PROXIES: ${(error as Error).message}`);
  }
  let maxFrameBytes = 64 * 1024;
  whole("WS_MAX_FRAME", 1024, 16 * 1024 * 1024, (n) => (maxFrameBytes = n));
  let handshakeTimeoutMs = 10_000;
  whole("WS_HANDSHAKE_TIMEOUT", 1, 120, (n) => (handshakeTimeoutMs = n * 1000));
  let shutdownTimeout = 10;
  whole("SHUTDOWN_TIMEOUT", 1, 600, (n) => (shutdownTimeout = n));
  const secretKey = env.SECRET_KEY ?? "";
  if (env.SECRET_KEY !== undefined && secretKey.length < 32) problems.push("SECRET_KEY must be at least 32 characters");
  // The token travels in a header: visible ASCII only, and long enough not to be guessed.
  const metricsToken = env.METRICS_TOKEN?.trim() || null;
  if (metricsToken !== null && !/^[\x21-\x7e]{16,}$/.test(metricsToken)) problems.push("METRICS_TOKEN must be at least 16 visible ASCII characters, without spaces");
  const metricsHost = env.METRICS_HOST?.trim() || "127.0.0.1";
  let metricsPort = null as number | null;
  whole("METRICS_PORT", 0, 65535, (n) => (metricsPort = n));
  if (env.METRICS_HOST?.trim() && metricsPort === null) problems.push("METRICS_HOST needs METRICS_PORT (the metrics listener's port)");
  if (metricsPort !== null && metricsPort !== 0 && metricsPort === port && metricsHost === host) problems.push(`METRICS_PORT must differ from PORT on the same host (both ${port})`);
  const introspection = env.GRAPHQL_INTROSPECTION?.trim() || (env.NODE_ENV?.trim() === "production" ? "0" : "1");
  if (introspection !== "0" && introspection !== "1") problems.push(`GRAPHQL_INTROSPECTION must be 0 or 1 (got ${JSON.stringify(introspection)})`);
  const externalToken = parseExternalTokenConfig(
    { key: env.TOKEN_KEY, publicKey: env.TOKEN_PUBLIC_KEY, jwksUrl: env.TOKEN_JWKS_URL, algorithms: env.TOKEN_ALGORITHMS, claims: env.TOKEN_CLAIMS, issuer: env.TOKEN_ISSUER, audience: env.TOKEN_AUDIENCE },
    problems,
  );
  if (problems.length > 0) throw new ConfigError(problems);
  return {
    host,
    port,
    dataDir,
    databaseUrl,
    redisUrls,
    redisSentinels,
    redisSentinelName: redisSentinels.length > 0 ? redisSentinelName : null,
    redisCluster,
    allowedOrigins,
    secretKey: secretKey || storedSecretKey(dataDir),
    logLevel,
    workers,
    beat: beatValue === "1",
    beatSchedule,
    chatRequireLogin: requireLogin === "1",
    jwtExpiresIn,
    passwordMinLength,
    debug: env.DEBUG === "1",
    limits,
    listenBacklog,
    trustedProxies: proxies,
    maxFrameBytes,
    handshakeTimeoutMs,
    shutdownTimeout,
    metricsToken,
    metricsHost,
    metricsPort,
    graphqlIntrospection: introspection === "1",
    externalToken,
  };
}

function parsePort(value: string | undefined, problems: string[]): number {
  if (value === undefined || value.trim() === "") return 8000;
  const port = Number(value);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    problems.push(`PORT must be an integer 0–65535 (got ${JSON.stringify(value)})`);
    return 0;
  }
  return port;
}

/** The key kept in `dataDir/secret_key`, generated on first use. */
function storedSecretKey(dataDir: string): string {
  const file = join(dataDir, "secret_key");
  if (existsSync(file)) return readFileSync(file, "utf8").trim();
  mkdirSync(dataDir, { recursive: true });
  const key = randomBytes(32).toString("base64url");
  try {
    writeFileSync(file, key + "\n", { mode: 0o600, flag: "wx" });
  } catch (error) {
    // Another process (a second node on the same DATA_DIR) wrote it first: use theirs.
    if ((error as NodeJS.ErrnoException).code === "EEXIST") return readFileSync(file, "utf8").trim();
    throw error;
  }
  return key;
}

