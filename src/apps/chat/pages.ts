import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import type { FastifyInstance } from "fastify";
import { isRoomName } from "./rooms.js";

/** `src/web`, found from this module in `src/` and in `dist/` alike (both sit three levels down). */
export const WEB_ROOT = fileURLToPath(new URL("../../../src/web/", import.meta.url));

function page(name: string): string {
  return readFileSync(new URL(name, `file://${WEB_ROOT}`), "utf8");
}

/** The lobby (`/chat/`) and room (`/chat/<room>/`) pages; a bad room name gets the 404 page. */
export function chatPages() {
  const lobby = page("lobby.html");
  const room = page("room.html");
  const missing = page("404.html");
  return async (app: FastifyInstance): Promise<void> => {
    app.get("/", async (_request, reply) => reply.redirect("/chat/"));
    app.get("/chat/", async (_request, reply) => reply.type("text/html; charset=utf-8").send(lobby));
    app.get<{ Params: { room: string } }>("/chat/:room/", async (request, reply) => {
      if (!isRoomName(request.params.room)) return reply.code(404).type("text/html; charset=utf-8").send(missing);
      return reply.type("text/html; charset=utf-8").send(room);
    });
    app.get<{ Params: { room: string } }>("/chat/:room", async (request, reply) => {
      if (!isRoomName(request.params.room)) return reply.code(404).type("text/html; charset=utf-8").send(missing);
      return reply.redirect(`/chat/${request.params.room}/`);
    });
  };
}
