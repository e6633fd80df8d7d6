import type { Middleware, Scope, ScopeUser } from "../core/index.js";

/** Why a socket has no user: what `requireUser` puts in its 401's `X-Auth-Error` header. */
export type AuthProblem = "missing" | "token_expired" | "invalid_token";

/** Options of {@link socketAuth}. */
export interface SocketAuthOptions {
  /** The user a token names; throws an error with `reason` (`token_expired` / `invalid_token`) when it cannot be used. */
  verifyToken(token: string): Promise<ScopeUser>;
  /** The user of a session cookie value, or null. */
  sessionUser?(cookieHeader: string): Promise<ScopeUser | null>;
}

/** Subprotocol prefix that carries a token from browsers, which cannot set headers. */
export const BEARER_PREFIX = "bearer.";

/**
 * Fills `scope.user` from, in order: header `token: <jwt>`, `Authorization: Bearer <jwt>`,
 * the `?token=` query, a subprotocol `bearer.<jwt>`, then the session cookie. A missing
 * or bad token leaves `scope.user` null and records why in `scope.state.authProblem`; the
 * consumer (or {@link requireUser}) decides. Tokens are never logged.
 */
export function socketAuth(options: SocketAuthOptions): Middleware {
  return (inner) => async (scope, connection) => {
    const token = tokenOf(scope);
    let problem: AuthProblem = "missing";
    if (token) {
      try {
        scope.user = await options.verifyToken(token);
      } catch (error) {
        problem = (error as { reason?: string }).reason === "token_expired" ? "token_expired" : "invalid_token";
      }
    }
    if (!scope.user && options.sessionUser && scope.headers.cookie) {
      scope.user = await options.sessionUser(scope.headers.cookie);
    }
    if (!scope.user) scope.state.authProblem = problem;
    await inner(scope, connection);
  };
}

/** Refuses the handshake with HTTP 401 (and an `X-Auth-Error` reason) when no user was found. */
export function requireUser(): Middleware {
  return (inner) => async (scope, connection) => {
    if (!scope.user) {
      const problem = (scope.state.authProblem as AuthProblem | undefined) ?? "missing";
      connection.reject(401, problem === "token_expired" ? "token expired" : "authentication required", { "X-Auth-Error": problem });
      return;
    }
    await inner(scope, connection);
  };
}

/** The subprotocols a client offered, minus any token carrier: what a consumer may echo. */
export function appSubprotocols(scope: Scope): string[] {
  return scope.subprotocols.filter((p) => !p.startsWith(BEARER_PREFIX));
}

function tokenOf(scope: Scope): string | null {
  const header = scope.headers.token;
  if (typeof header === "string" && header) return header;
  const authorization = scope.headers.authorization;
  if (authorization) {
    const m = /^(?:Bearer|JWT)\s+(\S+)$/i.exec(authorization);
    if (m) return m[1]!;
  }
  const query = scope.query.get("token");
  if (query) return query;
  const carried = scope.subprotocols.find((p) => p.startsWith(BEARER_PREFIX));
  return carried ? carried.slice(BEARER_PREFIX.length) : null;
}
