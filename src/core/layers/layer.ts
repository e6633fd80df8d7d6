import { SwitchboardError, SwitchboardTypeError } from "../errors.js";

/**
 * The channel layer contract, after Django Channels' `channel_layer_spec`.
 *
 * A layer moves small messages between named *channels* (one consumer reads a channel)
 * and fans them out to *groups* (named sets of channels). Every implementation —
 * in memory, Redis — keeps these rules, and one conformance suite checks them all:
 *
 * - **Names.** Channel names match {@link CHANNEL_NAME_RULE}, group names
 *   {@link GROUP_NAME_RULE}; both are ASCII and shorter than 100 characters.
 *   Anything else throws `TypeError` naming the rule.
 * - **Messages** are plain objects with a string `type`. They are copied on send, so a
 *   sender may mutate its object afterwards; what a receiver gets is a deep-frozen copy
 *   that may be shared with other receivers of the same group send.
 * - **Capacity.** Each channel holds at most `capacity` messages (per-name overrides in
 *   `channelCapacity`). `send` to a full channel throws {@link ChannelFull};
 *   `groupSend` never throws it: it skips full members and counts them in
 *   `stats.groupSendDropped`.
 * - **Expiry.** A message older than `expiry` seconds is never delivered. A group
 *   membership older than `groupExpiry` seconds lapses (re-adding refreshes it).
 * - **Ordering.** Messages on one channel are received in the order they were sent.
 *   Delivery is at most once: each message goes to one `receive` call.
 * - **Cancellation.** `receive` takes an `AbortSignal`; a cancelled receive rejects with
 *   the signal's reason and loses no message (one it did not return stays queued).
 */
export interface ChannelLayer {
  /** Queues `message` on `channel`. Throws {@link ChannelFull} when the channel is at capacity. */
  send(channel: string, message: LayerMessage): Promise<void>;
  /** Waits for the next message on `channel`. */
  receive(channel: string, options?: ReceiveOptions): Promise<LayerMessage>;
  /** A new unique channel name containing `!`, for one receiver in this process. */
  newChannel(prefix?: string): Promise<string>;
  /** Adds `channel` to `group` (or refreshes its membership). */
  groupAdd(group: string, channel: string): Promise<void>;
  /** Removes `channel` from `group`; a no-op when it is not a member. */
  groupDiscard(group: string, channel: string): Promise<void>;
  /** Sends `message` to every live member of `group`, skipping full channels. */
  groupSend(group: string, message: LayerMessage): Promise<void>;
  /** Drops every message, channel and group. */
  flush(): Promise<void>;
  /** Releases resources; pending receives reject. The layer is unusable afterwards. */
  close(): Promise<void>;
  /** Counters for observability. */
  readonly stats: LayerStats;
  /** False while a backing service (Redis) is unreachable; in-process layers are always healthy. */
  readonly healthy: boolean;
}

/** A layer message: a plain, JSON-compatible object with a string `type`. */
export interface LayerMessage {
  readonly type: string;
  readonly [key: string]: unknown;
}

/** Options for {@link ChannelLayer.receive}. */
export interface ReceiveOptions {
  /** Cancels the wait; the receive then rejects with the signal's reason. */
  signal?: AbortSignal;
}

/** Counters every layer keeps. */
export interface LayerStats {
  /** Members skipped by `groupSend` because their channel was full. */
  groupSendDropped: number;
  /**
   * Group sends that reached only this process's members because the backing service
   * (Redis) failed them; other processes' members missed them. In-process layers leave it out.
   */
  groupSendFailed?: number;
}

/** Options shared by every layer implementation. */
export interface LayerOptions {
  /** Messages a channel holds before `send` throws {@link ChannelFull}. Default 100. */
  capacity?: number;
  /** Per-channel-name capacity overrides; keys are exact names or glob patterns with `*`. */
  channelCapacity?: Record<string, number>;
  /** Seconds a message waits before it expires undelivered. Default 60. */
  expiry?: number;
  /** Seconds a group membership lasts without a refreshing `groupAdd`. Default 86400. */
  groupExpiry?: number;
}

