import type { ChannelLayer } from "../../core/index.js";
import { roomGroup } from "./rooms.js";
import type { ChatLine, MessageStore } from "./store.js";

/**
 * Lines of `room` after `after`, waiting up to `waitMs` for the first one. Listens on the
 * channel layer (so a line published on any node wakes it) and joins the room's group
 * before reading the database, so a line stored in between is never missed.
 */
export async function waitForLines(
  store: MessageStore,
  layer: ChannelLayer,
  room: string,
  after: number,
  limit: number,
  waitMs: number,
  cancel: AbortSignal,
): Promise<ChatLine[]> {
  const channel = await layer.newChannel("longpoll");
  const group = roomGroup(room);
  await layer.groupAdd(group, channel);
  try {
    const ready = await store.after(room, after, limit);
    if (ready.length > 0 || waitMs <= 0) return ready;
    const signal = AbortSignal.any([cancel, AbortSignal.timeout(waitMs)]);
    try {
      await layer.receive(channel, { signal });
    } catch (error) {
      if (!signal.aborted) throw error;
      return [];
    }
    return await store.after(room, after, limit);
  } finally {
    await layer.groupDiscard(group, channel);
  }
}
