import type { FastifyInstance, FastifyRequest } from "fastify";
import fp from "fastify-plugin";
import { isAllowed } from "../core/index.js";
import { sendError } from "./errors.js";

const SAFE = new Set(["GET", "HEAD", "OPTIONS"]);

/**
 * Why a state-changing request comes from another site, or null when it may go on.
 * Browsers say where a request comes from: `Sec-Fetch-Site` (Fetch Metadata, where sent),
 * else `Origin`, else `Referer`. `cross-site` is refused; any named origin must be this
 * server's own host or one of `allowed` (`ALLOWED_ORIGINS`, the same rules as sockets). A
 * request naming no origin at all comes from a program, not a page, and is let through:
 * it carries no ambient browser credentials a forged page could ride.
 */
export function crossSiteProblem(request: Pick<FastifyRequest, "method" | "headers">, allowed: readonly string[]): string | null {
  if (SAFE.has(request.method)) return null;
  const site = request.headers["sec-fetch-site"];
  if (site === "cross-site") return "Sec-Fetch-Site: cross-site";
  const origin = request.headers.origin ?? refererOrigin(request.headers.referer);
  if (origin === undefined) return null;
  const host = request.headers.host;
  if (isAllowed(origin, host, []) || (allowed.length > 0 && isAllowed(origin, host, allowed))) return null;
  return `origin ${origin}`;
}

function refererOrigin(referer: string | undefined): string | undefined {
  if (!referer) return undefined;
  try {
    return new URL(referer).origin;
  } catch {
    return "null";
  }
}

/**
 * Refuses every state-changing request (POST, PUT, PATCH, DELETE) another site's page
 * sends, with 403 `cross_site`: the CSRF defence that holds for every route, forms and JSON
 * APIs alike, before any cookie is read. Registered once on the root.
 */
export const sameOrigin = fp(
  async (app: FastifyInstance, options: { allowed: readonly string[] }) => {
    const allowed = options.allowed.map((a) => a.trim().toLowerCase()).filter(Boolean);
    app.addHook("onRequest", async (request, reply) => {
      const problem = crossSiteProblem(request, allowed);
      if (problem) return sendError(reply, "SB_ERR_CROSS_SITE", problem);
    });
  },
  { name: "switchboard-same-origin", fastify: "5.x" },
);
