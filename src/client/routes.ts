import type { ChatLine, ChatSend, NotifyFrame, NotifySend, WorkOrderFrame } from "../protocol/index.js";
import { SwitchboardClient, type ClientOptions } from "./client.js";
import type { LongPollOptions } from "./long-poll.js";
import { APP_PROTOCOL } from "./socket.js";

/**
 * The `ws:`/`wss:` URL of `path`: against `base` (`http://127.0.0.1:8000`, or a ws URL)
 * when given, else against the page's own address in a browser.
 */
export function socketUrl(path: string, base?: string): string {
  const origin = base ?? (globalThis as { location?: { href: string } }).location?.href;
  if (!origin) throw new TypeError("socketUrl needs a base URL outside a browser");
  const url = new URL(path, origin);
  if (url.protocol === "http:") url.protocol = "ws:";
  else if (url.protocol === "https:") url.protocol = "wss:";
  return url.href;
}

/** The `http:`/`https:` URL of `path`, against `base` or the page's address (as {@link socketUrl}). */
export function httpUrl(path: string, base?: string): string {
  const url = new URL(socketUrl(path, base));
  url.protocol = url.protocol === "wss:" ? "https:" : "http:";
  return url.href;
}

/** Options of the route presets: everything but the URL, plus the server's address outside a browser. */
export type RouteOptions = Omit<ClientOptions, "url"> & { base?: string };

/** Options of {@link chatClient}: the long-polling fallback is on unless `longPoll` is false. */
export type ChatClientOptions = Omit<RouteOptions, "longPoll"> & { after?: number; longPoll?: Partial<LongPollOptions> | false };

/**
 * `/ws/chat/<room>/`, resuming after `after` (the id of the last line shown; default 0).
 * Offers the subprotocol `switchboard.v1` (unless `protocols` says otherwise), which opts
 * the socket into presence: `members` and the `presence` event. Without it the room sends
 * only lines, as the Channels tutorial's page expects. When no WebSocket opens (none in
 * the runtime, or blocked on the way) it long-polls `/api/rooms/<room>/messages` instead.
 * Lines carry a `cid` and stay pending until acknowledged (`acks`, on unless false): each
 * ends up in the room once, even across a server crash.
 */
export function chatClient(room: string, options: ChatClientOptions = {}): SwitchboardClient<ChatLine, ChatSend> {
  const { base, after = 0, protocols = [APP_PROTOCOL], longPoll = {}, acks = true, ...rest } = options;
  const path = encodeURIComponent(room);
  return new SwitchboardClient<ChatLine, ChatSend>({
    resume: { after },
    ...rest,
    acks,
    protocols,
    url: socketUrl(`/ws/chat/${path}/`, base),
    longPoll: longPoll === false ? undefined : { url: httpUrl(`/api/rooms/${path}/messages`, base), ...longPoll },
  });
}

/** `/ws/notify/` (needs a signed-in session or a `token`). */
export function notifyClient(options: RouteOptions = {}): SwitchboardClient<NotifyFrame, NotifySend> {
  const { base, ...rest } = options;
  return new SwitchboardClient<NotifyFrame, NotifySend>({ ...rest, url: socketUrl("/ws/notify/", base) });
}

/** `/ws/workorders/<id>/`, or the list's `/ws/workorders/` when `id` is null. */
export function workOrderClient(id: number | null, options: RouteOptions = {}): SwitchboardClient<WorkOrderFrame, never> {
  const { base, ...rest } = options;
  return new SwitchboardClient<WorkOrderFrame, never>({ ...rest, url: socketUrl(id === null ? "/ws/workorders/" : `/ws/workorders/${id}/`, base) });
}
