import { findHandler, sealFromDispatch } from "./dispatch.js";
import { SwitchboardError } from "./errors.js";
import { kListen, type ChannelLayer, type LayerMessage, type Listenable, type ListenHandle } from "./layers/layer.js";
import { silentLogger, type Logger } from "./logger.js";

/** Above this many queued events a consumer stops taking layer messages until it catches up. */
export const MAILBOX_HIGH_WATER = 64;

/** A unit of work in a consumer's mailbox: run in order, one at a time. */
export type Task = () => unknown;

/**
 * The base of every consumer: a mailbox that runs one event at a time, in arrival order
 * (socket frames and layer messages alike), and dispatch of layer messages to the
 * handler named after their `type` (`chat.message` → `chatMessage`).
 *
 * Handlers are methods the subclass declares; members of the framework's classes are
 * never reachable, whatever a message's `type` says.
 */
export abstract class Consumer {
  /** The channel layer, or `null` when the server runs without one. */
  channelLayer: ChannelLayer | null = null;
  /** This consumer's own channel on the layer; `layer.send(channelName, msg)` reaches it. */
  channelName = "";
  #logger: Logger | null = null;
  readonly #mailbox: Task[] = [];
  #draining = false;
  /** Who waits in {@link whenDrained}; null while nobody does (most consumers, always). */
  #drained: Array<() => void> | null = null;
  #pump: AbortController | null = null;
  #listen: ListenHandle | null = null;
  /** True while the layer holds this channel's messages because the mailbox is full. */
  #paused = false;

  /**
   * Logger bound to this connection (or worker channel). Made by {@link createLogger} on
   * first use: a logger child per idle socket costs more than the rest of its consumer.
   */
  get logger(): Logger {
    return (this.#logger ??= this.createLogger());
  }

  set logger(logger: Logger) {
    this.#logger = logger;
  }

  /** Makes the logger on first use of {@link logger}; the default is silent. */
  protected createLogger(): Logger {
    return silentLogger;
  }

  /**
   * Routes a layer message to its handler and returns what the handler returns (a promise
   * for async handlers). A message with no handler is a programming error: it throws, is
   * logged, and {@link onDispatchError} decides (sockets close with 1011).
   */
  dispatch(message: LayerMessage): unknown {
    const handler = findHandler(this, message.type);
    if (!handler) throw new SwitchboardError("SB_ERR_NO_HANDLER", JSON.stringify(message.type).slice(0, 120));
    return handler.call(this, message);
  }

  /** Called when a handler throws; the default logs. Socket consumers close with 1011. */
  protected onDispatchError(error: unknown): void | Promise<void> {
    this.logger.error({ err: error }, "consumer handler failed");
  }

  /** Queues `task` behind every earlier event of this consumer. */
  protected enqueue(task: Task): void {
    this.#mailbox.push(task);
    if (!this.#draining) void this.#drain();
  }

  /** Events queued and not yet handled. */
  protected get backlog(): number {
    return this.#mailbox.length;
  }

  /** Resolves once every queued event has been handled. */
  protected whenDrained(): Promise<void> {
    if (!this.#draining && this.#mailbox.length === 0) return Promise.resolve();
    return new Promise((resolve) => (this.#drained ??= []).push(resolve));
  }

  async #drain(): Promise<void> {
    this.#draining = true;
    let task: Task | undefined;
    while ((task = this.#mailbox.shift())) {
      try {
        await task();
      } catch (error) {
        await this.onDispatchError(error);
      }
      this.#refill();
    }
    this.#idle();
  }

  #idle(): void {
    this.#draining = false;
    if (this.#mailbox.length > 0) {
      void this.#drain();
      return;
    }
    // An emptied array keeps its backing store (room for 16 tasks) until its length is set
    // to 0: an idle consumer should not hold it.
    this.#mailbox.length = 0;
    const drained = this.#drained;
    if (drained === null) return;
    this.#drained = null;
    for (const resolve of drained) resolve();
  }

  /**
   * The layer offers one message for this consumer's channel. Taken at once when nothing
   * else is queued (the common case: no promise, no queueing); queued behind other events
   * otherwise; refused while the mailbox is full, so the layer keeps it (and applies the
   * channel's capacity) until {@link #refill} takes it back.
   */
  #offer(message: LayerMessage): boolean {
    if (this.#paused || this.#mailbox.length >= MAILBOX_HIGH_WATER) {
      this.#paused = true;
      return false;
    }
    if (this.#draining) {
      this.#mailbox.push(() => this.dispatch(message));
      return true;
    }
    this.#draining = true;
    let result: unknown;
    try {
      result = this.dispatch(message);
    } catch (error) {
      result = Promise.reject(error);
    }
    if (result instanceof Promise) {
      result.then(
        () => this.#idle(),
        async (error: unknown) => {
          await this.onDispatchError(error);
          this.#idle();
        },
      );
    } else {
      this.#idle();
    }
    return true;
  }

  /** After a pause, takes back what the layer held, oldest first, while there is room. */
  #refill(): void {
    const handle = this.#listen;
    if (!this.#paused || !handle) return;
    while (this.#mailbox.length < MAILBOX_HIGH_WATER) {
      const message = handle.take();
      if (message === undefined) {
        this.#paused = false;
        return;
      }
      this.#mailbox.push(() => this.dispatch(message));
    }
  }

  /** Starts taking this consumer's channel from the layer into the mailbox. */
  protected startPump(): void {
    const layer = this.channelLayer;
    if (!layer || !this.channelName || this.#pump || this.#listen) return;
    const listenable = layer as Partial<Listenable>;
    const handle = listenable[kListen]?.call(layer, this.channelName, (m) => this.#offer(m)) ?? null;
    if (handle) {
      this.#listen = handle;
      // Messages sent before the listener was there are queued: take them now.
      this.#paused = true;
      if (!this.#draining) {
        this.#refill();
        if (this.#mailbox.length > 0) void this.#drain();
      }
      return;
    }
    this.#receiveLoop(layer);
  }

  /** The general path, for layers without {@link kListen}: one `receive` at a time. */
  #receiveLoop(layer: ChannelLayer): void {
    const controller = new AbortController();
    this.#pump = controller;
    const { signal } = controller;
    const channel = this.channelName;
    const options = { signal };
    void (async () => {
      while (!signal.aborted) {
        let message: LayerMessage;
        try {
          message = await layer.receive(channel, options);
        } catch (error) {
          if (signal.aborted) return;
          this.logger.warn({ err: error }, "layer receive failed; retrying");
          await new Promise((r) => setTimeout(r, 250));
          continue;
        }
        this.enqueue(() => this.dispatch(message));
        if (this.#mailbox.length > MAILBOX_HIGH_WATER) await this.whenDrained();
      }
    })();
  }

  /** Stops taking from the layer; a message not yet taken stays on the channel. */
  protected stopPump(): void {
    this.#pump?.abort();
    this.#pump = null;
    this.#listen?.stop();
    this.#listen = null;
  }
}
sealFromDispatch(Consumer);
