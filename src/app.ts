import { join } from "node:path";
import fastifyStatic from "@fastify/static";
import Fastify, { type FastifyBaseLogger, type FastifyInstance } from "fastify";
import type { Kysely } from "kysely";
import type { Logger as PinoLogger } from "pino";
import { MemoryPresenceStore, Presence, RedisPresenceStore, chatApp } from "./apps/chat/index.js";
import { MessageStore } from "./apps/chat/store.js";
import { accountsApp } from "./apps/accounts/index.js";
import { clockRoutes } from "./apps/clock/clock-consumer.js";
import { graphqlApp } from "./apps/graphql/index.js";
import { workOrdersApp, type WorkOrderService } from "./apps/workorders/index.js";
import { workerRoutes } from "./apps/tasks/index.js";
import { startBeat } from "./beat/index.js";
import { WEB_ROOT } from "./web-pages.js";
import type { Config } from "./config.js";
import {
  SocketRouter,
  SocketServer,
  createLogger,
  isTrusted,
  originCheck,
  proxyHeaders,
  socketsPlugin,
  trustedProxies,
  stack,
  Worker,
  type ChannelLayer,
  type Logger,
} from "./core/index.js";
import { createLayer } from "./layer-factory.js";
import { openDatabase } from "./storage/database.js";
import { migrateToLatest } from "./storage/migrate.js";
import { healthRoutes } from "./ops/health.js";
import { createMetrics } from "./ops/metrics.js";
import { securityHeaders } from "./ops/security-headers.js";
import type { Database } from "./storage/schema.js";
import { clientAssets } from "./client-assets.js";

/** The whole system, built from a config: what `serve`, the CLI and the tests run. */
export interface App {
  config: Config;
  /** The work-order service (pipelines), for the CLI and tests. */
  workOrders: WorkOrderService;
  fastify: FastifyInstance;
  sockets: SocketServer;
  layer: ChannelLayer;
  db: Kysely<Database>;
  logger: Logger;
  /** Listens on `config.host:config.port`; resolves with the base URL (`http://host:port`). */
  listen(): Promise<string>;
  /** Stops accepting, closes sockets with `code` (default 1001), the layer and the database. */
  close(code?: number): Promise<void>;
}

/** Options of {@link buildApp}. */
export interface BuildOptions {
  logger?: PinoLogger;
  /** Run migrations first (default true). */
  migrate?: boolean;
}

/** Builds the app; `npm start` is `buildApp(loadConfig()).listen()`. */
export async function buildApp(config: Config, options: BuildOptions = {}): Promise<App> {
  const logger = options.logger ?? createLogger(config.logLevel);
  const db = openDatabase(config.databaseUrl);
  if (options.migrate !== false) await migrateToLatest(db as Kysely<unknown>);
  const layer = createLayer(config, logger);

  const presenceStore = config.redisUrl ? new RedisPresenceStore(config.redisUrl.split(",")[0]!.trim()) : new MemoryPresenceStore();
  const presence = new Presence(presenceStore, layer, { logger });
  const accounts = accountsApp(db, config.secretKey, { tokenSeconds: config.jwtExpiresIn });
  const chat = chatApp(new MessageStore(db), layer, presence, { requireLogin: config.chatRequireLogin });
  const workOrders = await workOrdersApp(db, layer, accounts.users, config.dataDir, logger);
  const graphql = graphqlApp(db, layer, accounts, { debug: config.debug, workOrders: workOrders.service });
  const router = new SocketRouter()
    .include("", chat.sockets)
    .include("", clockRoutes())
    .include("", accounts.sockets)
    .include("", graphql.sockets)
    .include("", workOrders.sockets);
  const sockets = new SocketServer({
    // Origin first (a foreign page never gets as far as the cookie), then who the user is.
    app: stack(router.app(), proxyHeaders(trustedProxies(config.trustedProxies)), originCheck({ allowed: config.allowedOrigins }), accounts.auth),
    layer,
    logger,
    limits: config.limits,
    maxPayload: config.maxFrameBytes,
    handshakeTimeout: config.handshakeTimeoutMs,
  });

  // Fastify logs every request at info; keep that out of the log unless debugging.
  const verbose = logger.level === "debug" || logger.level === "trace";
  const httpLogger = verbose ? logger : logger.child({}, { level: logger.isLevelEnabled("warn") ? "warn" : logger.level });
  // Only listed proxies may set the client address and scheme (request.ip, request.protocol).
  const proxies = trustedProxies(config.trustedProxies);
  const fastify = Fastify({
    loggerInstance: httpLogger as FastifyBaseLogger,
    trustProxy: config.trustedProxies.length > 0 ? (address: string) => isTrusted(proxies, address) : false,
  });
  await fastify.register(securityHeaders);
  await fastify.register(socketsPlugin(sockets));
  await fastify.register(fastifyStatic, { root: join(WEB_ROOT, "static"), prefix: "/static/" });
  await fastify.register(clientAssets);
  await fastify.register(accounts.http);
  await fastify.register(chat.http);
  await fastify.register(graphql.http);
  await fastify.register(workOrders.http);
  const metrics = createMetrics(sockets, layer);
  await fastify.register(healthRoutes(db as Kysely<unknown>, layer, metrics.registry));

  // Workers named in WORKERS run in this process; an unknown channel refuses to start.
  const worker = config.workers.length > 0 ? new Worker({ layer, router: workerRoutes(), channels: config.workers, logger }).start() : null;

  // The scheduler: fires once per cluster (leader election on Redis; the only node in memory).
  const beat = config.beat ? await startBeat(config, layer, logger) : null;

  let closed = false;
  return {
    config,
    workOrders: workOrders.service,
    fastify,
    sockets,
    layer,
    db,
    logger,
    async listen() {
      await fastify.listen({ host: config.host, port: config.port });
      const address = fastify.server.address();
      const port = typeof address === "object" && address ? address.port : config.port;
      const host = config.host.includes(":") ? `[${config.host}]` : config.host;
      return `http://${host}:${port}`;
    },
    async close(code?: number) {
      if (closed) return;
      closed = true;
      if (code !== undefined) await sockets.close(code, code === 1012 ? "service restart" : "server closing");
      await fastify.close();
      metrics.close();
      await workOrders.service.stopAll();
      await beat?.stop();
      await worker?.stop();
      await presence.close();
      await layer.close();
      await db.destroy();
    },
  };
}
