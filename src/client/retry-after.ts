import type { SocketLike } from "./socket.js";

/**
 * Milliseconds an HTTP `Retry-After` value asks to wait (delay-seconds or an HTTP date),
 * or null when absent or unreadable. A server over its handshake budget answers 503 with it.
 */
export function retryAfterMs(value: string | string[] | null | undefined, now: number = Date.now()): number | null {
  const text = Array.isArray(value) ? value[0] : value;
  if (text === undefined || text === null || text.trim() === "") return null;
  if (/^\d+$/.test(text.trim())) return Number(text.trim()) * 1000;
  // An HTTP date names its weekday and month; `Date.parse` alone would take "-1" as a year.
  if (!/^[A-Za-z]{3}, /.test(text.trim())) return null;
  const at = Date.parse(text);
  return Number.isNaN(at) ? null : Math.max(0, at - now);
}

/** The part of `ws`'s client socket that reports a refused handshake's HTTP answer. */
interface RefusalReporting {
  on(event: "unexpected-response", listener: (request: unknown, response: { statusCode?: number; headers: Record<string, string | string[] | undefined> }) => void): unknown;
  terminate(): void;
}

/**
 * Reports the status and `Retry-After` of a refused handshake where the socket can tell
 * (`ws` in Node: its `unexpected-response` event); browsers hide the answer of a failed
 * upgrade, so there the client's own backoff applies alone. The socket then closes (1006)
 * as it would have.
 */
export function watchRefusal(socket: SocketLike, report: (status: number, waitMs: number | null) => void): void {
  const candidate = socket as unknown as Partial<RefusalReporting>;
  if (typeof candidate.on !== "function" || typeof candidate.terminate !== "function") return;
  const ws = candidate as RefusalReporting;
  ws.on("unexpected-response", (_request, response) => {
    report(response.statusCode ?? 0, retryAfterMs(response.headers["retry-after"]));
    ws.terminate();
  });
}
