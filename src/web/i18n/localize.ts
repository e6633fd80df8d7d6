// Server-side translation of our page HTML (src/web/*.html), done once per page and
// language when an app is built (src/web/pages.ts). A page marks what it says:
//
//   <h1 data-i18n="lobby.heading">Switchboard chat</h1>          text, escaped
//   <p data-i18n-html="lobby.hint_html">Letters … <code>_</code></p>   markup (`_html` keys)
//   <nav aria-label="account" data-i18n-aria-label="account.nav">  an attribute
//
// and `<html lang="…">` becomes the language. The English in the file is what the page says
// when read as it is; the catalog's text replaces it in every language. The pages are ours,
// so regular expressions suffice: a marked element holds no element of its own name, and a
// text key's element holds text only (both checked, so a page edit cannot go wrong quietly).
import { escapeText } from "./escape.js";
import { CATALOGS, type Language, type MessageKey } from "./messages.js";

/** `<tag … data-i18n="key" …>content</tag>` or `data-i18n-html`. */
const MARKED = /<([a-zA-Z][\w-]*)(\s[^>]*?)?\sdata-i18n(-html)?="([^"]*)"([^>]*)>([\s\S]*?)<\/\1>/g;
/** An opening tag with `data-i18n-<attribute>="key"` for a translated attribute. */
const ATTRIBUTE_MARK = /\sdata-i18n-(aria-label|placeholder|title|alt)="([^"]*)"/g;
const TAG = /<[a-zA-Z][^>]*\sdata-i18n-(?:aria-label|placeholder|title|alt)="[^>]*>/g;
const HTML_LANG = /<html lang="[^"]*">/;

/** Every catalog key a page's HTML names, in order of appearance (with repeats). */
export function pageKeys(html: string): string[] {
  return [...html.matchAll(/\sdata-i18n(?:-[a-z-]+)?="([^"]*)"/g)].map((m) => m[1]!);
}

/**
 * `html` (a page of `src/web`, named `page` in errors) in `language`: each marked element's
 * content and attribute from the catalog, and `<html lang>` set. Throws a `TypeError` for a
 * key no catalog has, an `_html` key used as text or the reverse, or a marked element that
 * nests (the page needs fixing, and the app does not start with it).
 *
 * @example
 * localizeHtml('<html lang="en"><h1 data-i18n="not_found.heading">Not found</h1>', "zh-CN", "404.html")
 * // '<html lang="zh-CN"><h1 data-i18n="not_found.heading">未找到</h1>'
 */
export function localizeHtml(html: string, language: Language, page: string): string {
  const catalog = CATALOGS[language];
  const lookup = (key: string): string => {
    if (!Object.hasOwn(catalog, key)) throw new TypeError(`${page}: no message "${key}" in the ${language} catalog (src/web/i18n/)`);
    return catalog[key as MessageKey];
  };
  if (!HTML_LANG.test(html)) throw new TypeError(`${page}: the page must start with <html lang="…">`);
  let out = html.replace(HTML_LANG, `<html lang="${language}">`);
  out = out.replace(MARKED, (whole, tag: string, before = "", asHtml: string | undefined, key: string, after: string, content: string) => {
    if (Boolean(asHtml) !== key.endsWith("_html")) throw new TypeError(`${page}: "${key}" ${asHtml ? "is not an _html key, so it is text: use data-i18n" : "holds markup: use data-i18n-html"}`);
    if (!asHtml && content.includes("<")) throw new TypeError(`${page}: <${tag} data-i18n="${key}"> holds markup; mark the text alone`);
    if (new RegExp(`<${tag}[\\s>]`, "i").test(content)) throw new TypeError(`${page}: <${tag} data-i18n…="${key}"> holds a <${tag}>: mark the inner one`);
    const text = lookup(key);
    return `<${tag}${before} data-i18n${asHtml ?? ""}="${key}"${after}>${asHtml ? text : escapeText(text)}</${tag}>`;
  });
  return out.replace(TAG, (tag) => {
    let opened = tag;
    for (const [, attribute, key] of tag.matchAll(ATTRIBUTE_MARK)) {
      const slot = new RegExp(`\\s${attribute}="[^"]*"`);
      if (!slot.test(opened)) throw new TypeError(`${page}: data-i18n-${attribute}="${key}" on a tag without ${attribute}="…"`);
      opened = opened.replace(slot, ` ${attribute}="${escapeText(lookup(key!))}"`);
    }
    return opened;
  });
}
