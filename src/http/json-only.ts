import type { FastifyReply, FastifyRequest } from "fastify";
import { sendError } from "./errors.js";

/**
 * An `onRequest` hook for JSON APIs: a request with a body (POST, PUT, PATCH) must say
 * `Content-Type: application/json`, else 415 `unsupported_media_type`. A cross-site form can
 * only send form-encoded or `text/plain` bodies, so a JSON-only route cannot be posted to
 * by one (on top of the same-origin check).
 *
 * @example
 * app.addHook("onRequest", jsonOnly);
 */
export async function jsonOnly(request: FastifyRequest, reply: FastifyReply): Promise<void> {
  if (request.method !== "POST" && request.method !== "PUT" && request.method !== "PATCH") return;
  const type = request.headers["content-type"]?.split(";")[0]?.trim().toLowerCase();
  if (type !== "application/json") await sendError(reply, "SB_ERR_UNSUPPORTED_MEDIA_TYPE", `got ${type ?? "no content type"}`);
}
