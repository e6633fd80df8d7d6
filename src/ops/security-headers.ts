import type { FastifyInstance } from "fastify";

/** No inline script anywhere; sockets and fetches to this origin only; never framed. */
export const CONTENT_SECURITY_POLICY = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "connect-src 'self' ws: wss:",
  "frame-ancestors 'none'",
  "base-uri 'self'",
  "form-action 'self'",
].join("; ");

/** Security headers on every response (CSP without inline script, no framing, no sniffing). */
export async function securityHeaders(app: FastifyInstance): Promise<void> {
  app.addHook("onSend", async (request, reply) => {
    reply.header("Content-Security-Policy", CONTENT_SECURITY_POLICY);
    reply.header("X-Content-Type-Options", "nosniff");
    reply.header("X-Frame-Options", "DENY");
    reply.header("Referrer-Policy", "same-origin");
    if (request.protocol === "https") reply.header("Strict-Transport-Security", "max-age=31536000");
  });
}
(securityHeaders as unknown as Record<symbol, boolean>)[Symbol.for("skip-override")] = true;
