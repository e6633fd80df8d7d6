import type { Middleware } from "./middleware.js";

/** Options of {@link originCheck}. */
export interface OriginCheckOptions {
  /**
   * Allowed origins: full origins (`https://example.com`, `http://localhost:8000`), host
   * names matching any scheme and port (`example.com`), `*.example.com` for subdomains,
   * or `*` for all. Empty: only the request's own host (same-origin).
   */
  allowed?: readonly string[];
}

/**
 * Refuses, with HTTP 403 at the handshake, a socket whose `Origin` header is present and
 * not allowed. Fails closed, as Phoenix does: browsers always send `Origin`, so a
 * cross-site page cannot ride a user's cookies into a socket. Clients that send no
 * `Origin` (non-browser programs) are let through.
 */
export function originCheck(options: OriginCheckOptions = {}): Middleware {
  const allowed = (options.allowed ?? []).map((a) => a.trim().toLowerCase()).filter(Boolean);
  return (inner) => async (scope, connection) => {
    const origin = scope.headers.origin;
    if (origin !== undefined && !isAllowed(origin, scope.headers.host, allowed)) {
      connection.refuse("SB_ERR_ORIGIN_FORBIDDEN", origin);
      return;
    }
    await inner(scope, connection);
  };
}

/** Whether `origin` passes `allowed` (or, when it is empty, equals the request's host). */
export function isAllowed(origin: string, host: string | undefined, allowed: readonly string[]): boolean {
  let url: URL;
  try {
    url = new URL(origin);
  } catch {
    return false;
  }
  const originHost = url.host.toLowerCase();
  if (allowed.length === 0) return host !== undefined && originHost === host.toLowerCase();
  return allowed.some((rule) => {
    if (rule === "*") return true;
    if (rule.includes("://")) return rule.replace(/\/+$/, "") === `${url.protocol}//${originHost}`;
    if (rule.startsWith("*.")) return url.hostname.endsWith(rule.slice(1));
    return rule === originHost || rule === url.hostname.toLowerCase();
  });
}
