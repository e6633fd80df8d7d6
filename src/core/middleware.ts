import type { SocketApp } from "./server.js";

/**
 * Middleware wraps an inner socket app and returns a new one (Channels' ASGI middleware):
 * it may enrich the scope (user, session, client address) or refuse the handshake.
 *
 * @example
 * const stamp: Middleware = (inner) => async (scope, conn) => {
 *   scope.state.startedAt = Date.now();
 *   await inner(scope, conn);
 * };
 */
export type Middleware = (inner: SocketApp) => SocketApp;

/**
 * Wraps `app` in `middleware`, the first listed outermost:
 * `stack(app, a, b)` is `a(b(app))`.
 */
export function stack(app: SocketApp, ...middleware: Middleware[]): SocketApp {
  return middleware.reduceRight<SocketApp>((inner, mw) => mw(inner), app);
}
