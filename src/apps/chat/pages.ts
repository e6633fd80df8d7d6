import type { FastifyInstance } from "fastify";
import { statusOf } from "../../http/errors.js";
import { readPage } from "../../web/pages.js";
import "./errors.js";
import { roomName } from "./rooms.js";

/**
 * The lobby (`/chat/`) and room (`/chat/<room>/`) pages; a bad room name gets the 404 page.
 * A name spelled otherwise than in NFC (`u` + U+0308 for `ü`) is redirected to its NFC
 * spelling, the one room it names; `/chat/<room>` to `/chat/<room>/`.
 */
export function chatPages() {
  const lobby = readPage("lobby.html");
  const room = readPage("room.html");
  const missing = readPage("404.html");
  return async (app: FastifyInstance): Promise<void> => {
    app.get("/", { config: { access: "public" } }, async (_request, reply) => reply.redirect("/chat/"));
    app.get("/chat/", { config: { access: "public" } }, async (_request, reply) => reply.type("text/html; charset=utf-8").send(lobby));
    app.get<{ Params: { room: string } }>("/chat/:room/", { config: { access: "public" } }, async (request, reply) => {
      const name = roomName(request.params.room);
      if (name === null) return reply.code(statusOf("SB_ERR_NO_SUCH_ROOM")).type("text/html; charset=utf-8").send(missing);
      if (name !== request.params.room) return reply.redirect(roomPath(name));
      return reply.type("text/html; charset=utf-8").send(room);
    });
    app.get<{ Params: { room: string } }>("/chat/:room", { config: { access: "public" } }, async (request, reply) => {
      const name = roomName(request.params.room);
      if (name === null) return reply.code(statusOf("SB_ERR_NO_SUCH_ROOM")).type("text/html; charset=utf-8").send(missing);
      return reply.redirect(roomPath(name));
    });
  };
}

/** The page's path, percent-encoded: a `Location` header carries ASCII only. */
function roomPath(name: string): string {
  return `/chat/${encodeURIComponent(name)}/`;
}
