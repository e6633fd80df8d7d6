import type { FastifyInstance } from "fastify";
import { sql, type Kysely } from "kysely";
import type { ChannelLayer } from "../core/index.js";
import type { Registry } from "prom-client";
import { statusOf } from "../http/errors.js";
import { metricsHandler } from "./metrics-endpoint.js";

const PUBLIC = { config: { access: "public" } } as const;

/**
 * `/healthz` (liveness: 200 while the process serves; `degraded` while the layer's Redis is
 * away), `/readyz` (200 only when the database answers and a message makes a round trip
 * through the layer; 503 naming what failed), `/metrics` (Prometheus; only with
 * `Authorization: Bearer <metricsToken>`, and 404 when no token is configured: see
 * {@link metricsHandler}).
 */
export function healthRoutes(db: Kysely<unknown>, layer: ChannelLayer, registry: Registry, options: { metricsToken: string | null }) {
  return async (app: FastifyInstance): Promise<void> => {
    app.get("/healthz", PUBLIC, async () => ({ status: layer.healthy ? "ok" : "degraded", layer: layer.healthy ? "ok" : "unreachable" }));
    app.get("/readyz", PUBLIC, async (_request, reply) => {
      const checks: Record<string, string> = {};
      try {
        await sql`select 1`.execute(db);
        checks.database = "ok";
      } catch (error) {
        checks.database = `failed: ${(error as Error).message}`;
      }
      try {
        const channel = await layer.newChannel("readyz");
        await layer.send(channel, { type: "readyz.probe" });
        await layer.receive(channel, { signal: AbortSignal.timeout(1000) });
        checks.layer = layer.healthy ? "ok" : "degraded";
      } catch (error) {
        checks.layer = `failed: ${(error as Error).message}`;
      }
      const ready = checks.database === "ok" && checks.layer === "ok";
      if (!ready) reply.code(statusOf("SB_ERR_NOT_READY"));
      return reply.send({ status: ready ? "ready" : "not_ready", checks });
    });
    // Public to the auth plugin (a scraper is not a user); the handler checks METRICS_TOKEN.
    app.get("/metrics", PUBLIC, metricsHandler(registry, options.metricsToken));
  };
}
