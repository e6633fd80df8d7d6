// A minimal chat consumer built only on Switchboard's public core entry: what an existing
// app adds to get realtime rooms. Same protocol as the tutorial: {"message": "..."} both ways.
import { JsonWebsocketConsumer, SocketRouter, type LayerMessage } from "../../src/core/index.js";

export class RoomConsumer extends JsonWebsocketConsumer<{ room: string }> {
  override get groups(): string[] {
    return [`room_${this.scope.kwargs.room}`];
  }

  override async receiveJson(content: unknown): Promise<void> {
    const message = (content as { message?: unknown } | null)?.message;
    if (typeof message !== "string" || message.length === 0 || message.length > 4096) {
      this.sendJson({ error: "invalid_message" });
      return;
    }
    await this.channelLayer!.groupSend(this.groups[0]!, { type: "room.message", message });
  }

  async roomMessage(event: LayerMessage): Promise<void> {
    this.sendJson({ message: event.message });
  }
}

/** The socket routes the examples mount: `/ws/chat/<room>/`. */
export function chatRoutes(): SocketRouter {
  return new SocketRouter().route("/ws/chat/:room/", RoomConsumer, { params: { room: /[A-Za-z0-9_-]{1,80}/ } });
}
