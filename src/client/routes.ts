import { SwitchboardClient, type ClientOptions } from "./client.js";

/**
 * A chat line as every route that carries chat sends it (and as the server stores it).
 * `message` stays a top-level string, so Channels tutorial clients work unchanged.
 */
export interface ChatLine {
  id: number;
  room: string;
  user: string;
  message: string;
  /** Milliseconds since the epoch. */
  ts: number;
}

/** What a chat socket accepts. */
export interface ChatSend {
  message: string;
}

/** A notification on `/ws/notify/`: to the whole group (`to: null`) or to one user. */
export interface NotifyFrame {
  type: "notify";
  from: { uid: number; username: string; nickname: string | null };
  message: string;
  to: number | null;
}

/** What `/ws/notify/` accepts: to the sender's group, or to one member (`to`: a uid). */
export interface NotifySend {
  message: string;
  to?: number;
}

/** A frame of `/ws/workorders/` and `/ws/workorders/<id>/`: the full view on connect, then events. */
export type WorkOrderFrame =
  | ({ type: "workorder.state" } & Record<string, unknown>)
  | { type: "workorder.event"; event: { kind: "order" | "step" | "log"; id: number } & Record<string, unknown> };

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

/** Options of the route presets: everything but the URL, plus the server's address outside a browser. */
export type RouteOptions = Omit<ClientOptions, "url"> & { base?: string };

/** `/ws/chat/<room>/`, resuming after `after` (the id of the last line shown; default 0). */
export function chatClient(room: string, options: RouteOptions & { after?: number } = {}): SwitchboardClient<ChatLine, ChatSend> {
  const { base, after = 0, ...rest } = options;
  return new SwitchboardClient<ChatLine, ChatSend>({
    resume: { after },
    ...rest,
    url: socketUrl(`/ws/chat/${encodeURIComponent(room)}/`, base),
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
