import type { FastifyError, FastifyInstance, FastifyRequest } from "fastify";
import fp from "fastify-plugin";
import { SwitchboardError, type ErrorCode } from "../core/index.js";
import { sendError } from "./errors.js";

/** The parts of a request a route schema validates (Fastify's `validationContext`). */
export type HttpPart = "body" | "querystring" | "params" | "headers";

declare module "fastify" {
  interface FastifyContextConfig {
    /**
     * The code a request that fails this route's schema is answered with (default
     * `SB_ERR_INVALID_REQUEST`, 400), for all parts or per part: e.g. a chat line that is
     * not a string is `SB_ERR_INVALID_MESSAGE`, a path that names no order
     * `SB_ERR_NO_SUCH_ORDER` (404), as the route's own checks answer the same input.
     */
    invalidInput?: ErrorCode | Partial<Record<HttpPart, ErrorCode>>;
  }
}

/** Fastify's own refusals, answered in the one error body with our codes. */
const FASTIFY_CODES: Record<string, string> = {
  FST_ERR_CTP_INVALID_MEDIA_TYPE: "SB_ERR_UNSUPPORTED_MEDIA_TYPE",
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: "SB_ERR_BAD_BODY",
  FST_ERR_CTP_EMPTY_JSON_BODY: "SB_ERR_BAD_BODY",
  FST_ERR_CTP_INVALID_JSON_BODY: "SB_ERR_BAD_BODY",
  FST_ERR_CTP_BODY_TOO_LARGE: "SB_ERR_BODY_TOO_LARGE",
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
 * The code for a request that failed its route's schema (`FST_ERR_VALIDATION`): the
 * route's `config.invalidInput` for that part, else `SB_ERR_INVALID_REQUEST`.
 */
export function invalidInputCode(request: Pick<FastifyRequest, "routeOptions">, part: string | undefined): ErrorCode {
  const declared = request.routeOptions.config.invalidInput;
  if (typeof declared === "string") return declared;
  return (part && declared?.[part as HttpPart]) || "SB_ERR_INVALID_REQUEST";
}

/**
 * One error body for every HTTP answer that is not the route's own: unknown paths (404
 * `not_found`), Fastify's body-parser refusals (415, 413, 400), input that fails a route's
 * schema (400 `invalid_request` with Fastify's message as `detail`, e.g. `querystring/limit
 * must be <= 500`, or the route's own code: {@link invalidInputCode}), catalogued errors a
 * route threw, and a 500 for anything else (logged, never shown). Registered once on the root;
 * a module that needs another shape (GraphQL's `errors`) sets its own handler.
 */
export const errorBodies = fp(
  async (app: FastifyInstance) => {
    app.setNotFoundHandler(async (request, reply) => sendError(reply, "SB_ERR_NOT_FOUND", `${request.method} ${request.url.split("?")[0]}`));
    app.setErrorHandler(async (error: FastifyError | SwitchboardError, request, reply) => {
      if (error instanceof SwitchboardError) {
        if (error.status !== undefined) return sendError(reply, error.code, error.detail);
      } else if (error.code === "FST_ERR_VALIDATION") {
        return sendError(reply, invalidInputCode(request, error.validationContext), error.message);
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
