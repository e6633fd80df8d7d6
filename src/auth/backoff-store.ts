/**
 * An in-memory store for `@fastify/rate-limit` whose exponential backoff really holds: the
 * plugin's own memory store reports a doubled `ttl` but expires the entry after one plain
 * window, so a guesser would be let back in early. Here an entry lives until its `ttl` ends.
 * At most `cache` keys (oldest dropped first). The Redis store is used instead on Redis.
 */
export class BackoffMemoryStore {
  readonly #entries = new Map<string, { current: number; resetAt: number }>();
  readonly #backoff: boolean;
  readonly #cache: number;

  constructor(options: { exponentialBackoff?: boolean; cache?: number } = {}) {
    this.#backoff = options.exponentialBackoff === true;
    this.#cache = options.cache ?? 10_000;
  }

  incr(key: string, callback: (error: Error | null, result?: { current: number; ttl: number }) => void, timeWindow: number, max: number): void {
    const now = Date.now();
    let entry = this.#entries.get(key);
    if (!entry || entry.resetAt <= now) {
      entry = { current: 1, resetAt: now + timeWindow };
    } else {
      entry.current += 1;
      // Past the limit, every further attempt doubles the wait (a day at most).
      if (this.#backoff && entry.current > max) entry.resetAt = now + Math.min(timeWindow * 2 ** (entry.current - max - 1), 24 * 3600_000);
    }
    this.#entries.delete(key);
    this.#entries.set(key, entry);
    if (this.#entries.size > this.#cache) this.#entries.delete(this.#entries.keys().next().value!);
    callback(null, { current: entry.current, ttl: entry.resetAt - now });
  }

  read(key: string, callback: (error: Error | null, result?: { current: number; ttl: number }) => void): void {
    const now = Date.now();
    const entry = this.#entries.get(key);
    callback(null, !entry || entry.resetAt <= now ? { current: 0, ttl: 0 } : { current: entry.current, ttl: entry.resetAt - now });
  }

  child(): BackoffMemoryStore {
    return this;
  }
}
