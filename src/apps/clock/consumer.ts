import { JsonWebsocketConsumer, type LayerMessage } from "../../core/index.js";

/**
 * `/ws/clock/`: joins group `clock` and forwards each beat `server.time` tick to its socket
 * as `{"type": "server.time", "ts": <ms>}`. The lobby page shows it.
 */
export class ClockConsumer extends JsonWebsocketConsumer {
  override get groups(): string[] {
    return ["clock"];
  }

  async serverTime(event: LayerMessage): Promise<void> {
    this.sendJson({ type: "server.time", ts: event.ts });
  }
}
