import { retryAfterMs } from "./retry-after.js";
import { NORMAL_CLOSURE, OPEN, type SocketLike } from "./socket.js";

/** Options of the long-polling fallback ({@link ClientOptions.longPoll}). */
export interface LongPollOptions {
  /** The route's HTTP messages URL (`http://host/api/rooms/lobby/messages`), or a function returning it. */
  url: string | (() => string);
  /** WebSocket attempts in a row that fail to open before the next one long-polls (default 1). */
  after?: number;
  /** Milliseconds a WebSocket may stay connecting before it counts as failed (default 5000): a proxy that swallows the upgrade never answers. */
  openTimeoutMs?: number;
  /** Seconds the server may hold each poll (default 25; the server allows 30). */
  waitSeconds?: number;
  /** The fetch function (default the global one). */
  fetch?: typeof fetch;
}

/** The server's page size for `?after=` reads (chat's HISTORY_PAGE and the API's `limit` ceiling). */
const PAGE = 500;
const CONNECTING = 0;
const CLOSED = 3;
/** What a browser reports for a connection lost without a close frame. */
const ABNORMAL = 1006;

/** The `type` and `after` of an outgoing frame; neither for one that is not a JSON object (POSTed as it is, refused by the server as over a socket). */
function parsedFrame(data: string): { type?: unknown; after?: unknown } {
  try {
    const frame: unknown = JSON.parse(data);
    return frame !== null && typeof frame === "object" ? (frame as { type?: unknown; after?: unknown }) : {};
  } catch {
    return {};
  }
}

/**
 * A chat route spoken over HTTP, shaped as a {@link SocketLike} so the client's reconnect,
 * resume, queue and events work unchanged over it: open = the first read answered; each
 * line the server stores comes as a frame (held polls, `?after=<last id>&wait=<s>`); a
 * `{"type": "history", "after": n}` frame is answered from `?after=n` pages with the same
 * `history.end` frame the socket sends; any other frame is POSTed (in order, one at a time)
 * and a refusal comes back as the server's error body, as an error frame would. A failed
 * request closes it with 1006, so the client backs off and reconnects as for a socket.
 * Presence is not carried: an HTTP client is not a member of the room.
 */
export class LongPollSocket implements SocketLike {
  readyState = CONNECTING;
  readonly protocol = "";
  onopen: SocketLike["onopen"] = null;
  onmessage: SocketLike["onmessage"] = null;
  onclose: SocketLike["onclose"] = null;
  onerror: SocketLike["onerror"] = null;

  readonly #url: string;
  readonly #headers: Record<string, string>;
  readonly #fetch: typeof fetch;
  readonly #wait: number;
  readonly #abort = new AbortController();
  /** Sends run one after another, so lines are stored in the order they were sent. */
  #chain: Promise<void> = Promise.resolve();
  /** The id of the last line handed on; each poll asks for what came after it. */
  #cursor = 0;

  readonly #refused: (status: number, waitMs: number | null) => void;

  /** `refused` hears the status and `Retry-After` of a request the server turned down (429, 503, …). */
  constructor(url: string, token: string | null, options: LongPollOptions, refused: (status: number, waitMs: number | null) => void = () => {}) {
    this.#refused = refused;
    this.#url = url;
    this.#headers = token ? { authorization: `Bearer ${token}` } : {};
    this.#fetch = options.fetch ?? globalThis.fetch.bind(globalThis);
    this.#wait = options.waitSeconds ?? 25;
    void this.#run();
  }

