import { catalogEntry, type ErrorCode } from "../core/index.js";
import "./errors.js";

/**
 * Pieces of route schemas (plain JSON Schema, what Fastify validates and serializes with and
 * `@fastify/swagger` describes) that every app's routes share. A reply schema is also the
 * reply's serializer, and it drops every property it does not name: a field clients read
 * must be listed, or be under `additionalProperties: true`.
 */

/** The one error body (`errorFrame`: `{error, code, detail?}`), as every refusal sends it. */
export const ERROR_BODY = {
  type: "object",
  required: ["error", "code"],
  properties: {
    error: { type: "string", description: "Short name of the refusal (`not_found`, `invalid_request`, …)." },
    code: { type: "string", description: "Its catalog code (`SB_ERR_*`, listed in docs/protocols.md)." },
    detail: { type: "string", description: "What exactly was wrong, when known." },
  },
} as const;

/**
 * Reply schemas for refusals, keyed by HTTP status as the catalog gives it (no literal
 * status here), each naming the codes it stands for.
 *
 * @example
 * response: { 200: LINES, ...refusals("SB_ERR_INVALID_REQUEST", "SB_ERR_NO_SUCH_ROOM") }
 * // { 200: …, 400: {…ERROR_BODY, description: "SB_ERR_INVALID_REQUEST"}, 404: {…} }
 */
export function refusals(...codes: ErrorCode[]): Record<number, typeof ERROR_BODY & { description: string }> {
  const byStatus = new Map<number, ErrorCode[]>();
  for (const code of codes) {
    const status = catalogEntry(code).status;
    if (status === undefined) throw new TypeError(`${code} has no HTTP status in the catalog`);
    byStatus.set(status, [...(byStatus.get(status) ?? []), code]);
  }
  return Object.fromEntries([...byStatus].map(([status, list]) => [status, { ...ERROR_BODY, description: list.map((c) => `\`${c}\``).join(", ") }]));
}

/** Who a request comes from, as the auth plugin fills `request.user` (extra claims pass through). */
export const USER = {
  type: "object",
  required: ["id", "username"],
  properties: {
    id: { type: ["integer", "string"] },
    username: { type: "string" },
    nickname: { type: "string" },
    groupName: { type: "string" },
    isSuperuser: { type: "boolean" },
  },
  additionalProperties: true,
} as const;

/** A path segment of digits (an id), 1–12 of them. */
export const ID = { type: "string", pattern: "^[0-9]{1,12}$", description: "A numeric id." } as const;

/** An HTML page: not part of the API (kept out of the OpenAPI document), and not serialized. */
export const PAGE = { hide: true } as const;
