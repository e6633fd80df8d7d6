/**
 * `switchboard/testing`: what an application's tests drive its consumers with, like
 * Channels' `channels.testing`. Kept apart from the main entry so a test helper's name
 * says where it belongs; the main entry re-exports it too (older imports keep working).
 *
 * @example
 * import { InMemoryChannelLayer, SocketRouter } from "switchboard";
 * import { WebsocketCommunicator } from "switchboard/testing";
 *
 * const c = new WebsocketCommunicator(router.app(), "/ws/echo/", { layer: new InMemoryChannelLayer() });
 * await c.connect();
 *
 * @packageDocumentation
 */
export { WebsocketCommunicator, type ConnectResult, type CommunicatorOptions } from "./communicator.js";
