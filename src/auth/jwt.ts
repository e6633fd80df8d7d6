import { SignJWT, errors, jwtVerify, type JWTPayload } from "jose";
import { SwitchboardError } from "../core/index.js";
import "./errors.js";

/** The claims of a Switchboard token (graphql_jwt's shape). */
export interface TokenClaims {
  uid: number;
  username: string;
  nickname: string;
  groupName: string;
  /** Seconds since the epoch when the first token of this chain was issued. */
  origIat: number;
  /** Expiry, seconds since the epoch. */
  exp: number;
}

const REASON_CODES = { token_expired: "SB_ERR_TOKEN_EXPIRED", invalid_token: "SB_ERR_INVALID_TOKEN", refresh_expired: "SB_ERR_REFRESH_EXPIRED" } as const;

/** A token that cannot be used; `reason` is what the 401 reason header says, `code` its catalog code. */
export class TokenError extends SwitchboardError {
  constructor(readonly reason: keyof typeof REASON_CODES) {
    super(REASON_CODES[reason]);
    this.name = "TokenError";
  }
}

/** Options of {@link TokenService}. */
export interface TokenOptions {
  secretKey: string;
  /** Seconds a token lives. Default 300. */
  expiresIn?: number;
  /** Seconds after `origIat` during which a token may be refreshed. Default 7 days. */
  refreshWindow?: number;
  /** Seconds since the epoch; for tests. */
  now?: () => number;
}

/** Issues, verifies and refreshes HS256 JWTs signed with `SECRET_KEY` (via jose). */
export class TokenService {
  readonly #key: Uint8Array;
  readonly expiresIn: number;
  readonly refreshWindow: number;
  readonly #now: () => number;

  constructor(options: TokenOptions) {
    this.#key = new TextEncoder().encode(options.secretKey);
    this.expiresIn = options.expiresIn ?? 300;
    this.refreshWindow = options.refreshWindow ?? 7 * 24 * 3600;
    this.#now = options.now ?? (() => Math.floor(Date.now() / 1000));
  }

  /** A new token for `user`; `origIat` carries over on refresh. */
  async issue(user: Omit<TokenClaims, "exp" | "origIat">, origIat = this.#now()): Promise<{ token: string; payload: TokenClaims }> {
    const iat = this.#now();
    const payload: TokenClaims = { ...user, origIat, exp: iat + this.expiresIn };
    const token = await new SignJWT({ ...payload })
      .setProtectedHeader({ alg: "HS256", typ: "JWT" })
      .setIssuedAt(iat)
      .setExpirationTime(payload.exp)
      .sign(this.#key);
    return { token, payload };
  }

  /** The claims of a valid, unexpired token; throws {@link TokenError}. */
  async verify(token: string): Promise<TokenClaims> {
    return this.#verify(token, false);
  }

  /** A fresh token for a (possibly expired) token still inside the refresh window. */
  async refresh(token: string): Promise<{ token: string; payload: TokenClaims }> {
    const claims = await this.#verify(token, true);
    if (this.#now() > claims.origIat + this.refreshWindow) throw new TokenError("refresh_expired");
    const { uid, username, nickname, groupName } = claims;
    return this.issue({ uid, username, nickname, groupName }, claims.origIat);
  }

  /** When a refresh of a token issued at `origIat` stops being allowed (seconds). */
  refreshExpiresIn(origIat: number): number {
    return origIat + this.refreshWindow;
  }

  async #verify(token: string, allowExpired: boolean): Promise<TokenClaims> {
    let payload: JWTPayload;
    try {
      ({ payload } = await jwtVerify(token, this.#key, {
        algorithms: ["HS256"],
        currentDate: new Date(this.#now() * 1000),
        // A refresh accepts an expired token; its own window is checked by the caller.
        ...(allowExpired ? { clockTolerance: this.refreshWindow } : {}),
      }));
    } catch (error) {
      throw new TokenError(error instanceof errors.JWTExpired ? "token_expired" : "invalid_token");
    }
    const { uid, username, nickname, groupName, origIat, exp } = payload as Partial<TokenClaims>;
    if (typeof uid !== "number" || typeof username !== "string" || typeof origIat !== "number" || typeof exp !== "number") {
      throw new TokenError("invalid_token");
    }
    return { uid, username, nickname: String(nickname ?? username), groupName: String(groupName ?? "default"), origIat, exp };
  }
}
