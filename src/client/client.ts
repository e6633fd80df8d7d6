import { backoffDelay, type BackoffOptions } from "./backoff.js";
import { Emitter } from "./emitter.js";
import { LongPollSocket, type LongPollOptions } from "./long-poll.js";
import { isPresenceFrame, Roster, type Member } from "./presence.js";
import { watchRefusal } from "./retry-after.js";
import { ResumeTracker, type HistoryEnd, type Identified, type ResumeResult } from "./resume.js";
import { Outbox, sessionPrefix } from "./outbox.js";
import { SendQueue } from "./send-queue.js";
import { APP_PROTOCOL, BEARER_PREFIX, NORMAL_CLOSURE, OPEN, hasGlobalWebSocket, socketConstructor, type SocketConstructor, type SocketLike } from "./socket.js";

/** Where the client is: `connecting`, `open`, `closed` (waiting `retryInMs` to reconnect), or `stopped` by {@link SwitchboardClient.close}. */
export type ConnectionState = "connecting" | "open" | "closed" | "stopped";

/** How the client reaches the route: a WebSocket, or HTTP long-polling when no WebSocket opens. */
export type Transport = "websocket" | "longpoll";

/** Payload of the `state` event. */
export interface StateChange {
  state: ConnectionState;
  /** The transport of the attempt (`connecting`), of the open connection (`open`), or of the one that closed. */
  transport: Transport;
  /** Reconnect attempts since the last open socket. */
  attempt: number;
  /** Close code and reason of the socket that just closed. */
  code?: number;
  reason?: string;
  /** When `closed`: the delay before the next attempt. */
  retryInMs?: number;
  /** Frames waiting in the send queue. */
  queued: number;
}

/** An error frame from the server (`{"error": "invalid_message", "detail": "..."}`); the socket stays open. */
export interface ServerError {
  error: string;
  detail?: string;
  [key: string]: unknown;
}

/** What `send` did with a frame. */
export type SendResult = "sent" | "queued" | "rejected";

/** Events of a {@link SwitchboardClient}. */
export interface ClientEvents<In> {
  /** A frame from the server (not presence, history bookkeeping, or an error frame). */
  message: In;
  state: StateChange;
  /** The members of the route's group, after every presence frame (chat sends them to sockets offering `switchboard.v1`, as `chatClient` does). */
  presence: Member[];
  /** A resume after a reconnect finished. */
  resume: ResumeResult;
  error: ServerError;
  /** A frame that was not JSON, or not an object. */
  invalid: unknown;
  /** (`acks`) A frame entered the outbox with this client id; it stays pending until `ack`. */
  pending: { cid: string; frame: Record<string, unknown> };
  /** (`acks`) The server stored the frame `cid` as message `id`. */
  ack: { cid: string; id: number };
}

/** Options of {@link SwitchboardClient}. */
export interface ClientOptions {
  /** The socket URL (`ws://host/ws/chat/lobby/`), or a function returning it (read on every attempt). */
  url: string | (() => string);
  /** A JWT, or a function returning one (called on every attempt, so a refreshed token is used); sent as subprotocol `bearer.<jwt>`. */
  token?: string | null | (() => string | null | Promise<string | null>);
  /** Application subprotocols to offer (e.g. `graphql-transport-ws`). */
  protocols?: string[];
  /** The WebSocket class; default the global one. Node 20 has none: pass `WebSocket` from `ws` (or give `longPoll`). */
  WebSocket?: SocketConstructor;
  /**
   * Falls back to HTTP long-polling (chat's `/api/rooms/<room>/messages`; `chatClient` sets
   * it) when there is no WebSocket class at all, or after `after` attempts in a row whose
   * socket never opened (refused, or still connecting after `openTimeoutMs`: a proxy that
   * blocks upgrades). Then attempts alternate, so a client whose server was merely down
   * comes back on a WebSocket. The same events, queue and resume by id work over both.
   */
  longPoll?: LongPollOptions;
  backoff?: BackoffOptions;
  /** Frames kept while disconnected (default 100), or (`acks`) not yet acknowledged; `send` returns `rejected` beyond it. */
  queueLimit?: number;
  /**
   * Gives every frame sent an id of the client's own (`cid`: a random session part and a
   * counter, unless the frame has one) and keeps it until the server answers
   * `{"type": "ack", "cid", "id"}` (or an error frame carrying that `cid`); after a
   * reconnect every unacknowledged frame is sent again, in order. The server stores a line
   * once per `cid`, so a line is stored exactly once even when the server died before its
   * ack (chat does this; `chatClient` turns it on).
   */
  acks?: boolean;
  /**
   * Resume by message id (routes speaking `{"type": "history", "after": id}`, like chat):
   * `after` is the id of the last message the app already shows (0: everything). Frames with
   * a numeric `id` are then delivered once each, in id order, across reconnects.
   */
  resume?: {
    after: number;
    /** History pages (of up to 500 lines) read per resume before reporting a gap (default 20). */
    maxPages?: number;
    /**
     * Milliseconds to wait for a history page (default 10 000) before asking for it again,
     * waiting twice as long; after the third unanswered ask the client reports a gap and goes
     * live. (A server busy with a reconnect wave answers late, not never.)
     */
    timeoutMs?: number;
  };
  /** Source of randomness for the jitter (tests pass a fixed one). */
  random?: () => number;
}

