import { SwitchboardError, type ChannelLayer } from "../../core/index.js";
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
 * socket consumer and the HTTP POST fallback. With a client id (`cid`, checked by
 * {@link clientId}) a line already stored under it is returned as it is and not broadcast
 * again (`stored: false`): the resend of a line whose acknowledgement was lost.
 */
export async function publishLine(
  store: MessageStore,
  layer: ChannelLayer,
  room: string,
  user: string,
  value: unknown,
  cid: string | null = null,
): Promise<{ line: ChatLine; stored: boolean }> {
  const result = await store.addOnce(room, user, messageText(value), cid);
  if (result.stored) {
    const event: ChatMessageEvent = { type: "chat.message", line: result.line };
    await layer.groupSend(roomGroup(room), event);
  }
  return result;
}

/** What a client id may be: 1–64 of `A–Z a–z 0–9 _ . : -` (a random session part and a counter fit). */
export const CLIENT_ID_RULE = /^[A-Za-z0-9_.:-]{1,64}$/;

/** A line's client id, null when it has none; `SB_ERR_INVALID_REQUEST` when it is not one. */
export function clientId(value: unknown): string | null {
  if (value === undefined || value === null) return null;
  if (typeof value !== "string" || !CLIENT_ID_RULE.test(value)) {
    throw new SwitchboardError("SB_ERR_INVALID_REQUEST", `cid must be 1–64 of A–Z a–z 0–9 _ . : - (got ${JSON.stringify(value).slice(0, 80)})`);
  }
  return value;
}
