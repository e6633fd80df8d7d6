import { createHash } from "node:crypto";
import { readFile } from "node:fs/promises";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import type { FastifyInstance } from "fastify";
import { OPENAPI_PATH } from "./openapi.js";

const require = createRequire(import.meta.url);
const SWAGGER_UI_DIR = dirname(require.resolve("swagger-ui-dist/package.json"));

/** Where the reference page is. */
export const DOCS_PATH = "/api/docs/";

/**
 * The page's one script: starts Swagger UI on the document. Not inline (the CSP allows
 * scripts from this origin only), and small enough to be text here. `BaseLayout` is Swagger
 * UI's plain layout: the standalone one's top bar draws its logo with an inline `<style>`,
 * which `style-src 'self'` refuses. No validator badge (it would call validator.swagger.io).
 */
const INIT = `window.ui = SwaggerUIBundle({
  url: ${JSON.stringify(OPENAPI_PATH)},
  dom_id: "#swagger-ui",
  layout: "BaseLayout",
  deepLinking: true,
  validatorUrl: "none",
  defaultModelsExpandDepth: 0,
});
`;

const PAGE = `<!doctype html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <meta name="viewport" content="width=device-width, initial-scale=1">
  <title>HTTP API — Switchboard</title>
  <link rel="icon" href="data:,">
  <link rel="stylesheet" href="${DOCS_PATH}swagger-ui.css">
  <script src="${DOCS_PATH}swagger-ui-bundle.js" defer></script>
  <script src="${DOCS_PATH}init.js" defer></script>
</head>
<body>
  <noscript><p>The API reference (Swagger UI) needs JavaScript. The document itself is <a href="${OPENAPI_PATH}">${OPENAPI_PATH}</a>.</p></noscript>
  <div id="swagger-ui"></div>
</body>
</html>
`;

/** The files the page loads: Swagger UI's own build (`swagger-ui-dist`), and the script above. */
const FILES: Record<string, { type: string; load: () => Promise<string | Buffer> }> = {
  "swagger-ui-bundle.js": { type: "text/javascript; charset=utf-8", load: () => readFile(join(SWAGGER_UI_DIR, "swagger-ui-bundle.js")) },
  "swagger-ui.css": { type: "text/css; charset=utf-8", load: () => readFile(join(SWAGGER_UI_DIR, "swagger-ui.css")) },
  "init.js": { type: "text/javascript; charset=utf-8", load: async () => INIT },
};

/** Not an error: the client's copy is current. */
const NOT_MODIFIED = 304;
const PUBLIC = { access: "public" } as const;

/**
 * `GET /api/openapi.json`: the OpenAPI 3.1 document of the HTTP API (`openapi.ts` builds it
 * from the route schemas). `GET /api/docs/`: a reference page for it, Swagger UI, served
 * from this origin (`swagger-ui-dist`, no CDN) under the site's CSP unchanged: scripts and
 * styles from 'self' only, nothing inline. Public, like the API's own description of
 * itself; each operation says what access it needs.
 */
export async function apiDocs(app: FastifyInstance): Promise<void> {
  app.get(OPENAPI_PATH, { config: PUBLIC, schema: { hide: true } }, async () => app.swagger());
  app.get(DOCS_PATH, { config: PUBLIC, schema: { hide: true } }, async (_request, reply) => reply.type("text/html; charset=utf-8").header("cache-control", "no-cache").send(PAGE));

  const cache = new Map<string, { body: string | Buffer; etag: string }>();
  app.get<{ Params: { file: string } }>(
    `${DOCS_PATH}:file`,
    {
      config: { ...PUBLIC, invalidInput: "SB_ERR_NOT_FOUND" },
      schema: { hide: true, params: { type: "object", required: ["file"], properties: { file: { type: "string", enum: Object.keys(FILES) } } } },
    },
    async (request, reply) => {
      const { file } = request.params;
      const { type, load } = FILES[file]!;
      let entry = cache.get(file);
      if (!entry) {
        const body = await load();
        entry = { body, etag: `"${createHash("sha256").update(body).digest("base64url").slice(0, 27)}"` };
        cache.set(file, entry);
      }
      // Fixed names: revalidated each time, 304 while the installed version stands.
      reply.header("cache-control", "no-cache").header("etag", entry.etag);
      if (request.headers["if-none-match"] === entry.etag) return reply.code(NOT_MODIFIED).send();
      return reply.type(type).send(entry.body);
    },
  );
}
