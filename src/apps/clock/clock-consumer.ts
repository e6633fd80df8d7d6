import { JsonWebsocketConsumer, SocketRouter, type LayerMessage } from "../../core/index.js";

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

/** The clock's socket route. */
export function clockRoutes(): SocketRouter {
  return new SocketRouter().route("/ws/clock/", ClockConsumer);
}
