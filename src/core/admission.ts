import { STATUS_CODES } from "node:http";
import type { Duplex } from "node:stream";
import { catalogEntry, errorFrame } from "./errors.js";

/** Options of {@link HandshakeAdmission}. */
export interface HandshakeAdmissionOptions {
  /** Handshakes in flight at once (upgrade received → accepted or refused). */
  maxPending: number;
  /** The largest `Retry-After` (seconds) a refusal carries; each is drawn from 1…this. */
  retryAfterMax: number;
  /** Handshakes started per turn of the event loop (default 32); the rest wait for the next turn. */
  batch?: number;
  /** Where the draws come from (default `Math.random`): uniform in [0, 1). */
  random?: () => number;
}

/**
 * Admission control for socket handshakes, and the queue they wait in.
 *
 * At most `maxPending` handshakes are in flight: queued, or started and not yet accepted or
 * refused. One more is answered at once with `503 Service Unavailable`, a `Retry-After` of
 * a whole number of seconds drawn uniformly from 1…`retryAfterMax` (so a refused wave comes
 * back spread over that many seconds instead of all at once), and the one error body of
 * `SB_ERR_OVERLOADED`. The refusal is written before any handshake state exists (no scope,
 * no timer, no socket app), so shedding a storm costs little more than reading it.
 *
 * Admitted handshakes start `batch` per turn of the event loop (`setImmediate` between
 * batches), in arrival order. Node hands a server every request that is ready in one poll
 * phase (thousands, in a reconnect wave) before it looks at a new connection's first bytes;
 * run there, the handshakes of a wave would keep `GET /healthz` waiting for seconds. Queued,
 * each turn does a bounded amount of handshake work, and other requests get theirs between.
 *
 * @example
 * const admission = new HandshakeAdmission({ maxPending: 2048, retryAfterMax: 5 });
 * if (!admission.admit(() => start(request, socket, head))) admission.refuse(socket);
 * // and once that handshake is accepted or refused:
 * admission.leave();
 */
export class HandshakeAdmission {
  readonly maxPending: number;
  readonly retryAfterMax: number;
  readonly batch: number;
  readonly #random: () => number;
  /** Admitted handshakes not started yet, oldest first (`#head` is the next one). */
  #queue: (() => void)[] = [];
  #head = 0;
  #scheduled = false;
  /** The whole refusal for each Retry-After value, built once: index = seconds − 1. */
  readonly #responses: Buffer[];
  #pending = 0;
  #refused = 0;

  constructor(options: HandshakeAdmissionOptions) {
    if (!Number.isInteger(options.maxPending) || options.maxPending < 1) throw new TypeError("maxPending must be a positive integer");
    if (!Number.isInteger(options.retryAfterMax) || options.retryAfterMax < 1) throw new TypeError("retryAfterMax must be a positive integer");
    const batch = options.batch ?? 32;
    if (!Number.isInteger(batch) || batch < 1) throw new TypeError("batch must be a positive integer");
    this.maxPending = options.maxPending;
    this.retryAfterMax = options.retryAfterMax;
    this.batch = batch;
    this.#random = options.random ?? Math.random;
    this.#responses = Array.from({ length: options.retryAfterMax }, (_, i) => overloaded(i + 1));
  }

  /** Handshakes in flight right now: queued, or started and not yet settled. */
  get pending(): number {
    return this.#pending;
  }

  /** Admitted handshakes waiting for their turn. */
  get queued(): number {
    return this.#queue.length - this.#head;
  }

  /** Handshakes refused since the start. */
  get refused(): number {
    return this.#refused;
  }

  /**
   * Counts one more handshake in flight and queues `start` for a coming turn of the event
   * loop; false (nothing counted, nothing queued) when `maxPending` are in flight. Each
   * admitted handshake must {@link leave} once it is accepted or refused (or never started).
   */
  admit(start: () => void): boolean {
    if (this.#pending >= this.maxPending) return false;
    this.#pending++;
    this.#queue.push(start);
    if (!this.#scheduled) {
      this.#scheduled = true;
      setImmediate(this.#drain);
    }
    return true;
  }

  /** One admitted handshake settled: its place is free. */
  leave(): void {
    if (this.#pending > 0) this.#pending--;
  }

  /** Starts the next `batch` queued handshakes; the rest wait for the next turn. */
  readonly #drain = (): void => {
    this.#scheduled = false;
    const end = Math.min(this.#queue.length, this.#head + this.batch);
    while (this.#head < end) {
      const start = this.#queue[this.#head]!;
      this.#queue[this.#head++] = undefined as never;
      try {
        start();
      } catch {
        // start() is the server's own and reports its own failures; one must not stop the rest.
      }
    }
    if (this.#head === this.#queue.length) {
      this.#queue = [];
      this.#head = 0;
    } else {
      // Under steady load the queue never empties: drop the started part now and then.
      if (this.#head > 1024 && this.#head * 2 > this.#queue.length) {
        this.#queue = this.#queue.slice(this.#head);
        this.#head = 0;
      }
      this.#scheduled = true;
      setImmediate(this.#drain);
    }
  };

  /** The `Retry-After` of the next refusal: a whole number of seconds, 1…`retryAfterMax`. */
  retryAfter(): number {
    return Math.min(this.retryAfterMax, 1 + Math.floor(this.#random() * this.retryAfterMax));
  }

  /** Answers `socket`'s upgrade request with 503 and a jittered `Retry-After`, then ends it. Returns the seconds sent. */
  refuse(socket: Duplex): number {
    this.#refused++;
    const seconds = this.retryAfter();
    if (socket.writable) socket.end(this.#responses[seconds - 1]);
    else socket.destroy();
    return seconds;
  }
}

/** The whole 503 response telling the client to come back after `seconds`. */
function overloaded(seconds: number): Buffer {
  const { status } = catalogEntry("SB_ERR_OVERLOADED");
  const body = JSON.stringify(errorFrame("SB_ERR_OVERLOADED", `retry after ${seconds} s`));
  return Buffer.from(
    [
      `HTTP/1.1 ${status} ${STATUS_CODES[status!]}`,
      "Connection: close",
      `Retry-After: ${seconds}`,
      "Content-Type: application/json; charset=utf-8",
      `Content-Length: ${Buffer.byteLength(body)}`,
      "",
      body,
    ].join("\r\n"),
    "latin1",
  );
}
