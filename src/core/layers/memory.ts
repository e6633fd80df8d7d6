import { randomBytes } from "node:crypto";
import { SwitchboardError } from "../errors.js";
import {
  ChannelFull,
  assertChannelName,
  assertGroupName,
  assertMessage,
  capacityResolver,
  frozenCopy,
  resolveLayerOptions,
  kListen,
  type ChannelLayer,
  type ChannelListener,
  type LayerMessage,
  type ListenHandle,
  type Listenable,
  type LayerOptions,
  type LayerStats,
  type ReceiveOptions,
} from "./layer.js";

/**
 * Hands an already-frozen message to a channel of this process without validating or
 * copying it again; `at` is when it was sent. False when the channel is full. Used by
 * layers that keep their process-local queues in memory (Redis).
 */
export const kDeliver = Symbol("switchboard.deliver");

/** Options of {@link InMemoryChannelLayer}. */
export interface InMemoryLayerOptions extends LayerOptions {
  /** Milliseconds since the epoch; tests pass a controllable clock. Default `Date.now`. */
  clock?: () => number;
}

interface Waiter {
  resolve(message: LayerMessage): void;
  reject(reason: unknown): void;
  signal: AbortSignal | undefined;
}

interface Queued {
  message: LayerMessage;
  at: number;
}

/** One channel's queue; `head` makes shifting O(1). */
class ChannelState {
  queue: Queued[] = [];
  head = 0;
  waiters: Waiter[] = [];
  listener: ChannelListener | null = null;

  get size(): number {
    return this.queue.length - this.head;
  }

  shift(): Queued | undefined {
    if (this.head >= this.queue.length) return undefined;
    const item = this.queue[this.head]!;
    this.queue[this.head++] = undefined as unknown as Queued;
    if (this.head > 64 && this.head * 2 > this.queue.length) {
      this.queue = this.queue.slice(this.head);
      this.head = 0;
    }
    return item;
  }

  /** Drops expired messages from the front (they were queued in time order). */
  purge(oldest: number): void {
    while (this.head < this.queue.length && this.queue[this.head]!.at < oldest) this.shift();
  }
}

/** What a {@link MemoryListenHandle} needs of its layer. */
interface ListenOps {
  take(state: ChannelState): LayerMessage | undefined;
  stop(channel: string, state: ChannelState, listener: ChannelListener): void;
}

/** A consumer's hold on its channel (see `kListen`): one small object per socket. */
class MemoryListenHandle implements ListenHandle {
  constructor(
    private readonly ops: ListenOps,
    private readonly channel: string,
    private readonly state: ChannelState,
    private readonly listener: ChannelListener,
  ) {}

  take(): LayerMessage | undefined {
    return this.ops.take(this.state);
  }

  stop(): void {
    this.ops.stop(this.channel, this.state, this.listener);
  }
}

/**
 * A channel layer inside one process: the default when `REDIS_URL` is unset, and the
 * layer of tests. Keeps every rule of {@link ChannelLayer}; delivery to a waiting
 * receiver is direct, with no timer or polling.
 *
 * @example
 * const layer = new InMemoryChannelLayer({ capacity: 100, expiry: 60 });
 * const ch = await layer.newChannel();
 * await layer.groupAdd("lobby", ch);
 * await layer.groupSend("lobby", { type: "chat.message", text: "hi" });
 * await layer.receive(ch); // { type: "chat.message", text: "hi" }
 */
export class InMemoryChannelLayer implements ChannelLayer, Listenable {
  readonly stats: LayerStats = { groupSendDropped: 0 };
  readonly healthy = true;
  readonly #channels = new Map<string, ChannelState>();
  readonly #watched = new WeakSet<AbortSignal>();
  readonly #sweeper: NodeJS.Timeout;
  readonly #groups = new Map<string, Map<string, number>>();
  readonly #expiryMs: number;
  readonly #groupExpiryMs: number;
  readonly #capacityOf: (channel: string) => number;
  readonly #clock: () => number;
  readonly #prefix = randomBytes(6).toString("hex");
  #counter = 0;
  #closed = false;

  constructor(options: InMemoryLayerOptions = {}) {
    const resolved = resolveLayerOptions(options);
    this.#expiryMs = resolved.expiry * 1000;
    this.#groupExpiryMs = resolved.groupExpiry * 1000;
    this.#capacityOf = capacityResolver(resolved.capacity, resolved.channelCapacity);
    this.#clock = options.clock ?? Date.now;
    // Channels nobody receives from (a closed socket's) would keep their last messages
    // forever: drop queues whose messages have all expired.
    this.#sweeper = setInterval(() => this.#sweep(), Math.min(this.#expiryMs, 60_000));
    this.#sweeper.unref();
  }

