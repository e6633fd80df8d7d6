import { createHash } from "node:crypto";
import { existsSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { extname } from "node:path";
import { fileURLToPath } from "node:url";
import type { FastifyInstance } from "fastify";
import { sendError } from "../http/errors.js";

/**
 * `dist/web/`: what `scripts/build-web.mjs` bundles (part of `npm run build`), found from
 * `src/web/` (the sources, tests, tsx) and `dist/web/` (the build) alike.
 */
export const BUNDLE_ROOT = fileURLToPath(new URL("../../dist/web/", import.meta.url));

const TYPES: Record<string, string> = {
  ".js": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".json": "application/json; charset=utf-8",
  ".txt": "text/plain; charset=utf-8",
  ".ttf": "font/ttf",
  ".otf": "font/otf",
  ".woff": "font/woff",
  ".woff2": "font/woff2",
  ".svg": "image/svg+xml",
  ".png": "image/png",
};
/** Not an error: the client's copy is current. */
const NOT_MODIFIED = 304;
/** One flat folder of files: no `/`, no leading dot, a known extension. */
const FILE = /^[A-Za-z0-9][\w.-]{0,127}$/;

/** Whether bundle `name` (`dist/web/<name>/`) has been built. */
export function bundleBuilt(name: string): boolean {
  return existsSync(`${BUNDLE_ROOT}${name}/build.json`);
}

/**
 * Serves bundle `name` at `/static/<name>/<file>` (public, like every static file): the
 * files of `dist/web/<name>/`, read once each. A missing bundle answers 404 with the command
 * that builds it, so a server started from the sources without a build says what to do.
 *
 * @example
 * await app.register(bundleAssets("graphiql")); // GET /static/graphiql/graphiql.js
 */
export function bundleAssets(name: string) {
  const dir = `${BUNDLE_ROOT}${name}/`;
  return async (app: FastifyInstance): Promise<void> => {
    const cache = new Map<string, { body: Buffer; etag: string }>();
    app.get<{ Params: { file: string } }>(`/static/${name}/:file`, { config: { access: "public" } }, async (request, reply) => {
      const { file } = request.params;
      const type = TYPES[extname(file)];
      if (!FILE.test(file) || !type || file === "build.json") return sendError(reply, "SB_ERR_NOT_FOUND");
      let entry = cache.get(file);
      if (!entry) {
        const body = await readFile(dir + file).catch(() => null);
        if (!body) return sendError(reply, "SB_ERR_NOT_FOUND", bundleBuilt(name) ? undefined : `the ${name} bundle is not built: run npm run build`);
        entry = { body, etag: `"${createHash("sha256").update(body).digest("base64url").slice(0, 27)}"` };
        cache.set(file, entry);
      }
      // Fixed names (not hashed): a browser revalidates each time and gets 304 while the build stands.
      reply.header("cache-control", "no-cache").header("etag", entry.etag);
      if (request.headers["if-none-match"] === entry.etag) return reply.code(NOT_MODIFIED).send();
      return reply.type(type).send(entry.body);
    });
  };
}
