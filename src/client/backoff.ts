/** How long to wait before reconnect attempt `n` (0-based). */
export interface BackoffOptions {
  /** First delay in ms (default 500). */
  initialMs?: number;
  /** Largest delay in ms (default 30 000). */
  maxMs?: number;
  /** Growth per attempt (default 2). */
  factor?: number;
  /** Fraction of the delay that is random, 0–1 (default 0.5: a delay lies in [d/2, d]). */
  jitter?: number;
}

/**
 * Exponential backoff with jitter: `min(max, initial · factor^attempt)`, of which the last
 * `jitter` fraction is random, so a thousand clients dropped by one restart do not all
 * come back in the same millisecond.
 */
export function backoffDelay(attempt: number, options: BackoffOptions = {}, random: () => number = Math.random): number {
  const { initialMs = 500, maxMs = 30_000, factor = 2, jitter = 0.5 } = options;
  const ceiling = Math.min(maxMs, initialMs * factor ** Math.max(0, attempt));
  return Math.round(ceiling * (1 - jitter) + ceiling * jitter * random());
}
