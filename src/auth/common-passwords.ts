import { createRequire } from "node:module";

// Loaded on first use, not at import: the package decompresses its lists when it loads, and
// importing the password rules (the configuration does, for their bounds) should cost nothing.
const require = createRequire(import.meta.url);

/**
 * How many of the most common passwords are refused: the first 10,000 of the ranked list
 * `@zxcvbn-ts/language-common` ships (`passwords-common`, 49,233 passwords from public breach
 * corpora, most common first; the list zxcvbn-ts itself scores against). Only those at least
 * as long as the minimum matter: shorter ones are refused for their length already.
 */
export const COMMON_PASSWORDS_CHECKED = 10_000;

let common: ReadonlySet<string> | null = null;

/**
 * Whether `password` is one of the {@link COMMON_PASSWORDS_CHECKED} most common passwords,
 * ignoring case (`Password1` is `password1`). The list is read on first use.
 *
 * @example
 * isCommonPassword("iloveyou") // true
 */
export function isCommonPassword(password: string): boolean {
  if (!common) {
    const { dictionary } = require("@zxcvbn-ts/language-common") as typeof import("@zxcvbn-ts/language-common");
    common = new Set(dictionary["passwords-common"].slice(0, COMMON_PASSWORDS_CHECKED).map((p) => p.toLowerCase()));
  }
  return common.has(password.toLowerCase());
}
