import type { ChannelLayer } from "../../core/index.js";
import { messageText, roomGroup } from "./rooms.js";
import type { ChatLine, MessageStore } from "./store.js";

/** The layer message that carries one chat line to every socket of a room. */
export type ChatMessageEvent = {
  type: "chat.message";
  line: ChatLine;
};

/**
 * Validates, stores, then broadcasts one chat line: the database has it before any client
 * sees it, so a client that reconnects can always fetch what it missed. Shared by the
 * socket consumer and the HTTP POST fallback.
 */
export async function publishLine(
  store: MessageStore,
  layer: ChannelLayer,
  room: string,
  user: string,
  value: unknown,
): Promise<ChatLine> {
  const line = await store.add(room, user, messageText(value));
  const event: ChatMessageEvent = { type: "chat.message", line };
  await layer.groupSend(roomGroup(room), event);
  return line;
}