/**
 * A WebSocket to one Switchboard route that stays connected: reconnects with jittered
 * backoff, resumes from the last message id, queues sends while down, carries a JWT, and
 * keeps the presence list.
 *
 * ```ts
 * const chat = new SwitchboardClient<ChatFrame, ChatSend>({ url: "ws://127.0.0.1:8000/ws/chat/lobby/", resume: { after: 0 } });
 * chat.on("message", (line) => console.log(line.user, line.message));
 * chat.send({ message: "hello" });
 * ```
 */
export class SwitchboardClient<In extends object = Record<string, unknown>, Out extends object = Record<string, unknown>> extends Emitter<ClientEvents<In>> {
  readonly #options: ClientOptions;
  readonly #WebSocket: SocketConstructor | null;
  readonly #queue: SendQueue<string>;
  readonly #outbox: Outbox | null;
  readonly #session = sessionPrefix();
  #sent = 0;
  readonly #roster = new Roster();
  readonly #resume: ResumeTracker<In> | null;
  #socket: SocketLike | null = null;
  #state: ConnectionState = "connecting";
  #attempt = 0;
  #timer: ReturnType<typeof setTimeout> | null = null;
  #resumeTimer: ReturnType<typeof setTimeout> | null = null;
  #stopped = false;
  #transport: Transport = "websocket";
  /** WebSocket attempts in a row that never opened. */
  #socketFailures = 0;
  #openTimer: ReturnType<typeof setTimeout> | null = null;
  /** The last attempt's refusal, where the transport could read it: its HTTP status and `Retry-After`. */
  #refusal: { status: number; waitMs: number | null } | null = null;

