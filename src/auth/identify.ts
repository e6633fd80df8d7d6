import type { ScopeUser } from "../core/index.js";
import type { Credentials } from "./credentials.js";
import type { TokenService } from "./jwt.js";
import type { SessionStore } from "./sessions.js";
import type { User, UserStore } from "./users.js";

/** Why no user was found: the reason a refusal names (`X-Auth-Error`, the error body, GraphQL codes). */
export type AuthReason = "missing" | "token_expired" | "invalid_token";

/** The outcome of {@link Identifier.identify}: a user, or the reason there is none. */
export type Identity = { user: ScopeUser; reason: null } | { user: null; reason: AuthReason };

/** The user as the scope, the request and GraphQL carry it. */
export function scopeUser(user: User): ScopeUser {
  return { id: user.id, username: user.username, nickname: user.nickname, groupName: user.groupName, isSuperuser: user.isSuperuser };
}

/**
 * The one place credentials become a user. Sockets (middleware), HTTP routes (the auth
 * plugin) and GraphQL (over HTTP and graphql-ws `connection_init`) all call it; nothing else
 * verifies a token or reads a session.
 *
 * A presented token decides alone: valid → its user (read from the database, so a deleted
 * user's token stops working and roles are current); invalid or expired → no user, with
 * the reason, even when a session cookie is also present (a client that sent a bad token
 * should hear why, not silently become someone else). Without a token the session cookie
 * is used; an unknown or expired session is `missing`.
 */
export class Identifier {
  readonly #users: UserStore;
  readonly #sessions: SessionStore;
  readonly #tokens: TokenService;

  constructor(deps: { users: UserStore; sessions: SessionStore; tokens: TokenService }) {
    this.#users = deps.users;
    this.#sessions = deps.sessions;
    this.#tokens = deps.tokens;
  }

  /** Who `credentials` name, or why nobody. */
  async identify(credentials: Credentials): Promise<Identity> {
    if (credentials.token) return this.#fromToken(credentials.token);
    if (credentials.session) {
      const uid = await this.#sessions.userId(credentials.session);
      const user = uid === null ? null : await this.#users.byId(uid);
      if (user) return { user: scopeUser(user), reason: null };
    }
    return { user: null, reason: "missing" };
  }

  async #fromToken(token: string): Promise<Identity> {
    let uid: number;
    try {
      uid = (await this.#tokens.verify(token)).uid;
    } catch (error) {
      return { user: null, reason: (error as { reason?: string }).reason === "token_expired" ? "token_expired" : "invalid_token" };
    }
    const user = await this.#users.byId(uid);
    return user ? { user: scopeUser(user), reason: null } : { user: null, reason: "invalid_token" };
  }
}
