/**
 * `switchboard/client`: the browser and Node client of Switchboard's socket routes.
 *
 * @packageDocumentation
 */
export { SwitchboardClient } from "./client.js";
export type { ClientEvents, ClientOptions, ConnectionState, SendResult, ServerError, StateChange } from "./client.js";
export { backoffDelay, type BackoffOptions } from "./backoff.js";
export type { Member, PresenceFrame } from "./presence.js";
export type { HistoryEnd, ResumeResult } from "./resume.js";
export type { SocketConstructor, SocketLike } from "./socket.js";
export { chatClient, notifyClient, socketUrl, workOrderClient } from "./routes.js";
export type { RouteOptions } from "./routes.js";
export type { ChatLine, ChatSend, NotifyFrame, NotifySend, WorkOrderFrame } from "../protocol/index.js";
