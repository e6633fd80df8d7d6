import { createHash } from "node:crypto";
import { readFile } from "node:fs/promises";
import { extname, join } from "node:path";
import type { FastifyInstance } from "fastify";
import { sendError } from "../http/errors.js";
import { ASSET_DIR, NOT_BUILT, assetEntries } from "./manifest.js";

const TYPES: Record<string, string> = {
  ".js": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".map": "application/json; charset=utf-8",
  ".txt": "text/plain; charset=utf-8",
  ".ttf": "font/ttf",
  ".otf": "font/otf",
  ".woff": "font/woff",
  ".woff2": "font/woff2",
  ".svg": "image/svg+xml",
  ".png": "image/png",
};
/**
 * A built file: `<name>-<HASH>.<ext>`, esbuild's 8-character content hash before the first
 * dot of the extension (`room-3F2A9C7D.js`, `.js.map`, `.js.LEGAL.txt`). Nothing else in the
 * folder (its manifest) is served, and no name can climb out of it.
 */
const HASHED = /^[A-Za-z0-9][\w.-]{0,95}-[A-Z2-7]{8}(\.[A-Za-z0-9]+){1,3}$/;
/** The name's content never changes: a browser keeps it a year without asking again. */
const IMMUTABLE = "public, max-age=31536000, immutable";
/** Not an error: the client's copy is current. */
const NOT_MODIFIED = 304;

/** Options of {@link webAssets}. */
export interface WebAssetsOptions {
  /** The build's folder; default `dist/web/assets/` ({@link ASSET_DIR}). */
  dir?: string;
}

/**
 * Serves what `scripts/build-web.mjs` built into `dist/web/assets/` (read once each):
 *
 * - `GET /assets/<name>-<HASH>.<ext>`: every page's script, the stylesheet, GraphiQL and its
 *   workers and fonts, and their source maps, with `immutable` caching (a new build makes
 *   new names, which the pages then reference: src/web/pages.ts).
 * - `GET /client/index.js`: `switchboard/client` as one ES module, for users' own pages
 *   (`import { chatClient } from "/client/index.js"`). Its name is fixed, so it is sent with
 *   `no-cache` and an ETag: a browser revalidates it and gets 304 while the build stands.
 *
 * Without a build both answer 404 with the command that builds it.
 *
 * @example
 * await app.register(webAssets); // GET /assets/room-3F2A9C7D.js, GET /client/index.js
 */
export async function webAssets(app: FastifyInstance, options: WebAssetsOptions = {}): Promise<void> {
  const dir = options.dir ?? ASSET_DIR;
  const cache = new Map<string, Buffer>();
  const load = async (file: string): Promise<Buffer | null> => {
    let body = cache.get(file);
    if (!body) {
      const read = await readFile(join(dir, file)).catch(() => null);
      if (!read) return null;
      cache.set(file, (body = read));
    }
    return body;
  };
  // Read once, as the pages are (src/web/pages.ts): a rebuild takes effect on restart.
  const entries = assetEntries(dir);
  const missing = (): string | undefined => (Object.keys(entries).length === 0 ? NOT_BUILT : undefined);

  app.get<{ Params: { file: string } }>("/assets/:file", { config: { access: "public" }, schema: { hide: true } }, async (request, reply) => {
    const { file } = request.params;
    const type = TYPES[extname(file)];
    if (!type || !HASHED.test(file)) return sendError(reply, "SB_ERR_NOT_FOUND", missing());
    const body = await load(file);
    if (!body) return sendError(reply, "SB_ERR_NOT_FOUND", missing());
    return reply.type(type).header("cache-control", IMMUTABLE).send(body);
  });

  const built = entries["client.js"];
  let client: { body: string; etag: string } | null = null;
  app.get<{ Params: { file: string } }>("/client/:file", { config: { access: "public" }, schema: { hide: true } }, async (request, reply) => {
    if (request.params.file !== "index.js" || !built) return sendError(reply, "SB_ERR_NOT_FOUND", built ? undefined : NOT_BUILT);
    if (!client) {
      const body = await load(built);
      if (!body) return sendError(reply, "SB_ERR_NOT_FOUND", NOT_BUILT);
      // The map sits beside the hashed file, not beside this name.
      const text = body.toString("utf8").replace(/\/\/# sourceMappingURL=(\S+)\s*$/, "//# sourceMappingURL=/assets/$1\n");
      client = { body: text, etag: `"${createHash("sha256").update(text).digest("base64url").slice(0, 27)}"` };
    }
    reply.header("cache-control", "no-cache").header("etag", client.etag);
    if (request.headers["if-none-match"] === client.etag) return reply.code(NOT_MODIFIED).send();
    return reply.type(TYPES[".js"]!).send(client.body);
  });
}
