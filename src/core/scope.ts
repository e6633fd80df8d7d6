import type { IncomingHttpHeaders } from "node:http";

/** The authenticated user, as auth middleware puts it on the scope. */
export interface ScopeUser {
  readonly id: number | string;
  readonly username: string;
  readonly [claim: string]: unknown;
}

/**
 * Everything known about one socket connection, built at the handshake and enriched by
 * middleware (user, session, state) before the consumer sees it.
 *
 * @typeParam K - URL kwargs captured by the route, e.g. `{ roomName: string }`.
 */
export interface Scope<K extends Kwargs = Kwargs> {
  readonly type: "websocket";
  /** Unique id of this connection, for logs. */
  readonly connectionId: string;
  /** Decoded path, e.g. `/ws/chat/lobby/`. */
  readonly path: string;
  /** The raw query string without `?`. */
  readonly queryString: string;
  readonly query: URLSearchParams;
  readonly headers: IncomingHttpHeaders;
  /** Peer address; middleware behind a trusted proxy may replace it. */
  client: { address: string; port: number };
  /** Subprotocols the client offered, in order. */
  readonly subprotocols: readonly string[];
  /** URL kwargs captured by the route; filled by the router. */
  kwargs: K;
  /** The route pattern that matched, e.g. `/ws/chat/:roomName/`. */
  route: string;
  /** Set by auth middleware; `null` for anonymous connections. */
  user: ScopeUser | null;
  /** Set by session middleware. */
  session: Record<string, unknown> | null;
  /** Free space for middleware to hand data to consumers. */
  readonly state: Record<string, unknown>;
}

/** URL kwargs: names captured from the path, all strings. */
export type Kwargs = Record<string, string>;
