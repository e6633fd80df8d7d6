// The page scripts' messages: what they write at run time (states, errors, lines they
// build), in the language the server rendered the page in (`<html lang>`, set from the
// `lang` cookie or Accept-Language: src/web/pages.ts). Both catalogs are bundled into each
// page script rather than fetched: they are a few KB gzipped, the script stays one
// immutable asset for both languages, there is no extra request before the first string,
// and no inline script is needed under `script-src 'self'`.
import { DEFAULT_LANGUAGE, LANG_COOKIE, isLanguage, message, type Language, type MessageKey, type MessageValues } from "../../i18n/messages.js";

export type { Language, MessageKey } from "../../i18n/messages.js";
export { LANGUAGES } from "../../i18n/messages.js";

/** The page's language, as the server wrote it into `<html lang>`. */
export const pageLanguage: Language = ((lang) => (isLanguage(lang) ? lang : DEFAULT_LANGUAGE))(document.documentElement.lang);

/**
 * The message `key` in the page's language.
 *
 * @example
 * stateBadge.textContent = t("room.disconnected_retry", { code: 1006, seconds: 2 });
 */
export function t(key: MessageKey, values?: MessageValues): string {
  return message(pageLanguage, key, values);
}

/** A time of day as this page's language writes it. */
export function timeOfDay(when: Date): string {
  return when.toLocaleTimeString(pageLanguage);
}

/** A date and time as this page's language writes it. */
export function dateAndTime(when: Date): string {
  return when.toLocaleString(pageLanguage);
}

/**
 * Switches the site to `language`: sets the `lang` cookie (a year; every path) that the
 * server prefers to Accept-Language, and reloads, since the server renders the page.
 */
export function chooseLanguage(language: Language): void {
  const secure = location.protocol === "https:" ? "; secure" : "";
  document.cookie = `${LANG_COOKIE}=${language}; path=/; max-age=31536000; samesite=lax${secure}`;
  location.reload();
}
