import type { RedisClient } from "./redis-connection.js";
import { SwitchboardError } from "../errors.js";
import { freezeParsed, type LayerMessage } from "./layer.js";

/** Seconds one blocking pop waits before it checks again. */
const BLOCK_SECONDS = 1;

/**
 * Receives from plain (not process-local) channels, such as a worker's `thumbnails`: each
 * receive holds one pooled connection in a blocking pop. A receive cancelled while its pop
 * is in flight puts a message that arrives anyway back at the head of the list, so
 * cancellation loses nothing.
 */
export class PlainReceiver {
  readonly #create: () => RedisClient;
  readonly #expiry: number;
  readonly #idle: RedisClient[] = [];
  readonly #busy = new Set<RedisClient>();
  #closed = false;

  constructor(create: () => RedisClient, expirySeconds: number) {
    this.#create = create;
    this.#expiry = expirySeconds;
  }

  receive(key: string, signal?: AbortSignal): Promise<LayerMessage> {
    signal?.throwIfAborted();
    const conn = this.#idle.pop() ?? this.#create();
    this.#busy.add(conn);
    return new Promise<LayerMessage>((resolve, reject) => {
      let settled = false;
      const onAbort = (): void => {
        if (settled) return;
        settled = true;
        reject(signal!.reason);
      };
      signal?.addEventListener("abort", onAbort, { once: true });
      void (async () => {
        try {
          while (!settled && !this.#closed) {
            const popped = await conn.blpop(key, BLOCK_SECONDS);
            if (!popped) continue;
            const entry = JSON.parse(popped[1]) as { t: number; m: LayerMessage };
            if (entry.t < Date.now() - this.#expiry * 1000) continue; // expired: never delivered
            if (settled) {
              await conn.lpush(key, popped[1]);
              break;
            }
            settled = true;
            resolve(freezeParsed(entry.m));
          }
          if (!settled) {
            settled = true;
            reject(new SwitchboardError("SB_ERR_LAYER_CLOSED"));
          }
        } catch (error) {
          if (!settled) {
            settled = true;
            reject(error);
          }
        } finally {
          signal?.removeEventListener("abort", onAbort);
          this.#busy.delete(conn);
          if (this.#closed) conn.disconnect();
          else this.#idle.push(conn);
        }
      })();
    });
  }

  /** Disconnects every pooled connection; receives in flight reject. */
  close(): void {
    this.#closed = true;
    for (const conn of [...this.#idle, ...this.#busy]) conn.disconnect();
    this.#idle.length = 0;
  }
}
