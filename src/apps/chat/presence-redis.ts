import { Redis } from "ioredis";
import type { Logger } from "../../core/index.js";
import type { PresenceMember, PresenceStore } from "./presence-store.js";

/** Removes lapsed members of one room atomically and returns them (so one node announces each). */
const SWEEP = `
local ids = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', ARGV[1])
local out = {}
for _, id in ipairs(ids) do
  redis.call('ZREM', KEYS[1], id)
  local m = redis.call('HGET', KEYS[2], id)
  redis.call('HDEL', KEYS[2], id)
  if m then out[#out + 1] = m end
end
if redis.call('ZCARD', KEYS[1]) == 0 then redis.call('SREM', KEYS[3], ARGV[2]) end
return out
`;

/** Removes one member; 1 when it was there. */
const LEAVE = `
local had = redis.call('ZREM', KEYS[1], ARGV[1])
redis.call('HDEL', KEYS[2], ARGV[1])
return had
`;

interface ScriptedRedis extends Redis {
  sbPresenceSweep(seen: string, members: string, rooms: string, cutoff: number, room: string): Promise<string[]>;
  sbPresenceLeave(seen: string, members: string, id: string): Promise<number>;
}

/**
 * Presence in Redis: per room a hash of members and a sorted set of their last heartbeat.
 * Each node refreshes its members' heartbeats; members not refreshed for `ttlMs` are
 * invisible at once and removed by the next sweep of any node.
 */
export class RedisPresenceStore implements PresenceStore {
  readonly #redis: ScriptedRedis;
  readonly #prefix: string;
  readonly #ttlMs: number;

  constructor(url: string, options: { prefix?: string; ttlMs?: number; logger?: Logger } = {}) {
    this.#prefix = `${options.prefix ?? "switchboard"}:presence`;
    this.#ttlMs = options.ttlMs ?? 20_000;
    this.#redis = new Redis(url, { maxRetriesPerRequest: 1, retryStrategy: (n) => Math.min(100 * 2 ** n, 5000) }) as ScriptedRedis;
    this.#redis.on("error", () => undefined); // the channel layer reports Redis outages, once
    this.#redis.defineCommand("sbPresenceSweep", { numberOfKeys: 3, lua: SWEEP });
    this.#redis.defineCommand("sbPresenceLeave", { numberOfKeys: 2, lua: LEAVE });
  }

  async join(room: string, member: PresenceMember): Promise<void> {
    await this.#redis
      .multi()
      .hset(this.#members(room), member.id, JSON.stringify(member))
      .zadd(this.#seen(room), Date.now(), member.id)
      .sadd(`${this.#prefix}:rooms`, room)
      .exec();
  }

  async leave(room: string, id: string): Promise<boolean> {
    return (await this.#redis.sbPresenceLeave(this.#seen(room), this.#members(room), id)) === 1;
  }

  async members(room: string): Promise<PresenceMember[]> {
    const ids = await this.#redis.zrangebyscore(this.#seen(room), Date.now() - this.#ttlMs, "+inf");
    if (ids.length === 0) return [];
    const raw = await this.#redis.hmget(this.#members(room), ...ids);
    return raw.filter((m): m is string => m !== null).map((m) => JSON.parse(m) as PresenceMember);
  }

  async touch(entries: Iterable<[string, string]>): Promise<void> {
    const now = Date.now();
    const pipeline = this.#redis.pipeline();
    let n = 0;
    for (const [room, id] of entries) {
      pipeline.zadd(this.#seen(room), "XX", now, id);
      n++;
    }
    if (n > 0) await pipeline.exec();
  }

  async sweep(): Promise<Array<{ room: string; member: PresenceMember }>> {
    const rooms = await this.#redis.smembers(`${this.#prefix}:rooms`);
    const cutoff = Date.now() - this.#ttlMs;
    const out: Array<{ room: string; member: PresenceMember }> = [];
    for (const room of rooms) {
      const gone = await this.#redis.sbPresenceSweep(this.#seen(room), this.#members(room), `${this.#prefix}:rooms`, cutoff, room);
      for (const m of gone) out.push({ room, member: JSON.parse(m) as PresenceMember });
    }
    return out;
  }

  async close(): Promise<void> {
    try {
      await this.#redis.quit();
    } catch {
      this.#redis.disconnect();
    }
  }

  #members(room: string): string {
    return `${this.#prefix}:${room}:m`;
  }

  #seen(room: string): string {
    return `${this.#prefix}:${room}:t`;
  }
}
