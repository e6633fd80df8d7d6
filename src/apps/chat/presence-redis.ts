import { connectRedis, isCluster, type Logger, type RedisClient, type RedisTarget } from "../../core/index.js";
import type { PresenceMember, PresenceStore } from "./presence-store.js";

/**
 * Removes lapsed members of one room atomically and returns them (so one node announces
 * each), after a first element: 1 when the room is now empty. Its two keys share the room's
 * hash tag; the set of rooms lives in another slot, so the caller updates it.
 */
const SWEEP = `
local ids = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', ARGV[1])
local out = {0}
for _, id in ipairs(ids) do
  redis.call('ZREM', KEYS[1], id)
  local m = redis.call('HGET', KEYS[2], id)
  redis.call('HDEL', KEYS[2], id)
  if m then out[#out + 1] = m end
end
if redis.call('ZCARD', KEYS[1]) == 0 then out[1] = 1 end
return out
`;

/** Removes one member; 1 when it was there. */
const LEAVE = `
local had = redis.call('ZREM', KEYS[1], ARGV[1])
redis.call('HDEL', KEYS[2], ARGV[1])
return had
`;

type ScriptedRedis = RedisClient & {
  sbPresenceSweep(seen: string, members: string, cutoff: number): Promise<[number, ...string[]]>;
  sbPresenceLeave(seen: string, members: string, id: string): Promise<number>;
};

/** Members refreshed by one `ZADD` of a heartbeat. */
const TOUCH_BATCH = 500;

/**
 * Presence in Redis: per room a hash of members and a sorted set of their last heartbeat.
 * Each node refreshes its members' heartbeats; members not refreshed for `ttlMs` are
 * invisible at once and removed by the next sweep of any node.
 *
 * Keys: `<prefix>:presence:{<room>}:m` and `:t` (one hash tag per room, so a room's two keys
 * share a Redis Cluster slot and its scripts run there), and `<prefix>:presence:rooms`.
 */
export class RedisPresenceStore implements PresenceStore {
  readonly #redis: ScriptedRedis;
  readonly #prefix: string;
  readonly #ttlMs: number;

  constructor(redis: string | RedisTarget, options: { prefix?: string; ttlMs?: number; logger?: Logger } = {}) {
    this.#prefix = `${options.prefix ?? "switchboard"}:presence`;
    this.#ttlMs = options.ttlMs ?? 20_000;
    const target = typeof redis === "string" ? { url: redis } : redis;
    this.#redis = connectRedis(target, { maxRetriesPerRequest: 1, retryStrategy: (n) => Math.min(100 * 2 ** n, 5000) }) as ScriptedRedis;
    this.#redis.on("error", () => undefined); // the channel layer reports Redis outages, once
    this.#redis.defineCommand("sbPresenceSweep", { numberOfKeys: 2, lua: SWEEP });
    this.#redis.defineCommand("sbPresenceLeave", { numberOfKeys: 2, lua: LEAVE });
  }

  async join(room: string, member: PresenceMember): Promise<void> {
    // One transaction per slot: the room's two keys together, the set of rooms apart.
    await this.#redis.multi().hset(this.#members(room), member.id, JSON.stringify(member)).zadd(this.#seen(room), Date.now(), member.id).exec();
    await this.#redis.sadd(this.#rooms(), room);
  }

  async leave(room: string, id: string): Promise<boolean> {
    return (await this.#redis.sbPresenceLeave(this.#seen(room), this.#members(room), id)) === 1;
  }

  async members(room: string, limit?: number): Promise<PresenceMember[]> {
    const cutoff = Date.now() - this.#ttlMs;
    // With a limit: O(log n + limit) on the sorted set, whatever the room's size.
    const ids =
      limit === undefined
        ? await this.#redis.zrangebyscore(this.#seen(room), cutoff, "+inf")
        : limit > 0
          ? await this.#redis.zrangebyscore(this.#seen(room), cutoff, "+inf", "LIMIT", 0, limit)
          : [];
    if (ids.length === 0) return [];
    const raw = await this.#redis.hmget(this.#members(room), ...ids);
    return raw.filter((m): m is string => m !== null).map((m) => JSON.parse(m) as PresenceMember);
  }

  /** HLEN: O(1). Counts a lapsed member until a sweep removes it (at most one heartbeat interval). */
  async count(room: string): Promise<number> {
    return this.#redis.hlen(this.#members(room));
  }

  /**
   * One `ZADD XX` per room (per 500 members of it), not one per member: at 18,000 sockets a
   * command each cost this process a 150 ms collection and a stall every heartbeat.
   */
  async touch(entries: Iterable<[string, string]>): Promise<void> {
    const now = Date.now();
    const byRoom = new Map<string, string[]>();
    for (const [room, id] of entries) {
      let ids = byRoom.get(room);
      if (!ids) byRoom.set(room, (ids = []));
      ids.push(id);
    }
    const commands: Array<[key: string, args: Array<number | string>]> = [];
    for (const [room, ids] of byRoom) {
      for (let i = 0; i < ids.length; i += TOUCH_BATCH) {
        const args: Array<number | string> = ["XX"];
        for (const id of ids.slice(i, i + TOUCH_BATCH)) args.push(now, id);
        commands.push([this.#seen(room), args]);
      }
    }
    if (commands.length === 0) return;
    if (isCluster(this.#redis)) {
      // A Cluster pipeline must stay on one node; rooms spread over all of them.
      const redis = this.#redis;
      await Promise.all(commands.map(([key, args]) => redis.zadd(key, ...args)));
      return;
    }
    const pipeline = this.#redis.pipeline();
    for (const [key, args] of commands) pipeline.zadd(key, ...args);
    await pipeline.exec();
  }

  async sweep(): Promise<Array<{ room: string; member: PresenceMember }>> {
    const rooms = await this.#redis.smembers(this.#rooms());
    const cutoff = Date.now() - this.#ttlMs;
    const out: Array<{ room: string; member: PresenceMember }> = [];
    for (const room of rooms) {
      const [empty, ...gone] = await this.#redis.sbPresenceSweep(this.#seen(room), this.#members(room), cutoff);
      for (const m of gone) out.push({ room, member: JSON.parse(m) as PresenceMember });
      if (empty === 1) {
        await this.#redis.srem(this.#rooms(), room);
        // A join between the sweep and the SREM re-adds its room itself only if it came after:
        // look once more, so a room with members is never left out of the set.
        if ((await this.#redis.zcard(this.#seen(room))) > 0) await this.#redis.sadd(this.#rooms(), room);
      }
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
    return `${this.#prefix}:{${room}}:m`;
  }

  #seen(room: string): string {
    return `${this.#prefix}:{${room}}:t`;
  }

  #rooms(): string {
    return `${this.#prefix}:rooms`;
  }
}