/**
 * Thrown by {@link ChannelLayer.send} when the target channel is at capacity: a
 * {@link SwitchboardError} with code `SB_ERR_CHANNEL_FULL` (escaping a consumer, it closes
 * the socket with 1011 like any server failure).
 */
export class ChannelFull extends SwitchboardError {
  declare readonly code: "SB_ERR_CHANNEL_FULL";
  constructor(readonly channel: string) {
    super("SB_ERR_CHANNEL_FULL", channel);
    this.name = "ChannelFull";
  }
}

/** Channel names: ASCII letters, digits, `.`, `_`, `-`, optionally `!` and a process-local suffix. */
export const CHANNEL_NAME_RULE = /^[A-Za-z0-9._-]+(![A-Za-z0-9._-]*)?$/;
/** Group names: ASCII letters, digits, `.`, `_`, `-`. */
export const GROUP_NAME_RULE = /^[A-Za-z0-9._-]+$/;
/** Names must be shorter than this. */
export const MAX_NAME_LENGTH = 100;

/**
 * Throws `TypeError` (a {@link SwitchboardTypeError}, code `SB_ERR_INVALID_CHANNEL_NAME`)
 * unless `name` is a valid channel name.
 */
export function assertChannelName(name: unknown): asserts name is string {
  if (typeof name !== "string" || name.length >= MAX_NAME_LENGTH || !CHANNEL_NAME_RULE.test(name)) {
    throw new SwitchboardTypeError(
      "SB_ERR_INVALID_CHANNEL_NAME",
      `${JSON.stringify(name)} must match ${CHANNEL_NAME_RULE.source} and be shorter than ${MAX_NAME_LENGTH} characters`,
    );
  }
}

/**
 * Throws `TypeError` (a {@link SwitchboardTypeError}, code `SB_ERR_INVALID_GROUP_NAME`)
 * unless `name` is a valid group name.
 */
export function assertGroupName(name: unknown): asserts name is string {
  if (typeof name !== "string" || name.length >= MAX_NAME_LENGTH || !GROUP_NAME_RULE.test(name)) {
    throw new SwitchboardTypeError(
      "SB_ERR_INVALID_GROUP_NAME",
      `${JSON.stringify(name)} must match ${GROUP_NAME_RULE.source} and be shorter than ${MAX_NAME_LENGTH} characters`,
    );
  }
}

/** Throws `TypeError` (code `SB_ERR_INVALID_LAYER_MESSAGE`) unless `message` is a plain object with a string `type`. */
export function assertMessage(message: unknown): asserts message is LayerMessage {
  if (message === null || typeof message !== "object" || Array.isArray(message)) {
    throw new SwitchboardTypeError("SB_ERR_INVALID_LAYER_MESSAGE", "must be a plain object");
  }
  if (typeof (message as { type?: unknown }).type !== "string") {
    throw new SwitchboardTypeError("SB_ERR_INVALID_LAYER_MESSAGE", "needs a string `type`");
  }
}

/** Objects this module deep-froze itself: they are passed on without another copy. */
const deepFrozen = new WeakSet<object>();

/**
 * Deep-copies a JSON-compatible value and freezes the copy, so one copy can be shared
 * by every receiver of a group send. Rejects values JSON cannot carry (functions,
 * symbols, bigints, cycles) with `TypeError`. A value that is already such a copy is
 * returned as it is.
 */
export function frozenCopy<T>(value: T): T {
  if (value !== null && typeof value === "object" && deepFrozen.has(value)) return value;
  const copy = copyAndFreeze(value, 0);
  if (copy !== null && typeof copy === "object") deepFrozen.add(copy);
  return copy;
}

