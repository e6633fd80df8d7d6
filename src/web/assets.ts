import { readFile } from "node:fs/promises";
import type { FastifyInstance } from "fastify";
import { sendError } from "../http/errors.js";

/** `dist/client/` when running the build, `src/client/` when running the sources (tests, tsx). */
const CLIENT_DIR = new URL("../client/", import.meta.url);
const FILE = /^[a-z][a-z-]*\.js(\.map)?$/;

/**
 * Serves the `switchboard/client` modules to browsers at `/client/<module>.js`, so pages
 * import them (`import { chatClient } from "/client/index.js"`) with no bundler and no
 * inline script. From the build they are the compiled files; from the sources each module is
 * transpiled once with TypeScript (a dev dependency, present wherever the sources run).
 */
export async function clientAssets(app: FastifyInstance): Promise<void> {
  const cache = new Map<string, string | null>();
  app.get<{ Params: { file: string } }>("/client/:file", { config: { access: "public" } }, async (request, reply) => {
    const { file } = request.params;
    if (!FILE.test(file)) return sendError(reply, "SB_ERR_NOT_FOUND");
    let body = cache.get(file);
    if (body === undefined) cache.set(file, (body = await load(file)));
    if (body === null) return sendError(reply, "SB_ERR_NOT_FOUND");
    return reply
      .type(file.endsWith(".map") ? "application/json" : "text/javascript; charset=utf-8")
      .header("cache-control", "no-cache")
      .send(body);
  });
}

async function load(file: string): Promise<string | null> {
  const built = await readFile(new URL(file, CLIENT_DIR), "utf8").catch(() => null);
  if (built !== null || file.endsWith(".map")) return built;
  const source = await readFile(new URL(file.replace(/\.js$/, ".ts"), CLIENT_DIR), "utf8").catch(() => null);
  if (source === null) return null;
  const ts = (await import("typescript")).default;
  return ts.transpileModule(source, {
    compilerOptions: { target: ts.ScriptTarget.ES2022, module: ts.ModuleKind.ESNext },
    fileName: file.replace(/\.js$/, ".ts"),
  }).outputText;
}
