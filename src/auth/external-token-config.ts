import { createPublicKey, type KeyObject } from "node:crypto";
import { existsSync, readFileSync } from "node:fs";

/**
 * Where the key that verifies another service's tokens comes from: exactly one of a shared
 * secret (`TOKEN_KEY`, HMAC), a PEM public key (`TOKEN_PUBLIC_KEY`, already read from its
 * file) or a JWKS URL (`TOKEN_JWKS_URL`, fetched and cached at run time).
 */
export type TokenKeySource =
  | { kind: "secret"; secret: string }
  | { kind: "public-key"; pem: string }
  | { kind: "jwks"; url: string };

/** The names, in the other service's tokens, of the three claims the route reads. */
export interface ExternalClaimNames {
  uid: string;
  nickname: string;
  groupName: string;
}

/**
 * How tokens issued by another service are verified (`TOKEN_*`, see
 * `docs/configuration.md`). Plain data, validated once by {@link parseExternalTokenConfig};
 * `ExternalTokenVerifier` turns it into keys.
 */
export interface ExternalTokenConfig {
  source: TokenKeySource;
  /** The only `alg` values accepted (never `none`; HMAC only with a secret, signatures only with a public key). */
  algorithms: readonly string[];
  claims: ExternalClaimNames;
  /** Required `iss`, when set. */
  issuer: string | null;
  /** Required `aud` (one of the token's audiences), when set. */
  audience: string | null;
}

/** The raw `TOKEN_*` values, as the environment has them (empty counts as unset). */
export interface ExternalTokenSettings {
  key?: string;
  publicKey?: string;
  jwksUrl?: string;
  algorithms?: string;
  claims?: string;
  issuer?: string;
  audience?: string;
}

/** The tutorial's claim names (PyJWT `jwt.encode({"uid", "nickname", "group_name"}, TOKEN_KEY)`). */
export const DEFAULT_CLAIM_NAMES: Readonly<ExternalClaimNames> = { uid: "uid", nickname: "nickname", groupName: "group_name" };

const HMAC = ["HS256", "HS384", "HS512"];
const RSA = ["RS256", "RS384", "RS512", "PS256", "PS384", "PS512"];
const EC_BY_CURVE: Record<string, string> = { prime256v1: "ES256", secp384r1: "ES384", secp521r1: "ES512" };
const OKP = ["EdDSA", "Ed25519"];
/** What `TOKEN_JWKS_URL` accepts unless `TOKEN_ALGORITHMS` says otherwise. */
const JWKS_DEFAULT = ["RS256", "ES256"];
const CLAIM_KEYS: Record<string, keyof ExternalClaimNames> = { uid: "uid", nickname: "nickname", group_name: "groupName" };

/**
 * Validates the `TOKEN_*` settings. Returns `null` when none of `TOKEN_KEY`,
 * `TOKEN_PUBLIC_KEY`, `TOKEN_JWKS_URL` is set (the routes that need them are off); pushes
 * one line per bad value onto `problems` otherwise.
 *
 * @example
 * parseExternalTokenConfig({ key: process.env.TOKEN_KEY }, problems)
 * // → { source: { kind: "secret", … }, algorithms: ["HS256"], claims: { uid: "uid", … }, … }
 */
export function parseExternalTokenConfig(settings: ExternalTokenSettings, problems: string[]): ExternalTokenConfig | null {
  const set = (v: string | undefined): string | null => (v === undefined || v.trim() === "" ? null : v);
  const key = set(settings.key);
  const publicKey = set(settings.publicKey);
  const jwksUrl = set(settings.jwksUrl)?.trim() ?? null;
  const given = [key && "TOKEN_KEY", publicKey && "TOKEN_PUBLIC_KEY", jwksUrl && "TOKEN_JWKS_URL"].filter(Boolean);
  const extras = (
    [
      ["TOKEN_ALGORITHMS", settings.algorithms],
      ["TOKEN_CLAIMS", settings.claims],
      ["TOKEN_ISSUER", settings.issuer],
      ["TOKEN_AUDIENCE", settings.audience],
    ] as const
  ).filter(([, v]) => set(v) !== null);
  if (given.length === 0) {
    for (const [name] of extras) problems.push(`${name} needs one of TOKEN_KEY, TOKEN_PUBLIC_KEY, TOKEN_JWKS_URL`);
    return null;
  }
  if (given.length > 1) {
    problems.push(`set exactly one of TOKEN_KEY, TOKEN_PUBLIC_KEY, TOKEN_JWKS_URL (got ${given.join(", ")})`);
    return null;
  }
  const before = problems.length;
  let source: TokenKeySource | null = null;
  let allowed: string[] = [];
  let defaults: string[] = [];
  if (key !== null) {
    // The Django side signs with the same string: kept as given (not trimmed).
    if (key.length < 32) problems.push("TOKEN_KEY must be at least 32 characters");
    source = { kind: "secret", secret: key };
    allowed = HMAC;
    defaults = ["HS256"];
  } else if (publicKey !== null) {
    const read = readPublicKey(publicKey, problems);
    if (read) {
      source = { kind: "public-key", pem: read.pem };
      allowed = read.algorithms;
      defaults = [read.algorithms[0]!];
    }
  } else if (jwksUrl !== null) {
    let url: URL | null = null;
    try {
      url = new URL(jwksUrl);
    } catch {
      url = null;
    }
    if (!url || (url.protocol !== "https:" && url.protocol !== "http:")) problems.push(`TOKEN_JWKS_URL must be an http:// or https:// URL (got ${JSON.stringify(jwksUrl)})`);
    source = { kind: "jwks", url: jwksUrl };
    allowed = [...RSA, ...Object.values(EC_BY_CURVE), ...OKP];
    defaults = JWKS_DEFAULT;
  }
  // A key that could not be read has no algorithms to check against: its problem is enough.
  const algorithms = source ? parseAlgorithms(settings.algorithms, allowed, defaults, given[0]!, problems) : [];
  const claims = parseClaims(settings.claims, problems);
  const issuer = set(settings.issuer)?.trim() ?? null;
  const audience = set(settings.audience)?.trim() ?? null;
  if (problems.length > before || !source) return null;
  return { source, algorithms, claims, issuer, audience };
}

