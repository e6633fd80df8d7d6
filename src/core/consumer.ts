import { findHandler, sealFromDispatch } from "./dispatch.js";
import { SwitchboardError } from "./errors.js";
import type { ChannelLayer, LayerMessage } from "./layers/layer.js";
import { silentLogger, type Logger } from "./logger.js";

/** Above this many queued events a consumer stops pulling from the layer until it catches up. */
export const MAILBOX_HIGH_WATER = 64;

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
  /** Logger bound to this connection. */
  logger: Logger = silentLogger;

  readonly #mailbox: Array<() => unknown> = [];
  #draining = false;
  #drained: Array<() => void> = [];
  #pump: AbortController | null = null;

  /**
   * Routes a layer message to its handler. A message with no handler is a programming
   * error: it is logged and {@link onDispatchError} decides (sockets close with 1011).
   */
  async dispatch(message: LayerMessage): Promise<void> {
    const handler = findHandler(this, message.type);
    if (!handler) throw new SwitchboardError("SB_ERR_NO_HANDLER", JSON.stringify(message.type).slice(0, 120));
    await handler.call(this, message);
  }

  /** Called when a handler throws; the default logs. Socket consumers close with 1011. */
  protected onDispatchError(error: unknown): void | Promise<void> {
    this.logger.error({ err: error }, "consumer handler failed");
  }

  /** Queues `task` behind every earlier event of this consumer. */
  protected enqueue(task: () => unknown): void {
    this.#mailbox.push(task);
    if (!this.#draining) void this.#drain();
  }

  async #drain(): Promise<void> {
    this.#draining = true;
    try {
      let task: (() => unknown) | undefined;
      while ((task = this.#mailbox.shift())) {
        try {
          await task();
        } catch (error) {
          await this.onDispatchError(error);
        }
      }
    } finally {
      this.#draining = false;
      for (const resolve of this.#drained.splice(0)) resolve();
    }
  }

  /** Events queued and not yet handled. */
  protected get backlog(): number {
    return this.#mailbox.length;
  }

  /** Resolves once every queued event has been handled. */
  protected whenDrained(): Promise<void> {
    if (!this.#draining && this.#mailbox.length === 0) return Promise.resolve();
    return new Promise((resolve) => this.#drained.push(resolve));
  }

  /** Starts pulling this consumer's channel from the layer into the mailbox. */
  protected startPump(): void {
    const layer = this.channelLayer;
    if (!layer || !this.channelName || this.#pump) return;
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
        if (!this.#draining && this.#mailbox.length === 0) {
          // Fast path, the common case: nothing else queued, so handle it here, still one
          // event at a time (frames arriving meanwhile queue behind it).
          this.#draining = true;
          try {
            await this.dispatch(message);
          } catch (error) {
            await this.onDispatchError(error);
          }
          this.#draining = false;
          if (this.#mailbox.length > 0) void this.#drain();
          else for (const resolve of this.#drained.splice(0)) resolve();
          continue;
        }
        this.enqueue(() => this.dispatch(message));
        if (this.#mailbox.length > MAILBOX_HIGH_WATER) await this.whenDrained();
      }
    })();
  }

  /** Stops pulling from the layer; a message not yet received stays on the channel. */
  protected stopPump(): void {
    this.#pump?.abort();
    this.#pump = null;
  }
}
sealFromDispatch(Consumer);
