// Which language a request gets: the account bar's `lang` cookie if it names one of ours,
// else the best of `Accept-Language` (RFC 9110 §12.5.4, q-values) that we speak, else
// English. Chinese tags for Simplified script (zh, zh-CN, zh-SG, zh-Hans…) get zh-CN;
// Traditional (zh-TW, zh-HK, zh-Hant) are not ours and fall through to the next preference.
import { DEFAULT_LANGUAGE, LANG_COOKIE, isLanguage, type Language } from "./messages.js";

/** At most this many ranges of a header are read (a browser sends a handful). */
const MAX_RANGES = 32;
const SIMPLIFIED = /^zh(-(cn|sg|my|hans)(-.*)?)?$/;

/** The headers {@link requestLanguage} reads, as Node gives them. */
export interface LanguageHeaders {
  cookie?: string | undefined;
  "accept-language"?: string | undefined;
}

/**
 * The page language for a request: the `lang` cookie, else `Accept-Language`, else `en`.
 *
 * @example
 * requestLanguage({ "accept-language": "zh-CN,zh;q=0.9,en;q=0.8" }) // "zh-CN"
 * requestLanguage({ cookie: "lang=en", "accept-language": "zh-CN" }) // "en"
 */
export function requestLanguage(headers: LanguageHeaders): Language {
  return cookieLanguage(headers.cookie) ?? negotiateLanguage(headers["accept-language"]);
}

/** The `lang` cookie's language, or null when absent or not one of ours. */
export function cookieLanguage(header: string | undefined): Language | null {
  if (!header) return null;
  for (const pair of header.split(";", 64)) {
    const at = pair.indexOf("=");
    if (at === -1 || pair.slice(0, at).trim() !== LANG_COOKIE) continue;
    const value = pair.slice(at + 1).trim();
    return isLanguage(value) ? value : null;
  }
  return null;
}

/**
 * The best language of an `Accept-Language` header we serve; `en` when none is (or for `*`).
 * Ranges are taken by q-value, then by order; `q=0` and malformed q-values are refusals.
 *
 * @example
 * negotiateLanguage("fr-FR, zh-Hans;q=0.5, en;q=0.4") // "zh-CN"
 * negotiateLanguage("zh-TW") // "en"
 */
export function negotiateLanguage(header: string | undefined): Language {
  if (!header) return DEFAULT_LANGUAGE;
  const ranges = header
    .split(",", MAX_RANGES)
    .map((part, order) => {
      const [tag = "", ...params] = part.split(";");
      const q = params.map((p) => /^\s*q\s*=\s*(0(\.\d{0,3})?|1(\.0{0,3})?)\s*$/i.exec(p)).find((m) => m !== null);
      const malformed = params.some((p) => /^\s*q\s*=/i.test(p)) && !q;
      return { tag: tag.trim().toLowerCase(), q: malformed ? 0 : q ? Number(q[1]) : 1, order };
    })
    .filter((range) => range.q > 0 && range.tag !== "")
    .sort((a, b) => b.q - a.q || a.order - b.order);
  for (const { tag } of ranges) {
    const language = languageOfTag(tag);
    if (language) return language;
  }
  return DEFAULT_LANGUAGE;
}

function languageOfTag(tag: string): Language | null {
  if (tag === "en" || tag.startsWith("en-")) return "en";
  if (SIMPLIFIED.test(tag)) return "zh-CN";
  return null;
}
