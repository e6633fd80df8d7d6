import type { FastifyInstance } from "fastify";
import { readPage } from "../../web-pages.js";
import { isRoomName } from "./rooms.js";

/** The lobby (`/chat/`) and room (`/chat/<room>/`) pages; a bad room name gets the 404 page. */
export function chatPages() {
  const lobby = readPage("lobby.html");
  const room = readPage("room.html");
  const missing = readPage("404.html");
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