  constructor(options: ClientOptions) {
    super();
    this.#options = options;
    this.#WebSocket = options.longPoll && !options.WebSocket && !hasGlobalWebSocket() ? null : socketConstructor(options.WebSocket);
    this.#queue = new SendQueue(options.queueLimit ?? 100);
    this.#outbox = options.acks ? new Outbox(options.queueLimit ?? 100) : null;
    this.#resume = options.resume ? new ResumeTracker<In>(options.resume.after, options.resume.maxPages ?? 20) : null;
    queueMicrotask(() => void this.#connect());
  }

  get state(): ConnectionState {
    return this.#state;
  }

  /** The transport of the current (or last) attempt. */
  get transport(): Transport {
    return this.#transport;
  }

  /** The id of the last message delivered (resume mode), else 0. */
  get lastId(): number {
    return this.#resume?.lastId ?? 0;
  }

  get queued(): number {
    return this.#outbox?.size ?? this.#queue.size;
  }

  /** The members present now (empty while disconnected); in a large room, a sample (see `memberCount`). */
  get members(): Member[] {
    return this.#roster.list();
  }

  /** How many members the room has across the cluster, as the server counts them, also when `members` is a sample (0 while disconnected). */
  get memberCount(): number {
    return this.#roster.count;
  }

  /**
   * Sends `frame` now if the socket is open, else queues it (`rejected` when the queue is
   * full or the client is closed). With `acks` the frame is kept (and resent after a
   * reconnect) until acknowledged.
   */
  send(frame: Out): SendResult {
    if (this.#stopped) return "rejected";
    if (this.#outbox) return this.#sendTracked(frame as Record<string, unknown>);
    const text = JSON.stringify(frame);
    if (this.#socket?.readyState === OPEN && this.#state === "open") {
      this.#socket.send(text);
      return "sent";
    }
    return this.#queue.push(text) ? "queued" : "rejected";
  }

  #sendTracked(frame: Record<string, unknown>): SendResult {
    const cid = typeof frame.cid === "string" ? frame.cid : `${this.#session}.${(this.#sent += 1)}`;
    const tracked = { ...frame, cid };
    const text = JSON.stringify(tracked);
    if (!this.#outbox!.add(cid, text)) return "rejected";
    this.emit("pending", { cid, frame: tracked });
    if (this.#socket?.readyState === OPEN && this.#state === "open") {
      this.#socket.send(text);
      return "sent";
    }
    return "queued";
  }

  /** Closes the socket for good (code 1000); queued frames are dropped. */
  close(): void {
    if (this.#stopped) return;
    this.#stopped = true;
    this.#clearResumeTimer();
    this.#clearOpenTimer();
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = null;
    const socket = this.#socket;
    this.#socket = null;
    this.#queue.drain();
    this.#outbox?.clear();
    if (socket && socket.readyState <= OPEN) socket.close(NORMAL_CLOSURE, "client closed");
    this.#setState({ state: "stopped" });
  }

  async #connect(): Promise<void> {
    this.#timer = null;
    if (this.#stopped) return;
    this.#transport = this.#nextTransport();
    this.#setState({ state: "connecting" });
    const { url, token, protocols = [] } = this.#options;
    let offered = protocols;
    let jwt: string | null = null;
    try {
      jwt = typeof token === "function" ? await token() : (token ?? null);
    } catch {
      jwt = null; // the token source failed: try without; the server answers 401 if it needs one
    }
    if (this.#stopped) return;
    // The server must answer with a subprotocol the client offered, and never echoes the
    // token: with no app protocol of the caller's, offer `switchboard.v1` for it to choose.
    if (jwt) offered = [...(protocols.length > 0 ? protocols : [APP_PROTOCOL]), BEARER_PREFIX + jwt];
    let socket: SocketLike;
    try {
      socket = this.#open(offered, jwt);
    } catch (error) {
      this.#retry(1006, (error as Error).message);
      return;
    }
    this.#socket = socket;
    socket.onopen = () => this.#opened(socket);
    socket.onmessage = (event) => this.#received(socket, event.data);
    socket.onerror = () => {}; // a close event always follows
    socket.onclose = (event) => {
      if (this.#socket !== socket) return;
      this.#socket = null;
      this.#clearOpenTimer();
      // A server that said "busy" (503) is not a proxy blocking sockets: no fallback for that.
      const busy = this.#refusal?.status === 503;
      if (this.#transport === "websocket" && this.#state === "connecting" && !busy) this.#socketFailures += 1;
      this.#resume?.abort();
      this.#clearResumeTimer();
      this.#roster.clear();
      this.emit("presence", []);
      this.#retry(event.code, event.reason);
    };
  }

  /** Opens the chosen transport; a WebSocket still connecting after `openTimeoutMs` (with a fallback) is given up. */
  #open(offered: string[], jwt: string | null): SocketLike {
    const longPoll = this.#options.longPoll;
    if (this.#transport === "longpoll" && longPoll) {
      return new LongPollSocket(typeof longPoll.url === "function" ? longPoll.url() : longPoll.url, jwt, longPoll, (status, waitMs) => (this.#refusal = { status, waitMs }));
    }
    const { url } = this.#options;
    const socket = new this.#WebSocket!(typeof url === "function" ? url() : url, offered);
    watchRefusal(socket, (status, waitMs) => (this.#refusal = { status, waitMs }));
    if (longPoll) {
      this.#openTimer = setTimeout(() => {
        this.#openTimer = null;
        if (this.#socket !== socket || socket.readyState === OPEN) return;
        // Detached first: a socket that never opened may never report its close either.
        socket.onclose = socket.onopen = socket.onmessage = null;
        socket.close();
        this.#socket = null;
        this.#socketFailures += 1;
        this.#retry(1006, "the WebSocket did not open in time");
      }, longPoll.openTimeoutMs ?? 5000);
    }
    return socket;
  }

  /**
   * WebSocket unless there is none, or the last `longPoll.after` WebSocket attempts never
   * opened and the previous attempt was one of them; so after a failed long-poll the next
   * attempt tries a WebSocket again.
   */
  #nextTransport(): Transport {
    const longPoll = this.#options.longPoll;
    if (!longPoll) return "websocket";
    if (!this.#WebSocket) return "longpoll";
    return this.#transport === "websocket" && this.#socketFailures >= (longPoll.after ?? 1) ? "longpoll" : "websocket";
  }

  #clearOpenTimer(): void {
    if (this.#openTimer) clearTimeout(this.#openTimer);
    this.#openTimer = null;
  }

  #opened(socket: SocketLike): void {
    if (this.#socket !== socket) return;
    this.#clearOpenTimer();
    if (this.#transport === "websocket") this.#socketFailures = 0;
    this.#attempt = 0;
    this.#setState({ state: "open" });
    if (this.#resume) {
      const after = this.#resume.begin();
      socket.send(JSON.stringify({ type: "history", after }));
      this.#armResumeTimer(socket, after);
    }
    for (const text of this.#queue.drain()) socket.send(text);
    // Unacknowledged lines again, in order: the server stores each once, whatever it saw.
    for (const text of this.#outbox?.frames() ?? []) socket.send(text);
  }

  #received(socket: SocketLike, data: unknown): void {
    if (this.#socket !== socket) return;
    let frame: unknown;
    try {
      frame = JSON.parse(String(data));
    } catch {
      this.emit("invalid", data);
      return;
    }
    if (frame === null || typeof frame !== "object" || Array.isArray(frame)) {
      this.emit("invalid", frame);
      return;
    }
    const record = frame as Record<string, unknown>;
    if (this.#outbox && record.type === "ack" && typeof record.cid === "string" && typeof record.id === "number") {
      if (this.#outbox.settle(record.cid)) this.emit("ack", { cid: record.cid, id: record.id });
      return;
    }
    if (typeof record.error === "string") {
      // Refused for good (invalid, too long…): not sent again.
      if (typeof record.cid === "string") this.#outbox?.settle(record.cid);
      return this.#serverError(record as ServerError);
    }
    if (isPresenceFrame(record)) {
      this.#roster.apply(record);
      this.emit("presence", this.#roster.list());
      return;
    }
    const resume = this.#resume;
    if (resume && record.type === "history.end") {
      const { frames, next, result } = resume.pageEnd(record as unknown as HistoryEnd);
      this.#deliver(frames);
      if (next !== null) {
        socket.send(JSON.stringify({ type: "history", after: next }));
        this.#armResumeTimer(socket, next);
      }
      if (result) {
        this.#clearResumeTimer();
        this.emit("resume", result);
      }
      return;
    }
    if (resume && typeof record.id === "number") return this.#deliver(resume.accept(record as In & Identified));
    this.emit("message", record as In);
  }

  #serverError(frame: ServerError): void {
    // A refused history request (a route without history) ends the resume with a gap; a
    // request that got no answer at all (dropped by a rate limit) ends by the timer.
    if (this.#resume?.resuming && (frame.error === "invalid_request" || frame.error === "unknown_type")) this.#giveUpResume();
    this.emit("error", frame);
  }

  #giveUpResume(): void {
    this.#clearResumeTimer();
    const { frames, result } = this.#resume!.fail();
    this.#deliver(frames);
    this.emit("resume", result);
  }

  /** Waits for the page after `after`; asks again twice (waiting twice as long each time), then gives up. */
  #armResumeTimer(socket: SocketLike, after: number, asked = 1): void {
    this.#clearResumeTimer();
    const waitMs = (this.#options.resume?.timeoutMs ?? 10_000) * 2 ** (asked - 1);
    this.#resumeTimer = setTimeout(() => {
      this.#resumeTimer = null;
      if (this.#socket !== socket || !this.#resume?.resuming) return;
      if (asked >= 3 || socket.readyState !== OPEN) return this.#giveUpResume();
      // The same page again: a late answer to the first ask is then just one more page,
      // and its lines are kept once each.
      socket.send(JSON.stringify({ type: "history", after }));
      this.#armResumeTimer(socket, after, asked + 1);
    }, waitMs);
  }

  #clearResumeTimer(): void {
    if (this.#resumeTimer) clearTimeout(this.#resumeTimer);
    this.#resumeTimer = null;
  }

  #deliver(frames: In[]): void {
    for (const frame of frames) this.emit("message", frame);
  }

  #retry(code: number, reason: string): void {
    if (this.#stopped) return;
    const refusal = this.#refusal;
    this.#refusal = null;
    const random = this.#options.random ?? Math.random;
    let retryInMs = backoffDelay(this.#attempt, this.#options.backoff, random);
    // The server's `Retry-After` is a floor, spread by up to half again so a refused wave does not return at once.
    if (refusal?.waitMs != null) retryInMs = Math.max(retryInMs, Math.round(refusal.waitMs * (1 + 0.5 * random())));
    if (refusal && !reason) reason = `HTTP ${refusal.status}`;
    this.#attempt += 1;
    this.#setState({ state: "closed", code, reason, retryInMs });
    this.#timer = setTimeout(() => void this.#connect(), retryInMs);
  }

  #setState(change: Omit<StateChange, "attempt" | "queued" | "transport">): void {
    this.#state = change.state;
    this.emit("state", { ...change, transport: this.#transport, attempt: this.#attempt, queued: this.queued });
  }
}
