import type { ChannelLayer } from "../../core/index.js";
import { roomGroup } from "./rooms.js";
import type { ChatLine, MessageStore } from "./store.js";

/**
 * Lines of `room` after `after`, waiting up to `waitMs` for the first one. Listens on the
 * channel layer (so a line published on any node wakes it) and joins the room's group
 * before reading the database, so a line stored in between is never missed. Ends with an
 * empty list when `waitMs` runs out or `cancel` aborts (the client went away), whichever
 * comes first; the timer and the listener on `cancel` are gone when it returns.
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
    if (ready.length > 0 || waitMs <= 0 || cancel.aborted) return ready;
    // Not `AbortSignal.any` over `cancel` and an `AbortSignal.timeout`: the combined signal
    // holds the timeout signal only weakly, so after a garbage collection it may never fire
    // and the wait never ends (nodejs/node#57736). A timer keeps its callback, and with it
    // this controller, alive until it runs or is cleared.
    const ended = new AbortController();
    const timer = setTimeout(() => ended.abort(), waitMs);
    const onCancel = (): void => ended.abort();
    cancel.addEventListener("abort", onCancel, { once: true });
    try {
      await layer.receive(channel, { signal: ended.signal });
    } catch (error) {
      if (!ended.signal.aborted) throw error;
      return [];
    } finally {
      clearTimeout(timer);
      cancel.removeEventListener("abort", onCancel);
    }
    return await store.after(room, after, limit);
  } finally {
    await layer.groupDiscard(group, channel);
  }
}
