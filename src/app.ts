import rateLimit from "@fastify/rate-limit";
import fastifyStatic from "@fastify/static";
import Fastify, { type FastifyBaseLogger, type FastifyInstance, type FastifyPluginAsync, type FastifySchema } from "fastify";
import type { GraphQLSchema } from "graphql";
import type { Kysely, Migration } from "kysely";
import { join } from "node:path";
import type { Logger as PinoLogger } from "pino";
import { accountsApp } from "./apps/accounts/index.js";
import { adminApp } from "./apps/admin/index.js";
import { booksApp } from "./apps/books/index.js";
import { chatApp } from "./apps/chat/index.js";
import { MAX_ROOM_PARAM_LENGTH } from "./apps/chat/rooms.js";
import { clockApp } from "./apps/clock/index.js";
import { gpsApp } from "./apps/gps/index.js";
import type { AppContext, AppModule, AppParts, AppRuntime, ModuleReport } from "./apps/module.js";
import { tasksApp } from "./apps/tasks/index.js";
import { workOrdersApp } from "./apps/workorders/index.js";
import { BackoffMemoryStore, createAuth, httpAuth, socketAuth, type Access, type Auth } from "./auth/index.js";
import { AUTH_MIGRATIONS } from "./auth/migrations.js";
import { startBeat, type Schedule } from "./beat/index.js";
import type { Config } from "./config.js";
import {
  ChannelNameRouter,
  CloseCode,
  SocketRouter,
  SocketServer,
  Worker,
  connectRedis,
  createLogger,
  defineErrors,
  headerTimeouts,
  isTrusted,
  originCheck,
  proxyHeaders,
  socketsPlugin,
  stack,
  trustedProxies,
  type ChannelLayer,
  type Logger,
} from "./core/index.js";
import { graphqlEndpoint } from "./graphql/index.js";
import { healthRoutes } from "./ops/health.js";
import { createMetrics } from "./ops/metrics.js";
import { securityHeaders } from "./ops/helmet.js";
import { metricsListener } from "./ops/metrics-endpoint.js";
import { createLayer, sharedRedis } from "./runtime/layer.js";
import { apiDocs } from "./http/api-docs.js";
import { errorBodies } from "./http/error-handler.js";
import { openapi } from "./http/openapi.js";
import { schemaValidators } from "./http/validation.js";
import { sendError } from "./http/errors.js";
import { sameOrigin } from "./http/same-origin.js";
import { openDatabase } from "./storage/database.js";
import { migrateToLatest } from "./storage/migrate.js";
import type { Database } from "./storage/schema.js";
import { webAssets } from "./web/assets.js";
import { WEB_ROOT, pageCaching } from "./web/pages.js";

/** The apps of the system, in start order. Adding an app is adding one line here. */
export const MODULES: readonly AppModule[] = [accountsApp, chatApp, booksApp, workOrdersApp, clockApp, tasksApp, gpsApp, adminApp];

/** Every migration: auth's own, then each module's (Kysely orders them by name). */
export function allMigrations(modules: readonly AppModule[] = MODULES): Record<string, Migration> {
  const all: Record<string, Migration> = { ...AUTH_MIGRATIONS };
  for (const m of modules) {
    for (const [name, migration] of Object.entries(m.migrations ?? {})) {
      if (name in all) throw new TypeError(`migration ${name} of module ${m.name} is already defined`);
      all[name] = migration;
    }
  }
  return all;
}

/** The modules' beat entries, merged (a later module's entry of the same name is refused). */
export function moduleSchedules(modules: readonly AppModule[] = MODULES): Schedule {
  const all: Schedule = {};
  for (const m of modules) {
    for (const [name, entry] of Object.entries(m.schedules ?? {})) {
      if (name in all) throw new TypeError(`beat entry ${name} of module ${m.name} is already defined`);
      all[name] = entry;
    }
  }
  return all;
}

/** The background channels the modules serve (`WORKERS=` in serve, `runworker <channel>`). */
export function workerRoutes(modules: readonly AppModule[] = MODULES): ChannelNameRouter {
  const router = new ChannelNameRouter();
  for (const m of modules) for (const [channel, consumer] of Object.entries(m.workers ?? {})) router.route(channel, consumer);
  return router;
}