  async send(channel: string, message: LayerMessage): Promise<void> {
    this.#assertOpen();
    assertChannelName(channel);
    assertMessage(message);
    if (!this.#deliver(channel, frozenCopy(message), this.#clock())) throw new ChannelFull(channel);
  }

  async receive(channel: string, options: ReceiveOptions = {}): Promise<LayerMessage> {
    this.#assertOpen();
    const state = this.#stateOf(channel);
    const { signal } = options;
    if (signal?.aborted) throw signal.reason;
    if (state.size > 0) {
      state.purge(this.#clock() - this.#expiryMs);
      const item = state.shift();
      if (item) return item.message;
    }
    const ch = state;
    return new Promise<LayerMessage>((resolve, reject) => {
      ch.waiters.push({ resolve, reject, signal });
      if (signal) this.#watch(signal);
    });
  }

  /**
   * One `abort` listener per signal, however many receives it guards: a consumer's pump
   * reuses one signal for every receive, and adding and removing a listener (or a set
   * entry) per message would cost more than the delivery itself. An abort is rare (a
   * socket closing), so it finds its waiters by scanning.
   */
  #watch(signal: AbortSignal): void {
    if (this.#watched.has(signal)) return;
    this.#watched.add(signal);
    signal.addEventListener(
      "abort",
      () => {
        for (const [name, state] of this.#channels) {
          if (state.waiters.length === 0) continue;
          const cancelled = state.waiters.filter((w) => w.signal === signal);
          if (cancelled.length === 0) continue;
          state.waiters = state.waiters.filter((w) => w.signal !== signal);
          this.#collect(name, state);
          for (const w of cancelled) w.reject(signal.reason);
        }
      },
      { once: true },
    );
  }

  async newChannel(prefix = "specific"): Promise<string> {
    this.#assertOpen();
    const name = `${prefix}.inmemory!${this.#prefix}${(this.#counter++).toString(36)}`;
    assertChannelName(name);
    return name;
  }

  async groupAdd(group: string, channel: string): Promise<void> {
    this.#assertOpen();
    assertGroupName(group);
    assertChannelName(channel);
    let members = this.#groups.get(group);
    if (!members) this.#groups.set(group, (members = new Map()));
    members.set(channel, this.#clock());
  }

  async groupDiscard(group: string, channel: string): Promise<void> {
    this.#assertOpen();
    assertGroupName(group);
    assertChannelName(channel);
    const members = this.#groups.get(group);
    if (!members) return;
    members.delete(channel);
    if (members.size === 0) this.#groups.delete(group);
  }

  async groupSend(group: string, message: LayerMessage): Promise<void> {
    this.#assertOpen();
    assertGroupName(group);
    assertMessage(message);
    const members = this.#groups.get(group);
    if (!members) return;
    // One frozen copy shared by every member: copy (and later serialize) once per group send.
    const copy = frozenCopy(message);
    const now = this.#clock();
    const lapsed = now - this.#groupExpiryMs;
    members.forEach((addedAt, channel) => {
      if (addedAt < lapsed) members.delete(channel);
      else if (!this.#deliver(channel, copy, now)) this.stats.groupSendDropped++;
    });
    if (members.size === 0) this.#groups.delete(group);
  }

  async flush(): Promise<void> {
    for (const state of this.#channels.values()) {
      state.queue = [];
      state.head = 0;
    }
    for (const [name, state] of this.#channels) this.#collect(name, state);
    this.#groups.clear();
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    clearInterval(this.#sweeper);
    const error = new SwitchboardError("SB_ERR_LAYER_CLOSED");
    for (const state of this.#channels.values()) {
      for (const waiter of state.waiters.splice(0)) waiter.reject(error);
    }
    this.#channels.clear();
    this.#groups.clear();
  }

  /** @internal The consumers' fast path (see `kListen`). */
  [kListen](channel: string, listener: ChannelListener): ListenHandle {
    this.#assertOpen();
    const state = this.#stateOf(channel);
    state.listener = listener;
    return new MemoryListenHandle(this.#listenOps, channel, state, listener);
  }

  /** What every listen handle of this layer calls: one pair of functions, not two closures per socket. */
  readonly #listenOps: ListenOps = {
    take: (state) => {
      state.purge(this.#clock() - this.#expiryMs);
      return state.shift()?.message;
    },
    stop: (channel, state, listener) => {
      if (state.listener === listener) state.listener = null;
      this.#collect(channel, state);
    },
  };

  [kDeliver](channel: string, message: LayerMessage, at: number): boolean {
    if (this.#closed) return false;
    if (at < this.#clock() - this.#expiryMs) return true; // expired in transit: never delivered
    return this.#deliver(channel, message, at);
  }

  /** Hands `message` to a waiting receiver or queues it; false when the channel is full. */
  #deliver(channel: string, message: LayerMessage, now: number): boolean {
    let state = this.#channels.get(channel);
    if (state) {
      // A listening consumer takes it at once, unless older messages are still queued.
      if (state.listener !== null && state.queue.length === state.head && state.listener(message)) return true;
      const waiter = state.waiters.shift();
      if (waiter) {
        waiter.resolve(message);
        return true;
      }
      state.purge(now - this.#expiryMs);
      if (state.size >= this.#capacityOf(channel)) return false;
    } else {
      state = new ChannelState();
      this.#channels.set(channel, state);
    }
    state.queue.push({ message, at: now });
    return true;
  }

  #sweep(): void {
    const oldest = this.#clock() - this.#expiryMs;
    for (const [name, state] of this.#channels) {
      if (state.waiters.length > 0 || state.listener !== null) continue;
      state.purge(oldest);
      this.#collect(name, state);
    }
  }

  /** The state of `channel`, created (after checking the name) on first use. */
  #stateOf(channel: string): ChannelState {
    let state = this.#channels.get(channel);
    if (!state) {
      assertChannelName(channel);
      state = new ChannelState();
      this.#channels.set(channel, state);
    }
    return state;
  }

  /** Forgets a channel with nothing queued and nobody waiting. */
  #collect(channel: string, state: ChannelState): void {
    if (state.size === 0 && state.waiters.length === 0 && state.listener === null) this.#channels.delete(channel);
  }

  #assertOpen(): void {
    if (this.#closed) throw new SwitchboardError("SB_ERR_LAYER_CLOSED");
  }
}
