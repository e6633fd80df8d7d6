import type { IncomingHttpHeaders } from "node:http";
import { SESSION_COOKIE, readCookie } from "./sessions.js";

/**
 * What a peer presented to say who it is, before anything is verified: a token (a JWT) and
 * a session cookie value. A presented token wins over the cookie (see {@link Identifier}).
 */
export interface Credentials {
  token: string | null;
  session: string | null;
}

/** Subprotocol prefix that carries a token from browsers, which cannot set headers. */
export const BEARER_PREFIX = "bearer.";

/** Where credentials can come from: headers always; the query and subprotocols only on sockets. */
export interface CredentialSource {
  headers: IncomingHttpHeaders;
  /** `?token=` (sockets only: browsers cannot set headers on a WebSocket). */
  query?: URLSearchParams;
  /** Offered subprotocols; `bearer.<jwt>` carries a token (sockets only). */
  subprotocols?: readonly string[];
}

/**
 * The one reader of credentials, for sockets and HTTP alike. A token comes from, in order:
 * header `token: <jwt>`, `Authorization: Bearer <jwt>` or `Authorization: JWT <jwt>`
 * (graphql_jwt's prefix), the `?token=` query, a `bearer.<jwt>` subprotocol. The session is
 * the `sb_session` cookie.
 */
export function readCredentials(source: CredentialSource): Credentials {
  return { token: tokenOf(source), session: readCookie(source.headers.cookie, SESSION_COOKIE) };
}

/** The subprotocols a client offered, minus any token carrier: what a consumer may echo. */
export function appSubprotocols(scope: { subprotocols: readonly string[] }): string[] {
  return scope.subprotocols.filter((p) => !p.startsWith(BEARER_PREFIX));
}

function tokenOf({ headers, query, subprotocols }: CredentialSource): string | null {
  const header = headers.token;
  if (typeof header === "string" && header) return header;
  const authorization = headers.authorization;
  if (authorization) {
    const m = /^(?:Bearer|JWT)\s+(\S+)$/i.exec(authorization);
    if (m) return m[1]!;
  }
  const fromQuery = query?.get("token");
  if (fromQuery) return fromQuery;
  const carried = subprotocols?.find((p) => p.startsWith(BEARER_PREFIX));
  return carried ? carried.slice(BEARER_PREFIX.length) : null;
}
