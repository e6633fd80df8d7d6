import { CloseCode, WebsocketConsumer, type LayerMessage } from "../../core/index.js";
import { textGroup } from "./rooms.js";

/**
 * `/room/<group>/`: plain-text group chat for the simplest clients. Greets with a text
 * frame, then every text frame a socket sends goes, as text, to every socket of the group
 * (sender included). Binary frames close the socket with 1003 (unsupported data). Nothing
 * is stored. Group names are room names (`roomName` in rooms.ts), canonical by the time the
 * consumer runs (the route's `roomKwarg` middleware).
 */
export class TextRoomConsumer extends WebsocketConsumer<{ group: string }> {
  override get groups(): string[] {
    return [textGroup(this.scope.kwargs.group)];
  }

  override async connect(): Promise<void> {
    await this.accept();
    this.send(`Welcome to ${this.scope.kwargs.group}!`);
  }

  override async receive(text: string | null): Promise<void> {
    if (text === null) {
      await this.close(CloseCode.UNSUPPORTED_DATA, "text frames only");
      return;
    }
    await this.channelLayer!.groupSend(this.groups[0]!, { type: "text.message", text });
  }

  textMessage(event: LayerMessage): void {
    this.send(String(event.text));
  }
}
