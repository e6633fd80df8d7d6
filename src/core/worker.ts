import { Consumer } from "./consumer.js";
import { sealFromDispatch } from "./dispatch.js";
import { assertChannelName, type ChannelLayer, type LayerMessage } from "./layers/layer.js";
import { silentLogger, type Logger } from "./logger.js";

/**
 * A consumer bound to a named channel instead of a socket (Channels' background
 * consumers): declare handlers by message type (`print` handles `{"type": "print"}`,
 * `thumbnail.make` → `thumbnailMake`). `channelLayer` and `channelName` are set; a handler
 * may `groupSend` results to sockets.
 *
 * @example
 * class Printer extends ChannelConsumer {
 *   async print(message: LayerMessage) { console.log(message.text); }
 * }
 */
export class ChannelConsumer extends Consumer {}
sealFromDispatch(ChannelConsumer);

/** A channel consumer class. */
export type ChannelConsumerClass = new () => ChannelConsumer;

/** Maps channel names to the consumers that handle them (Channels' `ChannelNameRouter`). */
export class ChannelNameRouter {
  readonly #routes = new Map<string, ChannelConsumerClass>();

  /** Routes `channel` (a plain name, no `!`) to `consumer`. */
  route(channel: string, consumer: ChannelConsumerClass): this {
    assertChannelName(channel);
    if (channel.includes("!")) throw new TypeError(`worker channels are plain names, not process-local ones: ${channel}`);
    this.#routes.set(channel, consumer);
    return this;
  }

  /** The consumer of `channel`, if routed. */
  consumerFor(channel: string): ChannelConsumerClass | undefined {
    return this.#routes.get(channel);
  }

  /** Every routed channel name. */
  get channels(): string[] {
    return [...this.#routes.keys()];
  }
}

/** Options of {@link Worker}. */
export interface WorkerOptions {
  layer: ChannelLayer;
  router: ChannelNameRouter;
  /** The channels to serve; all routed channels when omitted. */
  channels?: string[];
  logger?: Logger;
}

/**
 * Receives from named channels and dispatches each message to its consumer by `type`
 * (`runworker`). The layer hands each message to one receiver, so with several workers on
 * a channel, anywhere in the cluster, each message is handled once. A handler that throws
 * is logged and the worker goes on with the next message.
 */
export class Worker {
  readonly #layer: ChannelLayer;
  readonly #consumers = new Map<string, ChannelConsumer>();
  readonly #logger: Logger;
  readonly #stop = new AbortController();
  readonly #loops: Promise<void>[] = [];
  /** Messages handled, by outcome; for logs and tests. */
  readonly counts = { handled: 0, failed: 0 };

  constructor(options: WorkerOptions) {
    this.#layer = options.layer;
    this.#logger = options.logger ?? silentLogger;
    const channels = options.channels ?? options.router.channels;
    if (channels.length === 0) throw new TypeError("a worker needs at least one channel");
    for (const channel of channels) {
      const Class = options.router.consumerFor(channel);
      if (!Class) throw new TypeError(`no consumer is routed for channel ${channel}; routed: ${options.router.channels.join(", ") || "none"}`);
      const consumer = new Class();
      consumer.channelLayer = this.#layer;
      consumer.channelName = channel;
      consumer.logger = this.#logger.child({ worker: channel });
      this.#consumers.set(channel, consumer);
    }
  }

  /** Starts one receive loop per channel. */
  start(): this {
    for (const [channel, consumer] of this.#consumers) this.#loops.push(this.#run(channel, consumer));
    this.#logger.info({ channels: [...this.#consumers.keys()] }, "worker started");
    return this;
  }

  /** Stops receiving (a message not yet received stays on its channel) and waits for the handlers in flight. */
  async stop(): Promise<void> {
    this.#stop.abort();
    await Promise.all(this.#loops);
  }

  async #run(channel: string, consumer: ChannelConsumer): Promise<void> {
    const { signal } = this.#stop;
    while (!signal.aborted) {
      let message: LayerMessage;
      try {
        message = await this.#layer.receive(channel, { signal });
      } catch (error) {
        if (signal.aborted) return;
        this.#logger.warn({ err: error, channel }, "worker receive failed; retrying");
        await new Promise((r) => setTimeout(r, 500));
        continue;
      }
      try {
        await consumer.dispatch(message);
        this.counts.handled++;
      } catch (error) {
        this.counts.failed++;
        this.#logger.error({ err: error, channel, type: message.type }, "worker handler failed; continuing");
      }
    }
  }
}
