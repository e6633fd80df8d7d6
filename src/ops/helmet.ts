import helmet from "@fastify/helmet";
import type { FastifyInstance } from "fastify";

/**
 * The Content-Security-Policy: no inline script anywhere (nor inline styles), sockets and
 * fetches to this origin only (`ws:`/`wss:` for the sockets), never framed, forms and
 * `<base>` to this origin. Helmet's defaults are not merged in (`useDefaults: false`): this
 * is the whole policy. Helmet joins the directives with `;`.
 */
export const CSP_DIRECTIVES: Readonly<Record<string, readonly string[]>> = Object.freeze({
  "default-src": ["'self'"],
  "script-src": ["'self'"],
  "style-src": ["'self'"],
  "img-src": ["'self'", "data:"],
  "connect-src": ["'self'", "ws:", "wss:"],
  "frame-ancestors": ["'none'"],
  "base-uri": ["'self'"],
  "form-action": ["'self'"],
});

/** One year; sent only on responses to HTTPS requests. */
const HSTS = "max-age=31536000";

/**
 * Security headers on every response, by `@fastify/helmet`: the CSP above,
 * `X-Frame-Options: DENY`, `X-Content-Type-Options: nosniff`, `Referrer-Policy: same-origin`,
 * plus helmet's other defaults (COOP/CORP `same-origin`, `Origin-Agent-Cluster`,
 * `X-DNS-Prefetch-Control: off`, `X-Permitted-Cross-Domain-Policies: none`, …).
 *
 * HSTS is the exception: helmet would send it on every response, also over plain HTTP, so
 * it is off in helmet and set here only when `request.protocol` is `https` (the socket's
 * own TLS, or `X-Forwarded-Proto` from a `TRUSTED_PROXIES` proxy, as Fastify's
 * `trustProxy` decides). A browser ignores HSTS over HTTP anyway; sending it there would
 * tell a plain-HTTP development server's clients something untrue.
 *
 * @example
 * await fastify.register(securityHeaders); // at the root, before any route
 */
export async function securityHeaders(app: FastifyInstance): Promise<void> {
  await app.register(helmet, {
    contentSecurityPolicy: { useDefaults: false, directives: CSP_DIRECTIVES as Record<string, string[]> },
    xFrameOptions: { action: "deny" },
    referrerPolicy: { policy: "same-origin" },
    strictTransportSecurity: false,
  });
  app.addHook("onRequest", async (request, reply) => {
    if (request.protocol === "https") reply.header("Strict-Transport-Security", HSTS);
  });
}
// Not encapsulated: the headers apply to every route of the app (what fastify-plugin does).
(securityHeaders as unknown as Record<symbol, boolean>)[Symbol.for("skip-override")] = true;
