import type { Kysely } from "kysely";
import { TokenService } from "../../auth/jwt.js";
import { requireUser, socketAuth } from "../../auth/socket-auth.js";
import { SocketRouter, type Middleware, type ScopeUser } from "../../core/index.js";
import type { Database } from "../../storage/schema.js";
import { accountsHttp, scopeUser } from "./http.js";
import { notifyConsumer } from "./notify-consumer.js";
import { SESSION_COOKIE, SessionStore, readCookie } from "./sessions.js";
import { UserStore } from "./users.js";

/** The accounts app: users, sessions, tokens, its pages, and the socket auth middleware. */
export interface AccountsApp {
  users: UserStore;
  sessions: SessionStore;
  tokens: TokenService;
  /** Fills `scope.user` from a JWT (header, query, subprotocol) or the session cookie. */
  auth: Middleware;
  /** `/ws/notify/` (requires a user). */
  sockets: SocketRouter;
  http: ReturnType<typeof accountsHttp>;
}

/** Builds the accounts app on the database with `secretKey` for tokens. */
export function accountsApp(db: Kysely<Database>, secretKey: string, options: { tokenSeconds?: number } = {}): AccountsApp {
  const users = new UserStore(db);
  const sessions = new SessionStore(db);
  const tokens = new TokenService({ secretKey, expiresIn: options.tokenSeconds });
  const auth = socketAuth({
    verifyToken: async (token): Promise<ScopeUser> => {
      const c = await tokens.verify(token);
      return { id: c.uid, username: c.username, nickname: c.nickname, groupName: c.groupName };
    },
    sessionUser: async (header) => {
      const token = readCookie(header, SESSION_COOKIE);
      const uid = token ? await sessions.userId(token) : null;
      const user = uid === null ? null : await users.byId(uid);
      return user ? scopeUser(user) : null;
    },
  });
  const sockets = new SocketRouter().route("/ws/notify/", notifyConsumer(users), { middleware: [requireUser()] });
  return { users, sessions, tokens, auth, sockets, http: accountsHttp({ users, sessions, tokens }) };
}

export { TokenService, TokenError } from "../../auth/jwt.js";
export { requireUser, socketAuth, appSubprotocols } from "../../auth/socket-auth.js";
export { UserStore, type User } from "./users.js";
export { SessionStore } from "./sessions.js";
