import { defineErrors } from "../core/index.js";

/**
 * The refusals of the auth layer: the same codes on a socket handshake, an HTTP route and
 * (as `extensions.code` `UNAUTHENTICATED` / `FORBIDDEN`) in GraphQL.
 */
export const AUTH_ERRORS = defineErrors({
  SB_ERR_AUTH_REQUIRED: { message: "authentication required", status: 401, frame: "authentication_required" },
  SB_ERR_TOKEN_EXPIRED: { message: "token expired", status: 401, frame: "token_expired" },
  SB_ERR_INVALID_TOKEN: { message: "invalid token", status: 401, frame: "invalid_token" },
  SB_ERR_REFRESH_EXPIRED: { message: "refresh window expired", status: 401, frame: "refresh_expired" },
  SB_ERR_TOKEN_KEYS_UNAVAILABLE: { message: "the token issuer's keys cannot be fetched", status: 503, frame: "keys_unavailable" },
  SB_ERR_FORBIDDEN: { message: "not allowed for this user", status: 403, frame: "forbidden" },
  SB_ERR_LOGIN_THROTTLED: { message: "too many failed sign-ins: wait for Retry-After seconds", status: 429, frame: "too_many_attempts" },
  SB_ERR_INVALID_CREDENTIALS: { message: "wrong username or password", status: 401, frame: "invalid_credentials" },
});

/** An auth error code. */
export type AuthErrorCode = keyof typeof AUTH_ERRORS;
