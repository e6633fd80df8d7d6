import { ChannelConsumer, type LayerMessage } from "../../core/index.js";
import { BEAT_GROUP } from "./beat-consumer.js";

/**
 * The `testing-print` worker (`WORKERS=testing-print` in serve, or `runworker testing-print`).
 *
 * - `test.print` (beatserver's tutorial: `{"type": "test.print", "message": {"testing": "one"}}`)
 *   prints the message as it arrived and group-sends it, as it is, to the group `beat`,
 *   whose `/ws/beat/` sockets show it.
 * - `print` (`{"type": "print", "text": ..., "replyGroup"?: ...}`, or the same fields under
 *   `payload`, as a named beat entry sends them) prints `text`, and when the message names a
 *   `replyGroup` sends `{"type": "print.done", text}` there.
 *
 * @example
 * await layer.send("testing-print", { type: "test.print", message: { testing: "one" } });
 * // stdout: [testing-print] {"type":"test.print","message":{"testing":"one"}}
 */
export class PrintConsumer extends ChannelConsumer {
  async testPrint(message: LayerMessage): Promise<void> {
    this.#print(JSON.stringify(message));
    await this.channelLayer!.groupSend(BEAT_GROUP, message);
  }

  async print(message: LayerMessage): Promise<void> {
    // A named beat entry carries its data under `payload` ({"type": "print", "payload": {"text": ...}}).
    const payload = message.payload;
    const fields = message.text === undefined && payload !== null && typeof payload === "object" ? (payload as Record<string, unknown>) : message;
    const text = typeof fields.text === "string" ? fields.text : JSON.stringify(message);
    this.#print(text);
    if (typeof fields.replyGroup === "string") {
      await this.channelLayer!.groupSend(fields.replyGroup, { type: "print.done", text });
    }
  }

  #print(text: string): void {
    this.logger.info({ channel: this.channelName, text }, "print");
    process.stdout.write(`[${this.channelName}] ${text}\n`);
  }
}