/** Freezes a value fresh from `JSON.parse` in place (no copy needed: nobody else holds it). */
export function freezeParsed<T>(value: T): T {
  if (value === null || typeof value !== "object") return value;
  for (const v of Object.values(value)) freezeParsed(v);
  Object.freeze(value);
  deepFrozen.add(value);
  return value;
}

function copyAndFreeze<T>(value: T, depth: number): T {
  if (depth > 64) throw new SwitchboardTypeError("SB_ERR_INVALID_LAYER_MESSAGE", "nested too deeply (or cyclic)");
  if (value === null || typeof value !== "object") {
    const t = typeof value;
    if (t === "function" || t === "symbol" || t === "bigint") {
      throw new SwitchboardTypeError("SB_ERR_INVALID_LAYER_MESSAGE", `cannot carry a ${t}`);
    }
    return value;
  }
  if (Array.isArray(value)) {
    const out = value.map((v) => copyAndFreeze(v, depth + 1));
    return Object.freeze(out) as T;
  }
  if (value instanceof Date) return value.toISOString() as T;
  if (ArrayBuffer.isView(value)) {
    throw new SwitchboardTypeError("SB_ERR_INVALID_LAYER_MESSAGE", "cannot carry binary data; encode it (base64) first");
  }
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(value)) {
    const v = (value as Record<string, unknown>)[key];
    if (v !== undefined) out[key] = copyAndFreeze(v, depth + 1);
  }
  return Object.freeze(out) as T;
}

/** Resolves the capacity of `channel` from the defaults and per-name overrides. */
export function capacityResolver(
  capacity: number,
  overrides: Record<string, number> = {},
): (channel: string) => number {
  const rules = Object.entries(overrides).map(([pattern, cap]) => {
    const re = new RegExp(
      "^" + pattern.split("*").map((p) => p.replace(/[.+?^${}()|[\]\\]/g, "\\$&")).join(".*") + "$",
    );
    return { re, cap };
  });
  const cache = new Map<string, number>();
  return (channel) => {
    let cap = cache.get(channel);
    if (cap === undefined) {
      // Process-local channels are matched by their non-local part, as channels_redis does.
      const base = channel.includes("!") ? channel.slice(0, channel.indexOf("!") + 1) : channel;
      cap = rules.find((r) => r.re.test(channel) || r.re.test(base))?.cap ?? capacity;
      if (cache.size < 10_000) cache.set(channel, cap);
    }
    return cap;
  };
}

/** Validates layer options, throwing `TypeError` on a bad value. */
export function resolveLayerOptions(options: LayerOptions): Required<LayerOptions> {
  const capacity = options.capacity ?? 100;
  const expiry = options.expiry ?? 60;
  const groupExpiry = options.groupExpiry ?? 86400;
  if (!Number.isInteger(capacity) || capacity < 1) throw new TypeError("capacity must be a positive integer");
  if (!(expiry > 0)) throw new TypeError("expiry must be a positive number of seconds");
  if (!(groupExpiry > 0)) throw new TypeError("groupExpiry must be a positive number of seconds");
  for (const [name, cap] of Object.entries(options.channelCapacity ?? {})) {
    if (!Number.isInteger(cap) || cap < 1) throw new TypeError(`channelCapacity[${name}] must be a positive integer`);
  }
  return { capacity, expiry, groupExpiry, channelCapacity: options.channelCapacity ?? {} };
}

/**
 * A consumer's synchronous hook on its own channel (see {@link kListen}). True takes the
 * message: from then on it is the listener's, the layer keeps no copy. False refuses it:
 * the layer queues it and pauses the listener until {@link ListenHandle.take} has emptied
 * the queue.
 */
export type ChannelListener = (message: LayerMessage) => boolean;

/** What {@link kListen} returns: pull what queued while the listener refused, or stop. */
export interface ListenHandle {
  /**
   * Removes and returns the oldest queued message that has not expired (dropping expired
   * ones on the way), or undefined when nothing is queued. Once it has returned
   * undefined, the next message is offered to the listener again.
   */
  take(): LayerMessage | undefined;
  /**
   * Detaches the listener. What it has not taken stays queued on the channel (until it
   * expires) for a later `receive` or `kListen`, and so does every later message.
   */
  stop(): void;
}