/** The whole system, built from a config: what `serve`, the CLI and the tests run. */
export interface App {
  config: Config;
  fastify: FastifyInstance;
  sockets: SocketServer;
  /** Every socket route, as the router holds it (patterns and their declared access). */
  socketRouter: SocketRouter;
  /** Every HTTP route, as Fastify registered it (method, URL, declared access). */
  routes: readonly HttpRoute[];
  /** The GraphQL schema merged from the modules' parts. */
  schema: GraphQLSchema;
  layer: ChannelLayer;
  db: Kysely<Database>;
  auth: Auth;
  logger: Logger;
  /** The modules this app runs. */
  modules: readonly AppModule[];
  /** Listens on `config.host:config.port`; resolves with the base URL (`http://host:port`). */
  listen(): Promise<string>;
  /** Stops accepting, closes sockets with `code` (default 1001), the modules, the layer and the database. */
  close(code?: number): Promise<void>;
}

/** One registered HTTP route. */
export interface HttpRoute {
  method: string;
  url: string;
  access: Access;
  /** The route's JSON Schema (params, query, body, replies; `hide` keeps it out of the OpenAPI document). */
  schema: FastifySchema | undefined;
}

/** Options of {@link buildApp}. */
export interface BuildOptions {
  logger?: PinoLogger;
  /** Run migrations first (default true). */
  migrate?: boolean;
}

/**
 * Builds the app from `modules` (default {@link MODULES}) in one loop: each module is started
 * on the shared services (database, layer, auth), and its sockets, HTTP routes (in a Fastify
 * context of its own, behind the auth plugin), GraphQL fields, workers and schedules are
 * mounted. `npm start` is `buildApp(loadConfig()).listen()`.
 */
