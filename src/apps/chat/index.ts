import type { FastifyInstance } from "fastify";
import { requireUser } from "../../auth/socket-auth.js";
import { SocketRouter, type ChannelLayer } from "../../core/index.js";
import { chatApi } from "./api.js";
import { chatConsumer } from "./chat-consumer.js";
import { chatPages } from "./pages.js";
import type { Presence } from "./presence.js";
import { ROOM_NAME, TEXT_GROUP_NAME } from "./rooms.js";
import { MessageStore } from "./store.js";
import { TextRoomConsumer } from "./text-room-consumer.js";

/** The chat app: its socket routes and its HTTP plugin (pages + fallbacks). */
export interface ChatApp {
  sockets: SocketRouter;
  http: (app: FastifyInstance) => Promise<void>;
  store: MessageStore;
  presence: Presence;
}

/** Builds the chat app on a store and a layer. */
export function chatApp(store: MessageStore, layer: ChannelLayer, presence: Presence, options: { requireLogin?: boolean } = {}): ChatApp {
  const requireLogin = options.requireLogin ?? false;
  const sockets = new SocketRouter()
    .route("/ws/chat/:roomName/", chatConsumer(store, presence), {
      params: { roomName: ROOM_NAME },
      middleware: requireLogin ? [requireUser()] : [],
    })
    .route("/room/:group/", TextRoomConsumer, { params: { group: TEXT_GROUP_NAME } });
  const api = chatApi(store, layer, presence, requireLogin);
  const pages = chatPages();
  return {
    sockets,
    store,
    presence,
    http: async (app) => {
      await app.register(api);
      await app.register(pages);
    },
  };
}

export { MessageStore } from "./store.js";
export { Presence } from "./presence.js";
export { MemoryPresenceStore, type PresenceStore, type PresenceMember } from "./presence-store.js";
export { RedisPresenceStore } from "./presence-redis.js";
