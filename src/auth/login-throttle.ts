import type {} from "@fastify/rate-limit";
import type { FastifyInstance, FastifyRequest } from "fastify";

/** Failed sign-ins allowed per account (username as typed, known or not) in {@link WINDOW_MS}. */
export const MAX_FAILURES_PER_ACCOUNT = 5;
/** Failed sign-ins allowed per client address in {@link WINDOW_MS}. */
export const MAX_FAILURES_PER_ADDRESS = 20;
/** The window failures are counted in; past the limit each attempt doubles the wait. */
export const WINDOW_MS = 15 * 60_000;

type Limiter = (request: FastifyRequest, options?: { increment?: boolean }) => Promise<{ isAllowed: boolean; remaining?: number; ttlInSeconds?: number }>;

/** The outcome of {@link LoginThrottle.attempt}. */
export type Attempt<T> = { outcome: "ok"; value: T } | { outcome: "failed" } | { outcome: "throttled"; retryAfter: number };

/** What the throttle needs of a sign-in: where it comes from and which account it names. */
export interface AttemptSource {
  /** The client address (`request.ip`, behind trusted proxies the forwarded one). */
  address: string;
  /** The username as submitted; unknown users are counted like known ones. */
  account: string;
}

/**
 * Throttles password guessing on every sign-in path (the log-in form, `POST /api/token`,
 * GraphQL `tokenAuth`), counted per account and per address with `@fastify/rate-limit`
 * (its Redis store when `REDIS_URL` is set, so the count holds across nodes). Only failures
 * count; once an account has {@link MAX_FAILURES_PER_ACCOUNT} failures (or an address
 * {@link MAX_FAILURES_PER_ADDRESS}) in the window, attempts are refused without checking the
 * password, each one doubling the wait, and the caller answers 429 with `Retry-After`. A
 * wrong password and an unknown user are answered the same way.
 */
export class LoginThrottle {
  #byAccount: Limiter | null = null;
  #byAddress: Limiter | null = null;
  /** Failed attempts and refused (throttled) attempts, for `/metrics`. */
  readonly stats = { failures: 0, throttled: 0 };

  /** Installs the limiters once `@fastify/rate-limit` is registered on `app` (by `buildApp`). */
  bind(app: FastifyInstance): void {
    const limiter = (max: number, key: (source: AttemptSource) => string): Limiter =>
      app.createRateLimit({ max, timeWindow: WINDOW_MS, keyGenerator: (request) => key((request as unknown as { attempt: AttemptSource }).attempt) }) as Limiter;
    this.#byAccount = limiter(MAX_FAILURES_PER_ACCOUNT, (s) => `account:${s.account.toLowerCase().slice(0, 200)}`);
    this.#byAddress = limiter(MAX_FAILURES_PER_ADDRESS, (s) => `address:${s.address}`);
  }

  /**
   * Runs `check` (which resolves with the signed-in value, or null for wrong credentials)
   * unless the account or address is throttled.
   */
  async attempt<T>(source: AttemptSource, check: () => Promise<T | null>): Promise<Attempt<T>> {
    const limiters = [this.#byAccount, this.#byAddress];
    if (limiters.some((l) => l === null)) throw new Error("LoginThrottle.bind() was not called");
    // The limiter reads only the key this object yields (and a route config it does not have).
    const request = { attempt: source, routeOptions: { config: {} } } as unknown as FastifyRequest;
    for (const limiter of limiters) {
      const status = await limiter!(request, { increment: false });
      if (!status.isAllowed && status.remaining === 0) {
        const counted = await limiter!(request);
        this.stats.throttled += 1;
        return { outcome: "throttled", retryAfter: Math.max(1, counted.ttlInSeconds ?? 1) };
      }
    }
    const value = await check();
    if (value !== null) return { outcome: "ok", value };
    this.stats.failures += 1;
    for (const limiter of limiters) await limiter!(request);
    return { outcome: "failed" };
  }
}
