import { randomBytes } from "node:crypto";
import { connectRedis, silentLogger, type Logger, type RedisClient, type RedisTarget } from "../core/index.js";
import type { LeaderElection } from "./leader.js";

/** Extends the lease only if we still hold it. */
const RENEW = `
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('PEXPIRE', KEYS[1], ARGV[2]) end
return 0
`;

/** Deletes the lock only if we still hold it. */
const RELEASE = `
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0
`;

type ScriptedRedis = RedisClient & {
  sbRenew(key: string, id: string, leaseMs: number): Promise<number>;
  sbRelease(key: string, id: string): Promise<number>;
};

/** Options of {@link RedisLeaderElection}: give `url` or `target`. */
export interface RedisLeaderOptions {
  url?: string;
  /** Where Redis is, in any form (one server, Sentinel, Cluster); the lock is one key, so any slot. */
  target?: RedisTarget;
  /** Key prefix (shared with the channel layer's). Default `switchboard`. */
  prefix?: string;
  /** Milliseconds a leader holds the lock without renewing. Default 3000. */
  leaseMs?: number;
  logger?: Logger;
}

/**
 * Leader election through a Redis lock with a lease: `SET key id NX PX lease`, renewed every
 * lease/3 by a compare-and-expire script, released on stop by compare-and-delete. Other
 * nodes try every lease/3, so when a leader dies another takes over within two leases.
 * A Redis error costs the leadership at once (better a missed tick than two leaders).
 */
export class RedisLeaderElection implements LeaderElection {
  readonly #redis: ScriptedRedis;
  readonly #key: string;
  readonly #id = randomBytes(8).toString("hex");
  readonly #leaseMs: number;
  readonly #logger: Logger;
  #leader = false;
  #timer: NodeJS.Timeout | undefined;
  #failing = false;
  #stopped = false;

  constructor(options: RedisLeaderOptions) {
    this.#key = `${options.prefix ?? "switchboard"}:beat:leader`;
    this.#leaseMs = options.leaseMs ?? 3000;
    if (!(this.#leaseMs >= 300)) throw new TypeError("leaseMs must be at least 300");
    this.#logger = options.logger ?? silentLogger;
    const target = options.target ?? (options.url ? { url: options.url } : null);
    if (!target) throw new TypeError("give url or target");
    this.#redis = connectRedis(target, { maxRetriesPerRequest: 1, retryStrategy: (n) => Math.min(100 * 2 ** n, 2000) }) as ScriptedRedis;
    this.#redis.on("error", () => undefined); // reported once by #campaign
    this.#redis.defineCommand("sbRenew", { numberOfKeys: 1, lua: RENEW });
    this.#redis.defineCommand("sbRelease", { numberOfKeys: 1, lua: RELEASE });
  }

  get isLeader(): boolean {
    return this.#leader;
  }

  async start(): Promise<void> {
    await this.#campaign();
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    clearTimeout(this.#timer);
    if (this.#leader) await this.#redis.sbRelease(this.#key, this.#id).catch(() => undefined);
    this.#leader = false;
    this.#redis.disconnect();
  }

  async #campaign(): Promise<void> {
    if (this.#stopped) return;
    try {
      const held = this.#leader
        ? (await this.#redis.sbRenew(this.#key, this.#id, this.#leaseMs)) === 1
        : (await this.#redis.set(this.#key, this.#id, "PX", this.#leaseMs, "NX")) === "OK";
      if (held !== this.#leader) this.#logger.info({ leader: held }, held ? "beat: this node is the leader" : "beat: leadership lost");
      this.#leader = held;
      this.#failing = false;
    } catch (error) {
      if (!this.#failing) this.#logger.warn({ err: error }, "beat: Redis unreachable; not firing until it returns");
      this.#failing = true;
      this.#leader = false;
    }
    if (this.#stopped) return;
    this.#timer = setTimeout(() => void this.#campaign(), Math.floor(this.#leaseMs / 3));
    this.#timer.unref();
  }
}
