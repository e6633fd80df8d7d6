import type { FastifyInstance } from "fastify";
import { sql, type Kysely } from "kysely";
import type { ChannelLayer } from "../core/index.js";
import type { Registry } from "prom-client";
import { statusOf } from "../http/errors.js";
import { refusals } from "../http/schemas.js";
import { metricsHandler } from "./metrics-endpoint.js";

const PUBLIC = { config: { access: "public" } } as const;
const TAGS = ["ops"];

const HEALTHZ = {
  summary: "Liveness",
  description: "200 while the process serves; `degraded` while the channel layer's Redis is away.",
  tags: TAGS,
  response: {
    200: {
      type: "object",
      required: ["status", "layer"],
      properties: { status: { type: "string", enum: ["ok", "degraded"] }, layer: { type: "string", enum: ["ok", "unreachable"] } },
    },
  },
} as const;

/** The readiness answer, for 200 and 503 alike: each check is `ok`, `degraded` or `failed: <why>`. */
const READINESS = {
  type: "object",
  required: ["status", "checks"],
  properties: {
    status: { type: "string", enum: ["ready", "not_ready"] },
    checks: { type: "object", properties: { database: { type: "string" }, layer: { type: "string" } } },
  },
} as const;

function readyz() {
  return {
    summary: "Readiness",
    description: "200 only when the database answers and a message makes a round trip through the channel layer; 503 naming what failed.",
    tags: TAGS,
    response: { 200: READINESS, [statusOf("SB_ERR_NOT_READY")]: { ...READINESS, description: "Not ready (`SB_ERR_NOT_READY`'s status; this body, not the error body)." } },
  } as const;
}

function metrics() {
  return {
    summary: "Prometheus metrics",
    description: "Only with `Authorization: Bearer <METRICS_TOKEN>`; 404 when no token is configured (then only the `METRICS_PORT` listener serves them).",
    tags: TAGS,
    security: [{ metricsToken: [] }],
    response: {
      200: { description: "The Prometheus text exposition format.", content: { "text/plain": { schema: { type: "string" } } } },
      ...refusals("SB_ERR_METRICS_TOKEN", "SB_ERR_METRICS_NOT_EXPOSED"),
    },
  } as const;
}

/**
 * `/healthz` (liveness: 200 while the process serves; `degraded` while the layer's Redis is
 * away), `/readyz` (200 only when the database answers and a message makes a round trip
 * through the layer; 503 naming what failed), `/metrics` (Prometheus; only with
 * `Authorization: Bearer <metricsToken>`, and 404 when no token is configured: see
 * {@link metricsHandler}).
 */
export function healthRoutes(db: Kysely<unknown>, layer: ChannelLayer, registry: Registry, options: { metricsToken: string | null }) {
  return async (app: FastifyInstance): Promise<void> => {
    app.get("/healthz", { ...PUBLIC, schema: HEALTHZ }, async () => ({ status: layer.healthy ? "ok" : "degraded", layer: layer.healthy ? "ok" : "unreachable" }));
    app.get("/readyz", { ...PUBLIC, schema: readyz() }, async (_request, reply) => {
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
    app.get("/metrics", { ...PUBLIC, schema: metrics() }, metricsHandler(registry, options.metricsToken));
  };
}
