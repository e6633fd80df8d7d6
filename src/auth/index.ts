import type { Kysely } from "kysely";
import type { Database } from "../storage/schema.js";
import { Identifier } from "./identify.js";
import { LoginThrottle } from "./login-throttle.js";
import { TokenService } from "./jwt.js";
import { SessionStore } from "./sessions.js";
import { UserStore } from "./users.js";

/** The auth services every app module may use: users, sessions, tokens, and the one identifier. */
export interface Auth {
  users: UserStore;
  sessions: SessionStore;
  tokens: TokenService;
  identifier: Identifier;
  /** Password-guessing throttle for every sign-in path (bound to the HTTP server by `buildApp`). */
  throttle: LoginThrottle;
}

/**
 * Builds the auth services on the database; tokens are signed with `secretKey`; new
 * passwords need `passwordMinLength` characters (`PASSWORD_MIN_LENGTH`, default 8).
 */
export function createAuth(db: Kysely<Database>, options: { secretKey: string; tokenSeconds?: number; passwordMinLength?: number }): Auth {
  const users = new UserStore(db, { passwordMinLength: options.passwordMinLength });
  const sessions = new SessionStore(db);
  const tokens = new TokenService({ secretKey: options.secretKey, expiresIn: options.tokenSeconds });
  return { users, sessions, tokens, identifier: new Identifier({ users, sessions, tokens }), throttle: new LoginThrottle() };
}

export { ACCESS_LEVELS, refusal, type Access } from "./access.js";
export { AUTH_ERRORS, type AuthErrorCode } from "./errors.js";
export { BEARER_PREFIX, appSubprotocols, readCredentials, type Credentials, type CredentialSource } from "./credentials.js";
export { Identifier, scopeUser, type AuthReason, type Identity } from "./identify.js";
export { TokenError, TokenService, type TokenClaims, type TokenOptions } from "./jwt.js";
export {
  ExternalTokenError,
  ExternalTokenVerifier,
  MAX_CLAIM_LENGTH,
  MAX_EXTERNAL_TOKEN_LENGTH,
  externalScopeUser,
  externalTokenAuth,
  type ExternalIdentity,
  type ExternalTokenReason,
  type ExternalTokenVerifierOptions,
} from "./external-token.js";
export { parseExternalTokenConfig, type ExternalTokenConfig, type ExternalClaimNames, type TokenKeySource } from "./external-token-config.js";
export { SESSION_COOKIE, SESSION_TTL_MS, SessionStore, readCookie } from "./sessions.js";
export { UserStore, USERNAME_RULE, type NewUser, type User } from "./users.js";
export { DEFAULT_PASSWORD_MIN_LENGTH, PASSWORD_MAX_LENGTH, passwordProblem } from "./passwords.js";
export { COMMON_PASSWORDS_CHECKED, isCommonPassword } from "./common-passwords.js";
export { httpAuth, type HttpAuthOptions } from "./http-auth.js";
export { requireAccess, socketAuth } from "./socket-auth.js";
export { SocketRoutes, type GuardedRouteOptions } from "./socket-routes.js";
export { BackoffMemoryStore } from "./backoff-store.js";
export { LoginThrottle, MAX_FAILURES_PER_ACCOUNT, MAX_FAILURES_PER_ADDRESS, WINDOW_MS, type Attempt, type AttemptSource } from "./login-throttle.js";
