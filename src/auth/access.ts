import type { ScopeUser } from "../core/index.js";
import type { AuthErrorCode } from "./errors.js";
import type { AuthReason } from "./identify.js";

/**
 * Who may use a route or a GraphQL field. Every HTTP route, socket route and GraphQL field
 * declares one; finer rules (an approver for an order, the requester of an order) are the
 * app's own checks on top.
 * - `public`: anyone, signed in or not (the user is still identified when credentials come);
 * - `user`: any signed-in user;
 * - `superuser`: a signed-in superuser.
 */
export type Access = "public" | "user" | "superuser";

/** Every access level, for validation of declarations. */
export const ACCESS_LEVELS: readonly Access[] = ["public", "user", "superuser"];

/** Whether `user` may pass `access`; the catalog code of the refusal when not. */
export function refusal(access: Access, user: ScopeUser | null, reason: AuthReason | null): AuthErrorCode | null {
  if (access === "public") return null;
  if (!user) return reason === "token_expired" ? "SB_ERR_TOKEN_EXPIRED" : reason === "invalid_token" ? "SB_ERR_INVALID_TOKEN" : "SB_ERR_AUTH_REQUIRED";
  if (access === "superuser" && user.isSuperuser !== true) return "SB_ERR_FORBIDDEN";
  return null;
}
