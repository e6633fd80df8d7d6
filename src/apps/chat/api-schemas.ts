import { refusals } from "../../http/schemas.js";
import "./errors.js";

/**
 * The JSON Schemas of the chat's HTTP fallbacks (`api.ts`): Fastify validates the query and
 * body with them, serializes the replies with them (a field not named here is not sent)
 * and `/api/openapi.json` describes them. The room-name rule (Unicode letters and marks,
 * NFC) and a message's byte length stay in code (`rooms.ts`): the schema gives the shape.
 */

const TAGS = ["chat"];

/** `:room`: checked by `roomName` (the socket route's rule), not here: anything else is 404. */
const ROOM_PARAMS = {
  type: "object",
  required: ["room"],
  properties: { room: { type: "string", description: "A room name: 1–100 Unicode letters, digits, `_ . -` (marks after the first), percent-encoded UTF-8." } },
} as const;

/** One chat line, as sockets get it too. */
const LINE = {
  type: "object",
  required: ["id", "room", "user", "message", "ts"],
  properties: {
    id: { type: "integer" },
    room: { type: "string" },
    user: { type: "string", description: "The sender's username, or `anonymous`." },
    message: { type: "string" },
    ts: { type: "integer", description: "Milliseconds since the epoch." },
    cid: { type: "string", description: "The sender's own id of the line, when it gave one (`Idempotency-Key`, or `cid` over a socket)." },
  },
} as const;

/** The longest long-poll wait, in seconds, and the longest page of lines. */
export function messagesSchema(maxWaitSeconds: number, maxLimit: number) {
  return {
    summary: "A room's lines: history, polling, long-polling",
    description: `Without \`after\`: the last 50 lines (or \`limit\`), oldest first. With \`after=<id>\`: the lines after it (at most 100, or \`limit\`); add \`wait=<s>\` to wait up to that long for the first one (long-polling: an empty list when none came).`,
    tags: TAGS,
    params: ROOM_PARAMS,
    querystring: {
      type: "object",
      properties: {
        after: { type: "integer", minimum: 0, maximum: Number.MAX_SAFE_INTEGER, description: "A line id: only the lines after it." },
        wait: { type: "integer", minimum: 0, maximum: maxWaitSeconds, default: 0, description: "Seconds to wait for a line (with `after`)." },
        limit: { type: "integer", minimum: 1, maximum: maxLimit },
      },
    },
    response: { 200: { type: "object", required: ["messages"], properties: { messages: { type: "array", items: LINE } } }, ...refusals("SB_ERR_INVALID_REQUEST", "SB_ERR_NO_SUCH_ROOM") },
  } as const;
}

export const POST_MESSAGE = {
  summary: "Post a line to a room",
  description:
    "Stored, then broadcast to the room's sockets (201). With an `Idempotency-Key` (the client's own id of the line, 1–64 of `A–Z a–z 0–9 _ . : -`) a line is stored once per room, user and key: a retry answers 200 with the line stored the first time, and broadcasts nothing. Needs a user when `CHAT_REQUIRE_LOGIN` is on.",
  tags: TAGS,
  params: ROOM_PARAMS,
  headers: { type: "object", properties: { "idempotency-key": { type: "string", pattern: "^[A-Za-z0-9_.:-]{1,64}$" } } },
  body: { type: "object", required: ["message"], properties: { message: { type: "string", description: "Not blank; at most 4096 UTF-8 bytes." } } },
  response: { 200: LINE, 201: LINE, ...refusals("SB_ERR_INVALID_REQUEST", "SB_ERR_INVALID_MESSAGE", "SB_ERR_NO_SUCH_ROOM", "SB_ERR_UNSUPPORTED_MEDIA_TYPE", "SB_ERR_BAD_BODY", "SB_ERR_BODY_TOO_LARGE") },
} as const;

/** `defaultLimit` members unless `?limit=` (at most `maxLimit`). */
export function presenceSchema(defaultLimit: number, maxLimit: number) {
  return {
    summary: "Who is in a room",
    description: `Across the cluster: at most \`limit\` members (default ${defaultLimit}); \`count\` is exact either way, and \`truncated\` is true when the room has more than the list.`,
    tags: TAGS,
    params: ROOM_PARAMS,
    querystring: { type: "object", properties: { limit: { type: "integer", minimum: 1, maximum: maxLimit, default: defaultLimit } } },
    response: {
      200: {
        type: "object",
        required: ["members", "count"],
        properties: {
          members: {
            type: "array",
            items: { type: "object", required: ["id", "user"], properties: { id: { type: "string", description: "The connection's id." }, user: { type: "string", description: "The username, or `anonymous`." } } },
          },
          count: { type: "integer" },
          truncated: { type: "boolean", enum: [true] },
        },
      },
      ...refusals("SB_ERR_INVALID_REQUEST", "SB_ERR_NO_SUCH_ROOM"),
    },
  } as const;
}
