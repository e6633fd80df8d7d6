import { randomBytes, scrypt, timingSafeEqual, type ScryptOptions } from "node:crypto";
import { COMMON_PASSWORDS_CHECKED, isCommonPassword } from "./common-passwords.js";

/** scrypt cost: N=2^15, r=8, p=1 — 32 MiB and ~50 ms per hash (OWASP's minimum is N=2^17 with r=8 for scrypt; raise N with hardware). */
const PARAMS = { N: 2 ** 15, r: 8, p: 1 };
const KEY_LENGTH = 32;

function derive(password: string, salt: Buffer, params: { N: number; r: number; p: number }): Promise<Buffer> {
  const options: ScryptOptions = { ...params, maxmem: 128 * params.N * params.r * 2 };
  return new Promise((resolve, reject) =>
    scrypt(password.normalize("NFKC"), salt, KEY_LENGTH, options, (error, key) => (error ? reject(error) : resolve(key))),
  );
}

/** Hashes a password with scrypt (memory-hard): `scrypt$N$r$p$salt$hash`, base64url. */
export async function hashPassword(password: string): Promise<string> {
  const salt = randomBytes(16);
  const key = await derive(password, salt, PARAMS);
  return ["scrypt", PARAMS.N, PARAMS.r, PARAMS.p, salt.toString("base64url"), key.toString("base64url")].join("$");
}

/** Checks `password` against a stored hash in constant time; false for a malformed hash. */
export async function verifyPassword(password: string, stored: string): Promise<boolean> {
  const [scheme, n, r, p, salt, hash] = stored.split("$");
  if (scheme !== "scrypt" || !salt || !hash) return false;
  const expected = Buffer.from(hash, "base64url");
  const key = await derive(password, Buffer.from(salt, "base64url"), { N: Number(n), r: Number(r), p: Number(p) });
  return key.length === expected.length && timingSafeEqual(key, expected);
}

/** The shortest password accepted by default (`PASSWORD_MIN_LENGTH`): NIST SP 800-63B's minimum. */
export const DEFAULT_PASSWORD_MIN_LENGTH = 8;
/** The lowest `PASSWORD_MIN_LENGTH` may be set (NIST's floor). */
export const PASSWORD_MIN_LENGTH_FLOOR = 8;
/** The longest password accepted, in characters: NIST asks for at least 64; scrypt takes any length. */
export const PASSWORD_MAX_LENGTH = 1024;
/** The longest `PASSWORD_MIN_LENGTH` may be set. */
export const PASSWORD_MIN_LENGTH_CEILING = 128;

/** Words of this service a user is likely to pick (NIST: "the name of the service"). */
const SERVICE_WORDS = ["switchboard"];

/**
 * Why a password is refused, or null when it is acceptable — the rules of NIST SP 800-63B
 * (§3.1.1.2 of revision 4, §5.1.1.2 of revision 3): at least `minLength` characters (default
 * 8) and at most {@link PASSWORD_MAX_LENGTH}, each Unicode code point counting as one (after
 * NFKC, as the hash sees it); not one of the most common passwords (`common-passwords.ts`);
 * not one character repeated or a straight run (`aaaaaaaa`, `12345678`, `hgfedcba`); not the
 * service's name; and not containing the username (names of 4 characters or more; a shorter
 * one only when the password is exactly it). No composition rules: no required digits,
 * capitals or symbols, and spaces and any Unicode are accepted.
 *
 * @example
 * passwordProblem("password") // "password is too common (one of the 10,000 most used passwords): choose another"
 * passwordProblem("correct horse battery staple") // null
 */
export function passwordProblem(password: string, username = "", minLength = DEFAULT_PASSWORD_MIN_LENGTH): string | null {
  const length = [...password.normalize("NFKC")].length;
  if (length < minLength) return `password must be at least ${minLength} characters`;
  if (length > PASSWORD_MAX_LENGTH) return `password must be at most ${PASSWORD_MAX_LENGTH} characters`;
  const lower = password.toLowerCase();
  if (isCommonPassword(password)) return `password is too common (one of the ${COMMON_PASSWORDS_CHECKED.toLocaleString("en-US")} most used passwords): choose another`;
  if (isRepetitiveOrSequential(password)) return "password is too easy to guess (one character repeated, or a run like 12345678 or abcdefgh): choose another";
  if (SERVICE_WORDS.includes(lower)) return "password must not be the name of the service";
  const name = username.toLowerCase();
  if (name && (lower === name || (name.length >= 4 && lower.includes(name)))) return "password must not contain the username";
  return null;
}

/** One character repeated, or code points each one up or one down from the last. */
function isRepetitiveOrSequential(password: string): boolean {
  const points = [...password.toLowerCase()].map((c) => c.codePointAt(0)!);
  if (points.length < 2) return false;
  const step = points[1]! - points[0]!;
  if (step !== 0 && step !== 1 && step !== -1) return false;
  return points.every((p, i) => i === 0 || p - points[i - 1]! === step);
}
