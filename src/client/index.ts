/**
 * `switchboard/client`: the browser and Node client of Switchboard's socket routes.
 *
 * @packageDocumentation
 */
export { SwitchboardClient } from "./client.js";
export type { ClientEvents, ClientOptions, ConnectionState, SendResult, ServerError, StateChange, Transport } from "./client.js";
export type { LongPollOptions } from "./long-poll.js";
export { backoffDelay, type BackoffOptions } from "./backoff.js";
export type { Member, PresenceFrame } from "./presence.js";
export type { HistoryEnd, ResumeResult } from "./resume.js";
export type { SocketConstructor, SocketLike } from "./socket.js";
export { chatClient, httpUrl, notifyClient, socketUrl, workOrderClient } from "./routes.js";
export type { ChatClientOptions, RouteOptions } from "./routes.js";
export type { ChatAck, ChatLine, ChatSend, NotifyFrame, NotifySend, WorkOrderFrame } from "../protocol/index.js";
