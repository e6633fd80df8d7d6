/** Per-connection limits a {@link SocketServer} enforces. */
export interface SocketLimits {
  /** Frames a connection may send: `messages` per `perSeconds`, bursts up to `burst`; null disables. */
  rateLimit: { messages: number; perSeconds: number; burst: number } | null;
  /** Bytes queued for a peer that does not read before it is dropped with 1013. Default 1 MiB. */
  maxBufferedBytes: number;
  /**
   * Connections per client address: on a server a `SocketServer` is attached to,
   * every TCP connection from accept until it closes (plain HTTP, half-open, upgraded), one
   * more closed at accept; elsewhere open (and opening) sockets, one more refused with HTTP
   * 429. Default 256.
   */
  maxConnectionsPerIp: number;
  /** Milliseconds between server pings; a peer silent for two intervals is dropped. 0 disables. Default 30 000. */
  pingIntervalMs: number;
  /** Groups one connection may be in at once. Default 100. */
  maxGroupsPerConnection: number;
  /**
   * Handshakes in flight at once, server-wide: from the upgrade request (queued, then started
   * a batch per turn of the event loop) until the socket app accepts or refuses it. One more
   * is answered at once with 503 and a `Retry-After` (`SB_ERR_OVERLOADED`). Default 2048.
   */
  maxPendingHandshakes: number;
  /** The largest `Retry-After` (seconds) of that 503; each refusal draws 1…this at random. Default 5. */
  retryAfterMaxSeconds: number;
}

/**
 * The defaults: 100 frames/s with bursts of 200, 1 MiB of backlog, 256 sockets per address,
 * pings every 30 s, 2048 handshakes in flight, retries after 1–5 s.
 */
export const DEFAULT_LIMITS: SocketLimits = {
  rateLimit: { messages: 100, perSeconds: 1, burst: 200 },
  maxBufferedBytes: 1024 * 1024,
  maxConnectionsPerIp: 256,
  pingIntervalMs: 30_000,
  maxGroupsPerConnection: 100,
  // A core completes some 2,000–3,000 handshakes a second: 2048 queued is under a second of
  // work, and a client told to come back later loses less than one left waiting longer.
  maxPendingHandshakes: 2048,
  retryAfterMaxSeconds: 5,
};

/** Parses `WS_RATE_LIMIT`: `"<messages>/<seconds>"` (burst twice the rate), or `"0"` for none. */
export function parseRateLimit(text: string): SocketLimits["rateLimit"] {
  if (text.trim() === "0") return null;
  const m = /^(\d+)\/(\d+(?:\.\d+)?)$/.exec(text.trim());
  if (!m || Number(m[1]) < 1 || Number(m[2]) <= 0) throw new TypeError(`rate limit must be <messages>/<seconds> or 0 (got ${JSON.stringify(text)})`);
  return { messages: Number(m[1]), perSeconds: Number(m[2]), burst: Number(m[1]) * 2 };
}

/** Counters the socket server keeps, read by the metrics endpoint. */
export interface SocketStats {
  framesIn: number;
  framesOut: number;
  rateLimited: number;
  slowConsumersDropped: number;
  deadPeersDropped: number;
  /**
   * Refusals by HTTP status: handshakes, and connections of an attached server refused at
   * accept (429) or whose first request's headers came too slowly (408).
   */
  rejected: Record<string, number>;
  /** Handshakes refused with 503 because `maxPendingHandshakes` were in flight (also under 503 in `rejected`). */
  overloaded: number;
}

export function newSocketStats(): SocketStats {
  return { framesIn: 0, framesOut: 0, rateLimited: 0, slowConsumersDropped: 0, deadPeersDropped: 0, rejected: {}, overloaded: 0 };
}

/** A token bucket: `take()` is false when the connection is over its rate. */
export class TokenBucket {
  #tokens: number;
  #at = performance.now();
  readonly #perMs: number;

  constructor(readonly limit: NonNullable<SocketLimits["rateLimit"]>) {
    this.#tokens = limit.burst;
    this.#perMs = limit.messages / (limit.perSeconds * 1000);
  }

  take(): boolean {
    const now = performance.now();
    this.#tokens = Math.min(this.limit.burst, this.#tokens + (now - this.#at) * this.#perMs);
    this.#at = now;
    if (this.#tokens < 1) return false;
    this.#tokens -= 1;
    return true;
  }
}