  send(data: string): void {
    if (this.readyState !== OPEN) return;
    const { type, after } = parsedFrame(data);
    this.#chain = this.#chain.then(() =>
      type === "history" && typeof after === "number" ? this.#history(after) : type === undefined ? this.#post(data) : this.#unsupported(String(type)),
    );
  }

  close(code = NORMAL_CLOSURE, reason = ""): void {
    if (this.readyState === CLOSED) return;
    this.readyState = CLOSED;
    this.#abort.abort();
    queueMicrotask(() => this.onclose?.({ code, reason }));
  }

  async #run(): Promise<void> {
    try {
      // Open once the route answers: the latest line's id is where live reading starts.
      const { messages } = await this.#read("?limit=1");
      this.#cursor = messages.at(-1)?.id ?? 0;
      if (this.readyState !== CONNECTING) return;
      this.readyState = OPEN;
      this.onopen?.({});
      while (this.readyState === OPEN) {
        const { messages: lines } = await this.#read(`?after=${this.#cursor}&limit=${PAGE}&wait=${this.#wait}`);
        this.#hand(lines, true);
      }
    } catch (error) {
      this.#fail(error);
    }
  }

  async #history(after: number): Promise<void> {
    try {
      const { messages } = await this.#read(`?after=${after}&limit=${PAGE}`);
      this.#hand(messages, false);
      const lastId = messages.at(-1)?.id ?? after;
      this.#frame({ type: "history.end", after, lastId, complete: messages.length < PAGE });
    } catch (error) {
      this.#fail(error);
    }
  }

  async #post(body: string): Promise<void> {
    const { cid } = parsedFrame(body) as { cid?: unknown };
    const key: Record<string, string> = typeof cid === "string" ? { "idempotency-key": cid } : {};
    try {
      const response = await this.#fetch(this.#url, {
        method: "POST",
        headers: { ...this.#headers, ...key, "content-type": "application/json" },
        body,
        signal: this.#abort.signal,
      });
      // Stored (201, or 200: stored before under this key): the line comes back through the
      // poll, as a socket's line comes back through its group; the answer is its ack.
      if (response.ok) {
        const line = (await response.json().catch(() => null)) as { id?: unknown } | null;
        if (typeof cid === "string" && typeof line?.id === "number") this.#frame({ type: "ack", cid, id: line.id });
        return;
      }
      const refusal = (await response.json().catch(() => null)) as { error?: unknown } | null;
      // Refused with a coded body (invalid_message, rate_limited, …): said as a socket says it, and the client goes on.
      if (refusal && typeof refusal.error === "string" && response.status !== 503) this.#frame(typeof cid === "string" ? { ...refusal, cid } : refusal);
      else {
        this.#refused(response.status, retryAfterMs(response.headers.get("retry-after")));
        throw new Error(`HTTP ${response.status}`);
      }
    } catch (error) {
      this.#fail(error);
    }
  }

  async #unsupported(type: string): Promise<void> {
    this.#frame({ error: "unknown_type", detail: `${type.slice(0, 100)} is not carried over long-polling` });
  }

  async #read(query: string): Promise<{ messages: { id: number }[] }> {
    const response = await this.#fetch(this.#url + query, { headers: this.#headers, signal: this.#abort.signal });
    if (!response.ok) {
      this.#refused(response.status, retryAfterMs(response.headers.get("retry-after")));
      throw new Error(`HTTP ${response.status}`);
    }
    const body = (await response.json()) as { messages?: unknown };
    if (!Array.isArray(body.messages)) throw new Error("the route answered without `messages`");
    return body as { messages: { id: number }[] };
  }

  /**
   * Hands lines on as frames. A poll's lines at or below the cursor were already handed on
   * (by a history page read meanwhile); a history page hands on everything it asked for,
   * and the client's resume keeps each id once, in order.
   */
  #hand(lines: { id: number }[], live: boolean): void {
    for (const line of lines) {
      if (this.readyState !== OPEN) return;
      if (live && line.id <= this.#cursor) continue;
      if (line.id > this.#cursor) this.#cursor = line.id;
      this.#frame(line);
    }
  }

  #frame(frame: object): void {
    if (this.readyState === OPEN) this.onmessage?.({ data: JSON.stringify(frame) });
  }

  #fail(error: unknown): void {
    if (this.readyState === CLOSED) return; // closed on purpose: the aborted request's error is expected
    this.onerror?.(error);
    this.close(ABNORMAL, error instanceof Error ? error.message.slice(0, 120) : "request failed");
  }
}
