import { ChannelConsumer, type LayerMessage } from "../../core/index.js";

/**
 * The seed's `testing-print` worker: prints each `{"type": "print", "text": ...}` it
 * receives, and when the message names a `replyGroup`, sends `{"type": "print.done", text}`
 * there, so sockets can see the work was done.
 */
export class PrintConsumer extends ChannelConsumer {
  async print(message: LayerMessage): Promise<void> {
    const text = typeof message.text === "string" ? message.text : JSON.stringify(message);
    this.logger.info({ channel: this.channelName, text }, "print");
    process.stdout.write(`[${this.channelName}] ${text}\n`);
    if (typeof message.replyGroup === "string") {
      await this.channelLayer!.groupSend(message.replyGroup, { type: "print.done", text });
    }
  }
}
