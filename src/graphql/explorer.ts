import { randomBytes } from "node:crypto";
import type { FastifyInstance } from "fastify";
import { assetBuilt } from "../web/manifest.js";
import { readPage } from "../web/pages.js";

/** Where the page says its style nonce; the bundle reads it (`src/web/graphiql/nonce.ts`). */
const NONCE_SLOT = "{{style-nonce}}";

/**
 * `GET /graphql/`: the GraphQL explorer, GraphiQL (`src/web/graphiql/`, bundled by
 * `scripts/build-web.mjs`, served with the other hashed assets at `/assets/` from our origin:
 * no CDN, no inline script).
 *
 * Its Content-Security-Policy is the site's (helmet's, `ops/helmet.ts`) with two changes for
 * this page only, because Monaco, GraphiQL's editor, styles what it draws: `style-src` gains
 * a nonce fresh for each response (Monaco writes its theme — the syntax colours — into a
 * `<style>` element it creates; the bundle gives every such element the page's nonce), and
 * `style-src-attr 'unsafe-inline'` lets it set `style="…"` attributes (its lines and cursors
 * are HTML strings with inline positions). Scripts stay `'self'` only, and stylesheets from
 * elsewhere stay refused; a style attribute cannot load anything either, as `img-src` and
 * `font-src` (`default-src 'self'`) still hold.
 */
export function graphqlExplorer() {
  const page = readPage("graphql.html");
  if (!page.includes(NONCE_SLOT)) throw new TypeError(`graphql.html must carry ${NONCE_SLOT}`);
  const notice = '<div id="graphiql">\n    <p class="graphiql-missing">The explorer is not built: run <code>npm run build</code>, then reload.</p>';
  return async (app: FastifyInstance): Promise<void> => {
    // A page, not part of the API: kept out of the OpenAPI document (POST /graphql/ is in it).
    app.get("/graphql/", { config: { access: "public" }, schema: { hide: true } }, async (_request, reply) => {
      const nonce = randomBytes(18).toString("base64");
      const policy = reply.getHeader("content-security-policy");
      if (typeof policy === "string") reply.header("content-security-policy", explorerPolicy(policy, nonce));
      // Without a build (sources run without `npm run build`), say so instead of a blank page.
      const html = assetBuilt("graphiql.js") ? page : page.replace('<div id="graphiql">', notice);
      return reply.type("text/html; charset=utf-8").header("cache-control", "no-store").send(html.replaceAll(NONCE_SLOT, nonce));
    });
  };
}

/**
 * The site's policy with this page's style relaxations: `'nonce-<nonce>'` added to
 * `style-src` and `style-src-attr 'unsafe-inline'` (replacing any `style-src-attr`).
 *
 * @example
 * explorerPolicy("default-src 'self';style-src 'self'", "abc")
 * // "default-src 'self';style-src 'self' 'nonce-abc';style-src-attr 'unsafe-inline'"
 */
export function explorerPolicy(policy: string, nonce: string): string {
  const directives = policy.split(";").map((d) => d.trim()).filter((d) => d && !/^style-src-attr\b/i.test(d));
  const style = directives.findIndex((d) => /^style-src\s/i.test(d) || /^style-src$/i.test(d));
  if (style === -1) directives.push(`style-src 'self' 'nonce-${nonce}'`);
  else directives[style] = `${directives[style]} 'nonce-${nonce}'`;
  directives.push("style-src-attr 'unsafe-inline'");
  return directives.join(";");
}
