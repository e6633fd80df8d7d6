import type { FastifyInstance } from "fastify";
import type { Access } from "../../auth/index.js";
import { SwitchboardError, type ChannelLayer } from "../../core/index.js";
import { sendError } from "../../http/errors.js";
import { jsonOnly } from "../../http/json-only.js";
import { waitForLines } from "./long-poll.js";
import type { Presence } from "./presence.js";
import { publishLine } from "./publish.js";
import { roomName } from "./rooms.js";
import type { MessageStore } from "./store.js";

/** Longest long-poll wait, in seconds. */
export const MAX_WAIT_SECONDS = 30;

interface RoomParams {
  room: string;
}
interface MessagesQuery {
  after?: string;
  wait?: string;
  limit?: string;
}

/**
 * The HTTP fallbacks for clients without WebSocket:
 * - `GET /api/rooms/:room/messages` — the last 50 lines (or `limit`, max 500);
 * - `GET ...?after=<id>` — lines after `id` (polling); add `&wait=<s>` (max 30) to wait for
 *   the first one (long-polling; an empty list on timeout);
 * - `POST /api/rooms/:room/messages` with `{"message": "..."}` — stored and broadcast to
 *   socket clients too; answers 201 with the line;
 * - `GET /api/rooms/:room/presence` — `{"members": [{"id", "user"}...]}` across the cluster.
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
    app.get<{ Params: RoomParams }>("/api/rooms/:room/presence", { config: { access: "public" } }, async (request, reply) => {
      const room = roomName(request.params.room);
      if (room === null) return sendError(reply, "SB_ERR_NO_SUCH_ROOM");
      return { members: await presence.members(room) };
    });

    app.get<{ Params: RoomParams; Querystring: MessagesQuery }>("/api/rooms/:room/messages", { config: { access: "public" } }, async (request, reply) => {
      const room = roomName(request.params.room);
      if (room === null) return sendError(reply, "SB_ERR_NO_SUCH_ROOM");
      const q = request.query;
      const limit = intParam(q.limit, q.after === undefined ? 50 : 100, 1, 500);
      const after = intParam(q.after, -1, 0, Number.MAX_SAFE_INTEGER);
      const wait = intParam(q.wait, 0, 0, MAX_WAIT_SECONDS);
      if (limit === null || after === null || wait === null) {
        return sendError(reply, "SB_ERR_INVALID_REQUEST", `limit 1–500, after ≥ 0, wait 0–${MAX_WAIT_SECONDS}`);
      }
      if (after < 0) return { messages: await store.latest(room, limit) };
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

    app.post<{ Params: RoomParams }>(
      "/api/rooms/:room/messages",
      { bodyLimit: 16 * 1024, config: { access: postAccess } },
      async (request, reply) => {
        const room = roomName(request.params.room);
        if (room === null) return sendError(reply, "SB_ERR_NO_SUCH_ROOM");
        const body = request.body as { message?: unknown } | null;
        try {
          const line = await publishLine(store, layer, room, request.user?.username ?? "anonymous", body?.message);
          return reply.code(201).send(line);
        } catch (error) {
          if (error instanceof SwitchboardError && error.frame) return sendError(reply, error.code, error.message);
          throw error;
        }
      },
    );
  };
}

/** Parses an optional integer query parameter; `null` when present but invalid. */
function intParam(value: string | undefined, fallback: number, min: number, max: number): number | null {
  if (value === undefined || value === "") return fallback;
  if (!/^\d{1,16}$/.test(value)) return null;
  const n = Number(value);
  return n >= min && n <= max ? n : null;
}
