import type { RedisClient } from "./redis-connection.js";

/** Most entries taken in one non-blocking drain after a blocking pop returns. */
const DRAIN_BATCH = 256;
/** Seconds one blocking pop waits; bounds how long a stop or a new key waits. */
const BLOCK_SECONDS = 2;

/**
 * Reads this process's lists on one Redis host with one dedicated connection: a blocking
 * pop over every list the process owns there, then a non-blocking drain of the list that
 * answered, so a burst costs a few round trips, not one per entry.
 */
export class ListReader {
  readonly #conn: RedisClient;
  readonly #keys = new Set<string>();
  readonly #wakeKey: string;
  readonly #wake: (key: string) => Promise<unknown>;
  readonly #onEntry: (entry: string) => void;
  readonly #onError: (error: unknown) => void;
  readonly #onRecover: () => void;
  #running = false;
  #stopped = false;
  #blocking = false;

  constructor(options: {
    conn: RedisClient;
    wakeKey: string;
    wake: (key: string) => Promise<unknown>;
    onEntry: (entry: string) => void;
    onError: (error: unknown) => void;
    onRecover: () => void;
  }) {
    this.#conn = options.conn;
    this.#wakeKey = options.wakeKey;
    this.#wake = options.wake;
    this.#onEntry = options.onEntry;
    this.#onError = options.onError;
    this.#onRecover = options.onRecover;
  }

  /** Starts watching `key`; wakes a pop in flight so the key is watched at once. */
  add(key: string): void {
    if (this.#keys.has(key)) return;
    this.#keys.add(key);
    if (!this.#running) void this.#loop();
    else if (this.#blocking) void this.#wake(this.#wakeKey).catch(() => undefined);
  }

  /** Stops reading and closes the connection. */
  stop(): void {
    this.#stopped = true;
    this.#conn.disconnect();
  }

  async #loop(): Promise<void> {
    this.#running = true;
    let failing = false;
    while (!this.#stopped) {
      try {
        this.#blocking = true;
        const popped = await this.#conn.blpop([...this.#keys, this.#wakeKey], BLOCK_SECONDS);
        this.#blocking = false;
        if (failing) {
          failing = false;
          this.#onRecover();
        }
        if (!popped) continue;
        const [key, entry] = popped;
        if (key === this.#wakeKey) continue;
        this.#onEntry(entry);
        for (;;) {
          const more = await this.#conn.lpop(key, DRAIN_BATCH);
          if (!more) break;
          for (const e of more) this.#onEntry(e);
          if (more.length < DRAIN_BATCH) break;
        }
      } catch (error) {
        this.#blocking = false;
        if (this.#stopped) break;
        if (!failing) this.#onError(error);
        failing = true;
        await new Promise((r) => setTimeout(r, 500));
      }
    }
    this.#running = false;
  }
}
