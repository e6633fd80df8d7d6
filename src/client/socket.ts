/** An event handler; declared as a method so each implementation's own event type fits. */
type Handler<E> = { handle(event: E): void }["handle"];

/**
 * The part of a WebSocket the client uses: the browser's `WebSocket`, Node 22+'s global
 * one, and the `ws` package's class all fit it, so Node 20 passes `WebSocket` from `ws`.
 */
export interface SocketLike {
  readonly readyState: number;
  readonly protocol: string;
  onopen: Handler<unknown> | null;
  onmessage: Handler<{ data: unknown }> | null;
  onclose: Handler<{ code: number; reason: string }> | null;
  onerror: Handler<unknown> | null;
  send(data: string): void;
  close(code?: number, reason?: string): void;
}

/**
 * Switchboard's own subprotocol: offered beside a token when the caller names none (the
 * built-in routes accept it), and by `chatClient` always, where it opts the socket into
 * the chat's presence frames (a socket without it gets only chat lines).
 */
export const APP_PROTOCOL = "switchboard.v1";

/** A WebSocket class: `new (url, protocols)`. */
export type SocketConstructor = new (url: string, protocols?: string | string[]) => SocketLike;

/** `readyState` of an open socket (the same number in every implementation). */
export const OPEN = 1;

/** RFC 6455 normal closure: what `close()` sends (the client ships without the server's catalog). */
export const NORMAL_CLOSURE = 1000;

/** The subprotocol prefix that carries a JWT (browsers cannot set headers on a socket). */
export const BEARER_PREFIX = "bearer.";

/** Whether this runtime has a global WebSocket (browsers, Node 22+; not a page whose `window.WebSocket` was deleted). */
export function hasGlobalWebSocket(): boolean {
  return typeof (globalThis as { WebSocket?: unknown }).WebSocket === "function";
}

/** The constructor given, else the global one; a clear error on Node 20, which has none by default. */
export function socketConstructor(given: SocketConstructor | undefined): SocketConstructor {
  if (given) return given;
  const global = (globalThis as { WebSocket?: SocketConstructor }).WebSocket;
  if (!global) {
    throw new TypeError("no global WebSocket here (Node 20): pass one, e.g. `import WebSocket from \"ws\"` and { WebSocket }");
  }
  return global;
}
