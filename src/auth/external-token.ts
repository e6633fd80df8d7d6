import { createPublicKey, type KeyObject } from "node:crypto";
import { createLocalJWKSet, createRemoteJWKSet, errors, jwtVerify, type JWTPayload, type JWTVerifyGetKey, type JWTVerifyOptions } from "jose";
import { SwitchboardError, type Middleware, type ScopeUser } from "../core/index.js";
import { readCredentials } from "./credentials.js";
import "./errors.js";
import type { ExternalClaimNames, ExternalTokenConfig } from "./external-token-config.js";

/** Why a token of another service was not accepted: what `X-Auth-Error` says. */
export type ExternalTokenReason = "invalid_token" | "token_expired" | "keys_unavailable";

const REASON_CODES = {
  invalid_token: "SB_ERR_INVALID_TOKEN",
  token_expired: "SB_ERR_TOKEN_EXPIRED",
  keys_unavailable: "SB_ERR_TOKEN_KEYS_UNAVAILABLE",
} as const;

/** A token that cannot be used; `reason` is what the 401/503 reason header says. */
export class ExternalTokenError extends SwitchboardError {
  constructor(readonly reason: ExternalTokenReason, detail?: string) {
    super(REASON_CODES[reason], detail);
    this.name = "ExternalTokenError";
  }
}

/** Who a verified token names, in the route's terms whatever the issuer calls the claims. */
export interface ExternalIdentity {
  /** The issuer's user id: a safe integer or a string, as the token has it. */
  uid: number | string;
  nickname: string;
  groupName: string;
  /** The whole verified payload. */
  claims: JWTPayload;
}

/** Longest token read (bytes); a longer one is refused before any parsing. */
export const MAX_EXTERNAL_TOKEN_LENGTH = 8192;
/** Longest `uid` (as a string), `nickname` and `group_name` accepted from a token. */
export const MAX_CLAIM_LENGTH = 200;

/** Options of {@link ExternalTokenVerifier} beyond the configuration; the defaults suit production. */
export interface ExternalTokenVerifierOptions {
  /** Milliseconds a JWKS fetch may take (default 5000). */
  jwksTimeoutMs?: number;
  /** Milliseconds after a fetch before an unknown `kid` may trigger another (default 30 000). */
  jwksCooldownMs?: number;
  /** Milliseconds fetched keys are used before they are fetched again (default 10 min). */
  jwksCacheMaxAgeMs?: number;
}

/** A JWKS that could not be fetched or read: not the token's fault. */
class KeysUnavailable extends Error {}

/**
 * Verifies JWTs issued by another service (`TOKEN_KEY` HMAC secret, a PEM public key, or a
 * JWKS URL): signature with one of the configured algorithms only (never `alg: none`),
 * `exp`/`nbf` when present, `iss`/`aud` when configured, then the three claims under their
 * configured names. Consumers never call it: {@link externalTokenAuth} does, at the handshake.
 *
 * With a JWKS, keys are fetched on first use, cached (`jwksCacheMaxAgeMs`) and fetched again
 * for an unknown `kid` (at most once per `jwksCooldownMs`); while the issuer cannot be
 * reached, the keys fetched last keep verifying, and with none yet the refusal is
 * `keys_unavailable` (503), not the client's fault.
 *
 * @example
 * const verifier = new ExternalTokenVerifier(config.externalToken!);
 * const { uid, nickname, groupName } = await verifier.verify(token); // throws ExternalTokenError
 */
export class ExternalTokenVerifier {
  readonly #key: Uint8Array | KeyObject | JWTVerifyGetKey;
  readonly #options: JWTVerifyOptions;
  readonly #claims: ExternalClaimNames;