/** A PEM given inline (`-----BEGIN PUBLIC KEY-----…`, `\n` escapes allowed) or as a file path. */
function readPublicKey(value: string, problems: string[]): { pem: string; algorithms: string[] } | null {
  const inline = value.trim().startsWith("-----BEGIN");
  let pem: string;
  if (inline) {
    // One-line env files write the newlines as `\n`.
    pem = value.trim().replace(/\\n/g, "\n");
  } else {
    const path = value.trim();
    if (!existsSync(path)) {
      problems.push(`TOKEN_PUBLIC_KEY is neither a PEM nor a file that exists: ${path}`);
      return null;
    }
    try {
      pem = readFileSync(path, "utf8");
    } catch (error) {
      problems.push(`TOKEN_PUBLIC_KEY: cannot read ${path}: ${(error as Error).message}`);
      return null;
    }
  }
  if (/-----BEGIN [A-Z ]*PRIVATE KEY-----/.test(pem)) {
    problems.push("TOKEN_PUBLIC_KEY holds a private key: give the issuer's public key (openssl pkey -pubout)");
    return null;
  }
  let keyObject: KeyObject;
  try {
    keyObject = createPublicKey(pem);
  } catch (error) {
    problems.push(`TOKEN_PUBLIC_KEY is not a PEM public key or certificate: ${(error as Error).message}`);
    return null;
  }
  const algorithms = algorithmsOfKey(keyObject);
  if (algorithms.length === 0) {
    problems.push(`TOKEN_PUBLIC_KEY is a ${keyObject.asymmetricKeyType} key: use an RSA, EC (P-256/384/521) or Ed25519 key`);
    return null;
  }
  return { pem, algorithms };
}

/** The JWS algorithms a public key can verify, the usual one first. */
export function algorithmsOfKey(key: KeyObject): string[] {
  switch (key.asymmetricKeyType) {
    case "rsa":
      return RSA;
    case "rsa-pss":
      return RSA.filter((a) => a.startsWith("PS"));
    case "ec": {
      const alg = EC_BY_CURVE[key.asymmetricKeyDetails?.namedCurve ?? ""];
      return alg ? [alg] : [];
    }
    case "ed25519":
      return OKP;
    default:
      return [];
  }
}

function parseAlgorithms(raw: string | undefined, allowed: string[], defaults: string[], source: string, problems: string[]): string[] {
  if (raw === undefined || raw.trim() === "") return defaults;
  const list = raw.split(",").map((a) => a.trim()).filter(Boolean);
  for (const alg of list) {
    if (alg.toLowerCase() === "none") problems.push("TOKEN_ALGORITHMS may not contain none (unsigned tokens are always refused)");
    else if (!allowed.includes(alg)) problems.push(`TOKEN_ALGORITHMS: ${alg} cannot be verified with ${source} (it accepts ${allowed.join(", ")})`);
  }
  return [...new Set(list)];
}

/** `uid:sub,nickname:name,group_name:grp`: our name, a colon, theirs (which may itself hold colons, e.g. a URL). */
function parseClaims(raw: string | undefined, problems: string[]): ExternalClaimNames {
  const claims: ExternalClaimNames = { ...DEFAULT_CLAIM_NAMES };
  if (raw === undefined || raw.trim() === "") return claims;
  const seen = new Set<string>();
  for (const pair of raw.split(",").map((p) => p.trim()).filter(Boolean)) {
    const colon = pair.indexOf(":");
    const ours = colon < 0 ? pair : pair.slice(0, colon).trim();
    const theirs = colon < 0 ? "" : pair.slice(colon + 1).trim();
    const field = CLAIM_KEYS[ours];
    if (!field) problems.push(`TOKEN_CLAIMS: ${JSON.stringify(ours)} is not one of uid, nickname, group_name`);
    else if (!theirs) problems.push(`TOKEN_CLAIMS: ${ours} needs a claim name (${ours}:<claim>)`);
    else if (seen.has(ours)) problems.push(`TOKEN_CLAIMS: ${ours} is given twice`);
    else {
      seen.add(ours);
      claims[field] = theirs;
    }
  }
  return claims;
}
