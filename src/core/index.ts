/**
 * Switchboard's core: the public entry. Applications import only from here.
 * @packageDocumentation
 */
export type { ChannelLayer, LayerMessage, LayerOptions, LayerStats, ReceiveOptions } from "./layers/layer.js";
export { ChannelFull, CHANNEL_NAME_RULE, GROUP_NAME_RULE, MAX_NAME_LENGTH, assertChannelName, assertGroupName } from "./layers/layer.js";
export { InMemoryChannelLayer, type InMemoryLayerOptions } from "./layers/memory.js";
export { RedisChannelLayer, type RedisLayerOptions } from "./layers/redis.js";
export { connectRedis, duplicateRedis, isCluster, parseRedisNodes, type RedisClient, type RedisClientOptions, type RedisNode, type RedisTarget } from "./layers/redis-connection.js";
export { Consumer, type Task } from "./consumer.js";
export { WebsocketConsumer } from "./websocket-consumer.js";
export { JsonWebsocketConsumer } from "./json-consumer.js";
export { ChannelConsumer, ChannelNameRouter, Worker, type ChannelConsumerClass, type WorkerOptions } from "./worker.js";
export { handlerName } from "./dispatch.js";
export { SocketRouter, type ParamsOf, type ConsumerClass, type RouteOptions, type RouteMatch, type RouteEntry } from "./routing.js";
export { SocketServer, type OpenSocket, type SocketApp, type SocketServerOptions } from "./server.js";
export { ConnectionGuard, headerTimeouts, type ConnectionGuardOptions } from "./connection-guard.js";
export type { Connection } from "./handshake.js";
export type { Scope, ScopeUser, Kwargs } from "./scope.js";
export { stack, type Middleware } from "./middleware.js";
export { DEFAULT_LIMITS, parseRateLimit, type SocketLimits, type SocketStats } from "./limits.js";
export { originCheck, isAllowed, type OriginCheckOptions } from "./origin.js";
export { proxyHeaders, trustedProxies, isTrusted } from "./proxy.js";
export { socketsPlugin } from "./fastify-plugin.js";
export {
  CloseCode,
  ERRORS,
  SwitchboardError,
  SwitchboardTypeError,
  catalog,
  catalogEntry,
  defineErrors,
  errorFrame,
  type CoreErrorCode,
  type ErrorCode,
  type CatalogEntry,
} from "./errors.js";
export { createLogger, silentLogger, type Logger } from "./logger.js";
export { WebsocketCommunicator, type ConnectResult, type CommunicatorOptions } from "./testing/communicator.js";
