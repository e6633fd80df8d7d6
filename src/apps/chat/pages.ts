import type { FastifyInstance } from "fastify";
import { statusOf } from "../../http/errors.js";
import { PAGE } from "../../http/schemas.js";
import { readLocalizedPage, sendPage } from "../../web/pages.js";
import "./errors.js";
import { roomName } from "./rooms.js";

/** Pages are public shells, kept out of the API's description. */
const PUBLIC = { config: { access: "public" }, schema: PAGE } as const;

/**
 * The lobby (`/chat/`) and room (`/chat/<room>/`) pages; a bad room name gets the 404 page.
 * A name spelled otherwise than in NFC (`u` + U+0308 for `ü`) is redirected to its NFC
 * spelling, the one room it names; `/chat/<room>` to `/chat/<room>/`.
 */
export function chatPages() {
  // In every language (English, Simplified Chinese), chosen per request: src/web/pages.ts.
  const lobby = readLocalizedPage("lobby.html");
  const room = readLocalizedPage("room.html");
  const missing = readLocalizedPage("404.html");
  return async (app: FastifyInstance): Promise<void> => {
    app.get("/", PUBLIC, async (_request, reply) => reply.redirect("/chat/"));
    app.get("/chat/", PUBLIC, async (request, reply) => sendPage(request, reply, lobby));
    app.get<{ Params: { room: string } }>("/chat/:room/", PUBLIC, async (request, reply) => {
      const name = roomName(request.params.room);
      if (name === null) return sendPage(request, reply.code(statusOf("SB_ERR_NO_SUCH_ROOM")), missing);
      if (name !== request.params.room) return reply.redirect(roomPath(name));
      return sendPage(request, reply, room);
    });
    app.get<{ Params: { room: string } }>("/chat/:room", PUBLIC, async (request, reply) => {
      const name = roomName(request.params.room);
      if (name === null) return sendPage(request, reply.code(statusOf("SB_ERR_NO_SUCH_ROOM")), missing);
      return reply.redirect(roomPath(name));
    });
  };
}

/** The page's path, percent-encoded: a `Location` header carries ASCII only. */
function roomPath(name: string): string {
  return `/chat/${encodeURIComponent(name)}/`;
}
