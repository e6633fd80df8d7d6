import { catalogEntry, type Middleware } from "../core/index.js";
import { refusal, type Access } from "./access.js";
import { readCredentials } from "./credentials.js";
import type { AuthReason, Identifier } from "./identify.js";

/**
 * Fills `scope.user` through the {@link Identifier} from the socket's credentials (header
 * `token`, `Authorization: Bearer|JWT`, `?token=`, a `bearer.<jwt>` subprotocol, the session
 * cookie). No user: `scope.user` stays null and `scope.state.authReason` says why; the
 * route's {@link requireAccess} decides. Tokens are never logged.
 */
export function socketAuth(identifier: Identifier): Middleware {
  return (inner) => async (scope, connection) => {
    const identity = await identifier.identify(readCredentials(scope));
    scope.user = identity.user;
    if (identity.reason) scope.state.authReason = identity.reason;
    await inner(scope, connection);
  };
}

/**
 * Refuses the handshake unless the scope's user passes `access`: HTTP 401 (with an
 * `X-Auth-Error` reason: `missing`, `token_expired`, `invalid_token`) or 403.
 */
export function requireAccess(access: Access): Middleware {
  return (inner) => async (scope, connection) => {
    const reason = (scope.state.authReason as AuthReason | undefined) ?? (scope.user ? null : "missing");
    const code = refusal(access, scope.user, reason);
    if (code) {
      const entry = catalogEntry(code);
      connection.reject(entry.status!, entry.message, reason ? { "X-Auth-Error": reason } : {});
      return;
    }
    await inner(scope, connection);
  };
}
