import { GraphQLError } from "graphql";
import { catalogEntry, type ChannelLayer } from "../../core/index.js";
import type { GraphQLContribution } from "../../graphql/builder.js";
import { groupEvents } from "../../graphql/layer-events.js";
import type { ChatLine } from "../../protocol/index.js";
import "./errors.js";
import { roomGroup, roomName } from "./rooms.js";

/**
 * The chat's GraphQL part: the `ChatMessage` type and the `roomMessages(room)` subscription
 * (public, as the room is). `room` is a room name as on the socket; another string is an
 * error with `extensions.code` `NOT_FOUND`.
 */
export function chatGraphql(layer: ChannelLayer): GraphQLContribution {
  return (builder) => {
    const ChatMessage = builder.objectRef<ChatLine>("ChatMessage").implement({
      fields: (t) => ({
        id: t.exposeID("id"),
        room: t.exposeString("room"),
        user: t.exposeString("user"),
        message: t.exposeString("message"),
        ts: t.float({ resolve: (l) => l.ts }),
      }),
    });
    builder.subscriptionFields((t) => ({
      roomMessages: t.field({
        type: ChatMessage,
        authScopes: { public: true },
        args: { room: t.arg.string({ required: true }) },
        subscribe: (_r, { room }) => {
          // The room as the socket and the HTTP API name it: NFC, else not a room.
          const name = roomName(room);
          if (name === null) throw new GraphQLError(catalogEntry("SB_ERR_NO_SUCH_ROOM").message, { extensions: { code: "NOT_FOUND" } });
          return groupEvents(layer, roomGroup(name), ["chat.message"]);
        },
        resolve: (event) => (event as unknown as { line: ChatLine }).line,
      }),
    }));
  };
}
