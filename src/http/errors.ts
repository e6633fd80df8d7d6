import type { FastifyReply } from "fastify";
import { catalogEntry, defineErrors, errorFrame } from "../core/index.js";

/** Refusals any HTTP route may give. */
export const HTTP_ERRORS = defineErrors({
  SB_ERR_NOT_FOUND: { message: "not found", status: 404, frame: "not_found" },
  SB_ERR_UNSUPPORTED_MEDIA_TYPE: { message: "send application/json", status: 415, frame: "unsupported_media_type" },
  SB_ERR_CROSS_SITE: { message: "a state-changing request from another site", status: 403, frame: "cross_site" },
  SB_ERR_BODY_TOO_LARGE: { message: "request body too large", status: 413, frame: "body_too_large" },
  SB_ERR_BAD_BODY: { message: "the request body is not valid JSON", status: 400, frame: "invalid_json" },
  SB_ERR_RATE_LIMITED_HTTP: { message: "too many requests", status: 429, frame: "rate_limited" },
  SB_ERR_REFUSED: { message: "refused", status: 403, frame: "forbidden" },
  SB_ERR_SERVER_ERROR: { message: "internal server error", status: 500, frame: "server_error" },
  SB_ERR_NOT_READY: { message: "a dependency (database or layer) does not answer", status: 503, frame: "not_ready" },
});

/**
 * Answers with a catalogued error: the entry's HTTP status and the one error body every
 * HTTP route uses, `{"error": <name>, "code": <SB_ERR_*>, "detail"?: <specifics>}` (the
 * same object a socket gets as an error frame).
 */
export function sendError(reply: FastifyReply, code: string, detail?: string): FastifyReply {
  const entry = catalogEntry(code);
  if (entry.status === undefined) throw new TypeError(`${code} has no HTTP status in the catalog`);
  return reply.code(entry.status).send(errorFrame(code, detail));
}

/** The HTTP status of a catalogued code, for answers that are pages rather than error bodies. */
export function statusOf(code: string): number {
  const status = catalogEntry(code).status;
  if (status === undefined) throw new TypeError(`${code} has no HTTP status in the catalog`);
  return status;
}
