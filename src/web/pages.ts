import { readFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import { localizeHtml } from "./i18n/localize.js";
import { LANGUAGES, type Language } from "./i18n/messages.js";
import { requestLanguage } from "./i18n/negotiate.js";
import { assetEntries } from "./manifest.js";

/** `src/web`: the pages and their static files, found from `src/web/` and `dist/web/` alike. */
export const WEB_ROOT = fileURLToPath(new URL("../../src/web/", import.meta.url));

/** `src="/assets/<entry>"` or `href="/assets/<entry>"`: a page naming a build entry by its plain name. */
const ASSET_REF = /\b(src|href)="\/assets\/([\w.-]+)"/g;

/**
 * A page of `src/web`, read once when an app is built (pages have no inline script and no
 * templating). Each `/assets/<entry>` it names (`<script type="module"
 * src="/assets/room.js">`) becomes the entry's content-hashed file as the last
 * `npm run build` made it (`/assets/room-3F2A9C7D.js`, served with `immutable` caching).
 * Without a build the plain name stays, and answers 404 with the command that builds it.
 *
 * @example
 * const page = readPage("room.html"); // … src="/assets/room-3F2A9C7D.js" …
 */
export function readPage(name: string): string {
  return hashAssetNames(readFileSync(join(WEB_ROOT, name), "utf8"), assetEntries());
}

/** A page rendered in each language once, when an app is built: `page["zh-CN"]`. */
export type LocalizedPage = Readonly<Record<Language, string>>;

/**
 * {@link readPage}, then translated into every language (`data-i18n` keys from the
 * catalogs, `<html lang>`: src/web/i18n/localize.ts). Throws at once for a key no catalog
 * has. Serve it with {@link sendPage}.
 *
 * @example
 * const lobby = readLocalizedPage("lobby.html");
 * app.get("/chat/", async (request, reply) => sendPage(request, reply, lobby));
 */
export function readLocalizedPage(name: string): LocalizedPage {
  const html = readPage(name);
  return Object.fromEntries(LANGUAGES.map((language) => [language, localizeHtml(html, language, name)])) as Record<Language, string>;
}

/**
 * The language to answer `request` in (the `lang` cookie, else `Accept-Language`, else
 * English: src/web/i18n/negotiate.ts), with the headers that say the answer depends on it:
 * `Vary: Accept-Language, Cookie` (so a shared cache keeps one copy per language) and
 * `Content-Language`.
 */
export function replyLanguage(request: FastifyRequest, reply: FastifyReply): Language {
  const language = requestLanguage(request.headers);
  const vary = reply.getHeader("vary");
  const named = (typeof vary === "string" ? vary.split(",") : []).map((v) => v.trim()).filter(Boolean);
  for (const header of ["Accept-Language", "Cookie"]) if (!named.some((v) => v.toLowerCase() === header.toLowerCase())) named.push(header);
  reply.header("vary", named.join(", ")).header("content-language", language);
  return language;
}

/**
 * Sends `page` as HTML in the request's language ({@link replyLanguage}); an error page
 * sets its status on `reply` first (the 404 page takes the catalog's status).
 */
export function sendPage(request: FastifyRequest, reply: FastifyReply, page: LocalizedPage): FastifyReply {
  const language = replyLanguage(request, reply);
  return reply.type("text/html; charset=utf-8").send(page[language]);
}

/**
 * `html` with each `/assets/<entry>` reference replaced by `entries[entry]`, the hashed
 * file; names not in `entries` are left as they are.
 *
 * @example
 * hashAssetNames('<script src="/assets/room.js">', { "room.js": "room-3F2A9C7D.js" })
 * // '<script src="/assets/room-3F2A9C7D.js">'
 */
export function hashAssetNames(html: string, entries: Readonly<Record<string, string>>): string {
  return html.replace(ASSET_REF, (whole, attribute: string, entry: string) => {
    const file = Object.hasOwn(entries, entry) ? entries[entry] : undefined;
    return file ? `${attribute}="/assets/${file}"` : whole;
  });
}

/**
 * `Cache-Control: no-cache` on every HTML response that sets no policy of its own (the
 * pages, the 404 page, the account forms): a page names the build's hashed scripts, so a
 * browser must ask again for it after a deploy, never show a cached copy whose scripts a
 * newer build replaced. (A route that says otherwise, like `/graphql/`'s `no-store`, keeps
 * its own.) Registered at the root, so it sees every route.
 *
 * @example
 * await fastify.register(pageCaching);
 */
export async function pageCaching(app: FastifyInstance): Promise<void> {
  app.addHook("onSend", async (_request, reply, payload) => {
    const type = reply.getHeader("content-type");
    if (typeof type === "string" && type.startsWith("text/html") && !reply.hasHeader("cache-control")) reply.header("cache-control", "no-cache");
    return payload;
  });
}
// Not encapsulated: the hook applies to every route of the app (what fastify-plugin does).
(pageCaching as unknown as Record<symbol, boolean>)[Symbol.for("skip-override")] = true;