export async function buildApp(config: Config, options: BuildOptions = {}, modules: readonly AppModule[] = MODULES): Promise<App> {
  const logger = options.logger ?? createLogger(config.logLevel);
  for (const m of modules) if (m.errors) defineErrors(m.errors);
  const db = openDatabase(config.databaseUrl);
  if (options.migrate !== false) await migrateToLatest(db as Kysely<unknown>, allMigrations(modules));
  const layer = createLayer(config, logger);
  const auth = createAuth(db, { secretKey: config.secretKey, tokenSeconds: config.jwtExpiresIn, passwordMinLength: config.passwordMinLength });

  const started: { module: AppModule; parts: AppParts }[] = [];
  // Filled in below as the parts are made; modules read it while serving (the admin dashboard).
  const runtime: { -readonly [K in keyof AppRuntime]: AppRuntime[K] } = {
    sockets: null,
    beat: null,
    worker: null,
    async reports() {
      const out: Record<string, ModuleReport> = {};
      for (const { module, parts } of started) if (parts.report) out[module.name] = await parts.report();
      return out;
    },
  };
  const context: AppContext = { config, db, layer, logger, auth, runtime };
  for (const module of modules) started.push({ module, parts: await module.start(context) });
  const graphql = graphqlEndpoint({
    contributions: started.flatMap(({ parts }) => (parts.graphql ? [parts.graphql] : [])),
    identifier: auth.identifier,
    debug: config.debug,
    introspection: config.graphqlIntrospection,
  });

  const router = new SocketRouter();
  for (const { parts } of started) if (parts.sockets) router.include("", parts.sockets.router);
  router.include("", graphql.sockets.router);
  const proxies = trustedProxies(config.trustedProxies);
  const sockets = new SocketServer({
    // Origin first (a foreign page never gets as far as the cookie), then who the user is.
    app: stack(router.app(), proxyHeaders(proxies), originCheck({ allowed: config.allowedOrigins }), socketAuth(auth.identifier)),
    layer,
    logger,
    limits: config.limits,
    maxPayload: config.maxFrameBytes,
    handshakeTimeout: config.handshakeTimeoutMs,
  });
  runtime.sockets = sockets;

  // Fastify logs every request at info; keep that out of the log unless debugging.
  const verbose = logger.level === "debug" || logger.level === "trace";
  const httpLogger = verbose ? logger : logger.child({}, { level: logger.isLevelEnabled("warn") ? "warn" : logger.level });
  // Only listed proxies may set the client address and scheme (request.ip, request.protocol).
  const fastify = Fastify({
    loggerInstance: httpLogger as FastifyBaseLogger,
    trustProxy: config.trustedProxies.length > 0 ? (address: string) => isTrusted(proxies, address) : false,
    // Node's header deadline (every request, from its first byte) is WS_HANDSHAKE_TIMEOUT too.
    http: headerTimeouts(config.handshakeTimeoutMs),
    // Path parameters up to a 100-character room name in any spelling (default 100 UTF-16
    // units: too few for `𠮷` × 100 or a decomposed name); each route checks its own.
    routerOptions: { maxParamLength: MAX_ROOM_PARAM_LENGTH },
    // Route schemas: the query and path are read as text, a JSON body keeps its own types.
    schemaController: schemaValidators,
    // A path that is not valid percent-encoding (`/chat/%ZZ/`): 400 `SB_ERR_BAD_PATH`, as at
    // the handshake, in the one error body (not Fastify's own); the only other error this
    // sees, a failed async route constraint (none here), is a bad request too.
    frameworkErrors: (error, _request, reply) => sendError(reply, error.code === "FST_ERR_BAD_URL" ? "SB_ERR_BAD_PATH" : "SB_ERR_INVALID_REQUEST"),
  });
  const routes: HttpRoute[] = [];
  fastify.addHook("onRoute", (route) => {
    // Read `access` later: the auth plugin of the route's own context fills it after this hook.
    for (const method of [route.method].flat()) {
      routes.push({ method, url: route.url, get access() { return route.config?.access ?? "user"; }, get schema() { return route.schema; } });
    }
  });
  await fastify.register(securityHeaders);
  await fastify.register(pageCaching);
  // Collects every route from here on into the OpenAPI document (served by apiDocs below).
  await fastify.register(openapi);
  await fastify.register(socketsPlugin(sockets));
  // One error body everywhere; state-changing requests from other sites refused first.
  await fastify.register(errorBodies);
  await fastify.register(sameOrigin, { allowed: config.allowedOrigins });
  // Failed sign-ins, counted per account and address (on Redis across nodes).
  // Its two scripts touch one key each, so they run on a Cluster as they are.
  const throttleTarget = sharedRedis(config);
  const throttleRedis = throttleTarget ? connectRedis(throttleTarget, { maxRetriesPerRequest: 1, connectTimeout: 2000, lazyConnect: false }) : null;
  throttleRedis?.on("error", () => undefined); // skipOnError: an outage lets sign-ins through, unthrottled; the layer logs it
  await fastify.register(rateLimit, {
    global: false,
    exponentialBackoff: true,
    skipOnError: true,
    nameSpace: "switchboard-login-",
    ...(throttleRedis ? { redis: throttleRedis } : { store: BackoffMemoryStore }),
  });
  auth.throttle.bind(fastify);
  // Each part in a context of its own, with the auth plugin in front of its routes.
  const guarded = async (plugin: FastifyPluginAsync, defaultAccess?: Access): Promise<void> => {
    await fastify.register(async (scope) => {
      await scope.register(httpAuth, { identifier: auth.identifier, defaultAccess });
      await scope.register(plugin);
    });
  };
  await guarded(async (app) => app.register(fastifyStatic, { root: join(WEB_ROOT, "static"), prefix: "/static/" }), "public");
  await guarded(webAssets);
  for (const { parts } of started) if (parts.http) await guarded(parts.http);
  await guarded(graphql.http);
  const metrics = createMetrics(sockets, layer, auth.throttle.stats);
  await guarded(healthRoutes(db as Kysely<unknown>, layer, metrics.registry, { metricsToken: config.metricsToken }));
  await guarded(apiDocs);
  // METRICS_PORT: /metrics also on a listener of its own (no token: only the scraper reaches it).
  const metricsServer = config.metricsPort === null ? null : metricsListener(metrics.registry, { host: config.metricsHost, port: config.metricsPort });

  // Workers named in WORKERS run in this process; an unknown channel refuses to start.
  const worker = config.workers.length > 0 ? new Worker({ layer, router: workerRoutes(modules), channels: config.workers, logger }).start() : null;

  // The scheduler: fires once per cluster (leader election on Redis; the only node in memory).
  const beat = config.beat ? await startBeat(config, layer, logger, moduleSchedules(modules)) : null;
  runtime.beat = beat;
  runtime.worker = worker ? { channels: config.workers, counts: worker.counts } : null;

  let closed = false;
  return {
    config,
    fastify,
    sockets,
    socketRouter: router,
    routes,
    schema: graphql.schema,
    layer,
    db,
    auth,
    logger,
    modules,
    async listen() {
      await fastify.listen({ host: config.host, port: config.port, backlog: config.listenBacklog });
      const address = fastify.server.address();
      const port = typeof address === "object" && address ? address.port : config.port;
      const host = config.host.includes(":") ? `[${config.host}]` : config.host;
      if (metricsServer) logger.info({ url: `${await metricsServer.listen()}/metrics` }, "metrics listener serving");
      return `http://${host}:${port}`;
    },
    async close(code?: number) {
      if (closed) return;
      closed = true;
      if (code !== undefined) await sockets.close(code, code === CloseCode.SERVICE_RESTART ? "service restart" : "server closing");
      await fastify.close();
      await metricsServer?.close();
      metrics.close();
      await beat?.stop();
      await worker?.stop();
      for (const { parts } of [...started].reverse()) await parts.close?.();
      throttleRedis?.disconnect();
      await layer.close();
      await db.destroy();
    },
  };
}