/**
 * Internal fast path between the core's consumers and layers that hold a channel's queue
 * in this process: each message sent to the channel is handed to the listener at once,
 * with no promise per message. A layer that cannot (a plain channel on Redis) returns
 * null and the consumer falls back to `receive`. Not part of the public contract.
 *
 * The in-memory layer offers it on every channel; the Redis layer on process-local
 * channels (`newChannel`'s), whose queues it keeps in an in-memory layer: its own sends go
 * there directly, and its Redis reader hands other processes' messages over through that
 * layer's `kDeliver` (memory.ts), which applies the same rules. What both keep, checked by
 * the "fast path" section of the layer conformance suite:
 *
 * - **One reader.** One listener per channel, and no `receive` on it meanwhile: a second
 *   `kListen` replaces the first listener, and a pending `receive` would get the messages
 *   the listener refuses.
 * - **Delivery.** A message reaching a channel with nothing queued is offered to the
 *   listener synchronously: inside `send`/`groupSend` for a sender in this process, as the
 *   reader takes the entry off Redis for one in another.
 * - **Pausing.** A listener that returns false pauses the channel: that message is queued
 *   and, while anything is queued, later messages queue behind it without being offered.
 *   The layer never offers a queued message again on its own: the listener's owner takes
 *   the queue with `take()`, oldest first, and once `take()` returns undefined the next
 *   message is offered again. Messages queued before `kListen` are not offered either, so
 *   call `take()` right after attaching. (The consumer does both: it refuses while its
 *   mailbox holds `MAILBOX_HIGH_WATER` events and refills from `take()` as it drains, so a
 *   paused consumer loses nothing that fits in the channel's capacity.)
 * - **Ordering.** Per channel, what the listener and `take()` get together comes in the
 *   order the messages reached the channel; none overtakes a queued one. That is sending
 *   order for one sender's awaited calls and for a burst of `send`s (on Redis, they share
 *   one list, read in order; a `groupSend` not awaited may land after a `send` issued just
 *   after it); messages from different processes interleave as they come off Redis.
 * - **Capacity.** Only queued messages count: one the listener takes never fills the
 *   channel (the consumer bounds its mailbox itself). A paused channel holds at most its
 *   capacity (`capacity`, or its `channelCapacity` override); beyond it a `send` from this
 *   process throws {@link ChannelFull} and a group send skips the channel, counting it in
 *   `stats.groupSendDropped`. On Redis a message from another process is checked twice:
 *   the sender's `send` throws `ChannelFull` only when the receiving process's list is at
 *   `processCapacity`; a message that then finds its channel full is dropped on arrival,
 *   counted in the *receiving* layer's `stats.groupSendDropped`, and the sender is not told.
 * - **Expiry.** Counted from the send (on Redis, by the sender's clock). A message older
 *   than `expiry` when it reaches this process (it waited in Redis) is dropped uncounted;
 *   `take()` never returns one that expired while queued; expired messages free their
 *   capacity. A message the listener has taken is delivered: expiry no longer applies.
 * - **At most once.** Each message goes to one of: the listener, one `take()`, one
 *   `receive`; nothing is ever redelivered. So a message the listener took is lost if its
 *   owner drops it (a consumer closed with events in its mailbox), and on Redis an entry
 *   leaves Redis before it is delivered in process (a crash in between loses it).
 * - **Flush and close.** `flush` drops what is queued and keeps the listener attached;
 *   after `close` nothing is offered, and `kListen` throws.
 */
export const kListen = Symbol("switchboard.listen");

/** A layer offering {@link kListen}. */
export interface Listenable {
  [kListen](channel: string, listener: ChannelListener): ListenHandle | null;
}
