// The languages our pages speak and the one lookup both sides use: the server when it
// renders a page (localize.ts) or an account form, the page scripts for what they write at
// run time (src/web/scripts/parts/i18n.ts). Pure data and string work: no DOM, no Node.
import { en, type Catalog, type MessageKey } from "./en.js";
import { zhCN } from "./zh-CN.js";

export type { Catalog, MessageKey } from "./en.js";

/** The languages, the default first. */
export const LANGUAGES = ["en", "zh-CN"] as const;

/** A language of the pages, as its BCP 47 tag (also the `<html lang>` value). */
export type Language = (typeof LANGUAGES)[number];

/** What a visitor sees without a preference we can serve. */
export const DEFAULT_LANGUAGE: Language = "en";

/** The cookie the account bar's switch sets (`lang=zh-CN`); it wins over `Accept-Language`. */
export const LANG_COOKIE = "lang";

/** Each language's catalog. */
export const CATALOGS: Readonly<Record<Language, Catalog>> = { en, "zh-CN": zhCN };

/** Values for a message's `{name}` slots. */
export type MessageValues = Readonly<Record<string, string | number>>;

/** Whether `value` names one of {@link LANGUAGES} exactly. */
export function isLanguage(value: unknown): value is Language {
  return typeof value === "string" && (LANGUAGES as readonly string[]).includes(value);
}

/**
 * The message `key` in `language`, its `{name}` slots filled from `values`. A slot without a
 * value stays as written (`{name}`), visible rather than silently empty.
 *
 * @example
 * message("zh-CN", "account.signed_in_as", { user: "ada" }) // "已登录：ada"
 */
export function message(language: Language, key: MessageKey, values?: MessageValues): string {
  const text = CATALOGS[language][key];
  if (!values) return text;
  return text.replace(/\{(\w+)\}/g, (slot, name: string) => (Object.hasOwn(values, name) ? String(values[name]) : slot));
}
