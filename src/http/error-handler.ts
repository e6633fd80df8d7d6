import type { FastifyError, FastifyInstance } from "fastify";
import fp from "fastify-plugin";
import { SwitchboardError } from "../core/index.js";
import { sendError } from "./errors.js";

/** Fastify's own refusals, answered in the one error body with our codes. */
const FASTIFY_CODES: Record<string, string> = {
  FST_ERR_CTP_INVALID_MEDIA_TYPE: "SB_ERR_UNSUPPORTED_MEDIA_TYPE",
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: "SB_ERR_BAD_BODY",
  FST_ERR_CTP_EMPTY_JSON_BODY: "SB_ERR_BAD_BODY",
  FST_ERR_CTP_INVALID_JSON_BODY: "SB_ERR_BAD_BODY",
  FST_ERR_CTP_BODY_TOO_LARGE: "SB_ERR_BODY_TOO_LARGE",
  FST_ERR_VALIDATION: "SB_ERR_INVALID_REQUEST",
};

/** A plugin's own 4xx error (no Fastify code we know), by status. */
const STATUS_CODES: Record<number, string> = {
  400: "SB_ERR_INVALID_REQUEST",
  403: "SB_ERR_REFUSED",
  404: "SB_ERR_NOT_FOUND",
  413: "SB_ERR_BODY_TOO_LARGE",
  415: "SB_ERR_UNSUPPORTED_MEDIA_TYPE",
  429: "SB_ERR_RATE_LIMITED_HTTP",
};

/**
 * One error body for every HTTP answer that is not the route's own: unknown paths (404
 * `not_found`), Fastify's body-parser refusals (415, 413, 400), catalogued errors a route
 * threw, and a 500 for anything else (logged, never shown). Registered once on the root;
 * a module that needs another shape (GraphQL's `errors`) sets its own handler.
 */
export const errorBodies = fp(
  async (app: FastifyInstance) => {
    app.setNotFoundHandler(async (request, reply) => sendError(reply, "SB_ERR_NOT_FOUND", `${request.method} ${request.url.split("?")[0]}`));
    app.setErrorHandler(async (error: FastifyError | SwitchboardError, request, reply) => {
      if (error instanceof SwitchboardError) {
        if (error.status !== undefined) return sendError(reply, error.code, error.detail);
      } else {
        const code = error.code ? FASTIFY_CODES[error.code] : undefined;
        if (code) return sendError(reply, code, error.message);
        const byStatus = error.statusCode !== undefined ? STATUS_CODES[error.statusCode] : undefined;
        if (byStatus) return sendError(reply, byStatus, error.message);
      }
      request.log.error({ err: error }, "request failed");
      return sendError(reply, "SB_ERR_SERVER_ERROR");
    });
  },
  { name: "switchboard-error-bodies", fastify: "5.x" },
);