  constructor(config: ExternalTokenConfig, options: ExternalTokenVerifierOptions = {}) {
    const { source } = config;
    if (source.kind === "secret") this.#key = new TextEncoder().encode(source.secret);
    else if (source.kind === "public-key") this.#key = createPublicKey(source.pem);
    else this.#key = remoteKeys(new URL(source.url), options);
    if (config.algorithms.length === 0 || config.algorithms.some((a) => a.toLowerCase() === "none")) {
      throw new TypeError("ExternalTokenVerifier needs algorithms, and never none");
    }
    this.#options = {
      algorithms: [...config.algorithms],
      ...(config.issuer ? { issuer: config.issuer } : {}),
      ...(config.audience ? { audience: config.audience } : {}),
    };
    this.#claims = config.claims;
  }

  /** The identity a valid token names; throws {@link ExternalTokenError}. */
  async verify(token: string): Promise<ExternalIdentity> {
    if (token.length > MAX_EXTERNAL_TOKEN_LENGTH) throw new ExternalTokenError("invalid_token", "token too long");
    let payload: JWTPayload;
    try {
      // The key argument is a union jose's overloads take one at a time.
      ({ payload } = await jwtVerify(token, this.#key as Uint8Array, this.#options));
    } catch (error) {
      if (error instanceof KeysUnavailable) throw new ExternalTokenError("keys_unavailable", error.message);
      throw new ExternalTokenError(error instanceof errors.JWTExpired ? "token_expired" : "invalid_token");
    }
    const uid = payload[this.#claims.uid];
    const groupName = payload[this.#claims.groupName];
    const nickname = payload[this.#claims.nickname];
    const validUid = (typeof uid === "number" && Number.isSafeInteger(uid)) || (typeof uid === "string" && uid.length > 0 && uid.length <= MAX_CLAIM_LENGTH);
    if (!validUid) throw new ExternalTokenError("invalid_token", `claim ${this.#claims.uid} must be an integer or a non-empty string`);
    if (typeof groupName !== "string" || groupName.length === 0 || groupName.length > MAX_CLAIM_LENGTH) {
      throw new ExternalTokenError("invalid_token", `claim ${this.#claims.groupName} must be a string of 1–${MAX_CLAIM_LENGTH} characters`);
    }
    if (nickname !== undefined && (typeof nickname !== "string" || nickname.length > MAX_CLAIM_LENGTH)) {
      throw new ExternalTokenError("invalid_token", `claim ${this.#claims.nickname} must be a string of at most ${MAX_CLAIM_LENGTH} characters`);
    }
    return { uid: uid as number | string, nickname: nickname ?? String(uid), groupName, claims: payload };
  }
}

/** jose's remote key set, with the fetch's own failures told apart from the token's. */
function remoteKeys(url: URL, options: ExternalTokenVerifierOptions): JWTVerifyGetKey {
  const remote = createRemoteJWKSet(url, {
    timeoutDuration: options.jwksTimeoutMs ?? 5000,
    cooldownDuration: options.jwksCooldownMs ?? 30_000,
    cacheMaxAge: options.jwksCacheMaxAgeMs ?? 600_000,
  });
  let stale: { jwks: object; keys: JWTVerifyGetKey } | null = null;
  return async (header, input) => {
    try {
      return await remote(header, input);
    } catch (error) {
      // The token names a key the set does not have (or an unusable one): the token's fault.
      if (error instanceof errors.JWKSNoMatchingKey || error instanceof errors.JWKSMultipleMatchingKeys || error instanceof errors.JOSENotSupported) throw error;
      // The issuer is unreachable or answered garbage: the keys fetched last still verify.
      const last = remote.jwks();
      if (last) {
        if (stale?.jwks !== last) stale = { jwks: last, keys: createLocalJWKSet(last) };
        return stale.keys(header, input);
      }
      throw new KeysUnavailable(`the issuer's keys at ${url.href} cannot be fetched: ${(error as Error).message}`);
    }
  };
}

/** The user a verified token puts on the scope: never a superuser, marked as another service's. */
export function externalScopeUser(identity: ExternalIdentity): ScopeUser {
  return { id: identity.uid, username: String(identity.uid), nickname: identity.nickname, groupName: identity.groupName, external: true };
}

/**
 * Socket middleware for a route whose users are another service's: it replaces whoever the
 * app-wide auth found (a Switchboard session or token does not count here) with the user
 * a token verified by `verifier` names. The token is read as everywhere (header `token`,
 * `Authorization: Bearer|JWT`, `?token=`, a `bearer.<jwt>` subprotocol); no token or a bad
 * one leaves `scope.user` null with `scope.state.authReason` (`missing`, `invalid_token`,
 * `token_expired`) for the route's access check (401 with `X-Auth-Error`). Keys that cannot
 * be fetched refuse with 503 `SB_ERR_TOKEN_KEYS_UNAVAILABLE` here. Tokens are never logged.
 * Put it first on the route: `SocketRoutes.route(…, { access: "user", authenticate })`.
 */
export function externalTokenAuth(verifier: ExternalTokenVerifier): Middleware {
  return (inner) => async (scope, connection) => {
    scope.user = null;
    delete scope.state.authReason;
    const { token } = readCredentials(scope);
    if (!token) {
      scope.state.authReason = "missing";
      await inner(scope, connection);
      return;
    }
    try {
      scope.user = externalScopeUser(await verifier.verify(token));
    } catch (error) {
      const reason = error instanceof ExternalTokenError ? error.reason : "invalid_token";
      if (reason === "keys_unavailable") {
        connection.logger.warn({ err: error }, "token keys unavailable; handshake refused");
        connection.refuse("SB_ERR_TOKEN_KEYS_UNAVAILABLE", undefined, { "X-Auth-Error": reason, "Retry-After": "5" });
        return;
      }
      scope.state.authReason = reason;
    }
    await inner(scope, connection);
  };
}
