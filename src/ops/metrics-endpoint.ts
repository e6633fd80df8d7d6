import { createHash, timingSafeEqual } from "node:crypto";
import Fastify, { type FastifyReply, type FastifyRequest } from "fastify";
import type { Registry } from "prom-client";
import { sendError } from "../http/errors.js";
import "./errors.js";

/**
 * Whether an `Authorization` header carries `Bearer <token>`. Both sides are hashed before
 * `timingSafeEqual`, so the comparison takes the same time whatever the guess, its length
 * included.
 *
 * @example
 * bearerMatches("Bearer 0123456789abcdef", "0123456789abcdef"); // true
 */
export function bearerMatches(header: string | undefined, token: string): boolean {
  const presented = /^Bearer +(\S+) *$/i.exec(header ?? "")?.[1];
  if (presented === undefined) return false;
  const digest = (value: string): Buffer => createHash("sha256").update(value).digest();
  return timingSafeEqual(digest(presented), digest(token));
}

/**
 * The handler of `GET /metrics` on the main port. With `token` (`METRICS_TOKEN`) it answers
 * only `Authorization: Bearer <token>` (anything else: 401 `SB_ERR_METRICS_TOKEN`); without
 * one, metrics are not exposed on this port (404 `SB_ERR_METRICS_NOT_EXPOSED`): a route
 * nobody can authenticate to says "not here" rather than inviting a credential.
 */
export function metricsHandler(registry: Registry, token: string | null) {
  return async (request: FastifyRequest, reply: FastifyReply): Promise<FastifyReply> => {
    if (token === null) return sendError(reply, "SB_ERR_METRICS_NOT_EXPOSED");
    if (!bearerMatches(request.headers.authorization, token)) {
      reply.header("WWW-Authenticate", 'Bearer realm="metrics"');
      return sendError(reply, "SB_ERR_METRICS_TOKEN");
    }
    return reply.type(registry.contentType).send(await registry.metrics());
  };
}

/** The separate metrics listener (`METRICS_HOST:METRICS_PORT`). */
export interface MetricsListener {
  /** Starts listening; resolves with `http://host:port` (the real port when `port` is 0). */
  listen(): Promise<string>;
  /** Stops listening (a no-op when it never listened). */
  close(): Promise<void>;
}

/**
 * A second, minimal HTTP server serving only `GET /metrics`, without a token: it is meant
 * for an address only the scraper reaches (`METRICS_HOST=127.0.0.1`, a private interface).
 * Every other path is 404. It shares nothing with the main app but the registry.
 *
 * @example
 * const listener = metricsListener(registry, { host: "127.0.0.1", port: 9100 });
 * await listener.listen(); // "http://127.0.0.1:9100"
 */
export function metricsListener(registry: Registry, options: { host: string; port: number }): MetricsListener {
  const server = Fastify({ logger: false });
  server.get("/metrics", { config: { access: "public" } }, async (_request, reply) => reply.type(registry.contentType).send(await registry.metrics()));
  server.setNotFoundHandler((_request, reply) => sendError(reply, "SB_ERR_NOT_FOUND"));
  return {
    async listen() {
      await server.listen({ host: options.host, port: options.port });
      const address = server.server.address();
      const port = typeof address === "object" && address ? address.port : options.port;
      return `http://${options.host.includes(":") ? `[${options.host}]` : options.host}:${port}`;
    },
    close: () => server.close(),
  };
}
