import type { FastifyInstance } from "fastify";
import type { Access } from "../../auth/index.js";
import { SwitchboardError, type ChannelLayer } from "../../core/index.js";
import { sendError } from "../../http/errors.js";
import { jsonOnly } from "../../http/json-only.js";
import { messagesSchema, POST_MESSAGE, presenceSchema } from "./api-schemas.js";
import { waitForLines } from "./long-poll.js";
import type { Presence } from "./presence.js";
import { clientId, publishLine } from "./publish.js";
import { roomName } from "./rooms.js";
import type { MessageStore } from "./store.js";

/** Longest long-poll wait, in seconds. */
export const MAX_WAIT_SECONDS = 30;
/** Most members `GET /api/rooms/:room/presence` lists (`?limit=`): a read bounded whatever the room's size. */
export const MAX_PRESENCE_LIMIT = 1000;

interface RoomParams {
  room: string;
}
/** Lines `GET /api/rooms/:room/messages` answers at most (`?limit=`). */
const MAX_LINES = 500;

interface PresenceQuery {
  limit: number;
}
interface MessagesQuery {
  after?: number;
  wait: number;
  limit?: number;
}

/**
 * The HTTP fallbacks for clients without WebSocket:
 * - `GET /api/rooms/:room/messages` — the last 50 lines (or `limit`, max 500);
 * - `GET ...?after=<id>` — lines after `id` (polling); add `&wait=<s>` (max 30) to wait for
 *   the first one (long-polling; an empty list on timeout);
 * - `POST /api/rooms/:room/messages` with `{"message": "..."}` — stored and broadcast to
 *   socket clients too; answers 201 with the line;
 * - `GET /api/rooms/:room/presence` — `{"members": [{"id", "user"}...], "count": n}` across the
 *   cluster: at most 100 members (or `limit`, max {@link MAX_PRESENCE_LIMIT}), `"truncated": true`
 *   when the room has more; `count` is exact either way.
 *
 * `:room` is a room name ({@link roomName}: Unicode letters and digits, `_ . -`, 1–100,
 * percent-encoded in the URL as UTF-8), taken in its NFC form; anything else is 404
 * `SB_ERR_NO_SUCH_ROOM`.
 */
export function chatApi(store: MessageStore, layer: ChannelLayer, presence: Presence, postAccess: Access = "public") {
  return async (app: FastifyInstance): Promise<void> => {
    // JSON only: a cross-site form cannot post a line signed as its victim.
    app.addHook("onRequest", jsonOnly);
    // Held long-polls end (with an empty list) when the server starts closing: the server's
    // close waits for requests in flight, and a 25 s wait must not hold up a restart.
    const closing = new AbortController();
    app.addHook("preClose", async () => closing.abort());
    // The query's bounds (limit 1–1000, after ≥ 0, wait 0–30) are the schemas' (`api-schemas.ts`).
    const presenceRoute = { config: { access: "public" }, schema: presenceSchema(100, MAX_PRESENCE_LIMIT) } as const;
    app.get<{ Params: RoomParams; Querystring: PresenceQuery }>("/api/rooms/:room/presence", presenceRoute, async (request, reply) => {
      const room = roomName(request.params.room);
      if (room === null) return sendError(reply, "SB_ERR_NO_SUCH_ROOM");
      return presence.page(room, request.query.limit);
    });

    const messagesRoute = { config: { access: "public" }, schema: messagesSchema(MAX_WAIT_SECONDS, MAX_LINES) } as const;
    app.get<{ Params: RoomParams; Querystring: MessagesQuery }>("/api/rooms/:room/messages", messagesRoute, async (request, reply) => {
      const room = roomName(request.params.room);
      if (room === null) return sendError(reply, "SB_ERR_NO_SUCH_ROOM");
      const { after, wait } = request.query;
      const limit = request.query.limit ?? (after === undefined ? 50 : 100);
      if (after === undefined) return { messages: await store.latest(room, limit) };
      const gone = new AbortController();
      const end = (): void => gone.abort();
      request.raw.once("close", end);
      closing.signal.addEventListener("abort", end, { once: true });
      try {
        return { messages: await waitForLines(store, layer, room, after, limit, wait * 1000, gone.signal) };
      } finally {
        closing.signal.removeEventListener("abort", end);
      }
    });

    // A body without a string `message` is an invalid message, as a blank or too long one is.
    app.post<{ Params: RoomParams; Body: { message: string } }>(
      "/api/rooms/:room/messages",
      { bodyLimit: 16 * 1024, config: { access: postAccess, invalidInput: { body: "SB_ERR_INVALID_MESSAGE" } }, schema: POST_MESSAGE },
      async (request, reply) => {
        const room = roomName(request.params.room);
        if (room === null) return sendError(reply, "SB_ERR_NO_SUCH_ROOM");
        try {
          const cid = clientId(request.headers["idempotency-key"]);
          const { line, stored } = await publishLine(store, layer, room, request.user?.username ?? "anonymous", request.body.message, cid);
          return reply.code(stored ? 201 : 200).send(line);
        } catch (error) {
          if (error instanceof SwitchboardError && error.frame) return sendError(reply, error.code, error.message);
          throw error;
        }
      },
    );
  };
}

