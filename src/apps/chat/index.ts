import type { FastifyInstance } from "fastify";
import { SocketRoutes } from "../../auth/index.js";
import { sharedRedis } from "../../runtime/layer.js";
import type { AppModule } from "../module.js";
import { chatApi } from "./api.js";
import { chatConsumer } from "./chat-consumer.js";
import { CHAT_ERRORS } from "./errors.js";
import { chatGraphql } from "./graphql.js";
import * as chatMessages from "./migrations/0001-chat-messages.js";
import * as chatClientIds from "./migrations/0005-chat-client-ids.js";
import { chatPages } from "./pages.js";
import { Presence } from "./presence.js";
import { MemoryPresenceStore } from "./presence-store.js";
import { RedisPresenceStore } from "./presence-redis.js";
import { roomKwarg } from "./rooms.js";
import { MessageStore } from "./store.js";
import { TextRoomConsumer } from "./text-room-consumer.js";

/**
 * The chat: the lobby and room pages, `/ws/chat/<room>/` (JSON, stored lines, history,
 * presence), `/room/<group>/` (plain text), the HTTP fallbacks (polling, long-polling,
 * POST) and the `roomMessages` subscription. `CHAT_REQUIRE_LOGIN=1` makes the room socket
 * and the POST need a user.
 */
export const chatApp: AppModule = {
  name: "chat",
  migrations: { "0001-chat-messages": chatMessages, "0005-chat-client-ids": chatClientIds },
  errors: CHAT_ERRORS,
  start({ config, db, layer, logger }) {
    const store = new MessageStore(db);
    const redis = sharedRedis(config);
    const presence = new Presence(redis ? new RedisPresenceStore(redis) : new MemoryPresenceStore(), layer, { logger });
    const roomAccess = config.chatRequireLogin ? "user" : "public";
    const sockets = new SocketRoutes()
      // Names are checked (404) and put in NFC by middleware: the router's kwarg patterns are not Unicode-aware.
      .route("/ws/chat/:roomName/", chatConsumer(store, presence), { middleware: [roomKwarg("roomName")], access: roomAccess })
      .route("/room/:group/", TextRoomConsumer, { middleware: [roomKwarg("group")], access: "public" });
    return {
      sockets,
      http: async (app: FastifyInstance) => {
        await app.register(chatApi(store, layer, presence, roomAccess));
        await app.register(chatPages());
      },
      graphql: chatGraphql(layer),
      // Rooms with members here or lines stored here: the admin dashboard's rooms and rates.
      report() {
        const members = presence.localRooms();
        const names = new Set([...members.keys(), ...[...store.stored.entries()].map(([room]) => room)]);
        return { rooms: [...names].map((name) => ({ name, members: members.get(name) ?? 0, messages: store.stored.get(name) })) };
      },
      close: () => presence.close(),
    };
  },
};

export { MessageStore } from "./store.js";
export { Presence } from "./presence.js";
export { MemoryPresenceStore, type PresenceStore, type PresenceMember } from "./presence-store.js";
export { RedisPresenceStore } from "./presence-redis.js";
